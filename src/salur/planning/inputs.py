"""What the planner reads from the store: places and the kit of every TPS, as plain records.

The repository fills these from the database; tests and benchmarks may build them directly.
Coordinates may be missing (None): the planner names the TPS that this leaves unserved.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegencyIn:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DistrictIn:
    """A kecamatan (one PPK)."""

    code: str
    regency: str
    name: str


@dataclass(frozen=True, slots=True)
class VillageIn:
    """A desa/kelurahan (one PPS); ``landmass`` None when the data has no landmasses."""

    code: str
    district: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    landmass: str | None
    on_island: bool | None


@dataclass(frozen=True, slots=True)
class WarehouseIn:
    """A KPU kab/kota warehouse with its (proxy) point, if any."""

    site_id: str
    regency: str
    name: str
    district: str | None
    village: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class KitIn:
    """The packed kit of one TPS: its weight (g) and volume (cm3) from the needs engine."""

    tps: str
    village: str
    weight_g: int
    volume_cm3: int


@dataclass(frozen=True, slots=True)
class PlanningInputs:
    """Everything of one region the planner needs, in code order."""

    region: str
    region_name: str
    regencies: tuple[RegencyIn, ...]
    districts: tuple[DistrictIn, ...]
    villages: tuple[VillageIn, ...]
    warehouses: tuple[WarehouseIn, ...]
    kits: tuple[KitIn, ...]
    port_villages: tuple[VillageIn, ...] = ()
    """Villages outside the region that ports.csv borrows a point from (Dumai for Rupat)."""
    norm_id: str = ""

    def by_regency(self) -> dict[str, PlanningInputs]:
        """The inputs of each regency, as `for_regency` gives them, cut in one pass (a national
        region has 514 regencies and 820,161 kits)."""
        districts: dict[str, list[DistrictIn]] = {r.code: [] for r in self.regencies}
        for d in self.districts:
            districts.setdefault(d.regency, []).append(d)
        regency_of = {d.code: d.regency for d in self.districts}
        villages: dict[str, list[VillageIn]] = {code: [] for code in districts}
        village_regency: dict[str, str] = {}
        for v in self.villages:
            regency = regency_of.get(v.district)
            if regency is not None:
                villages[regency].append(v)
                village_regency[v.code] = regency
        kits: dict[str, list[KitIn]] = {code: [] for code in districts}
        for k in self.kits:
            regency = village_regency.get(k.village)
            if regency is not None:
                kits[regency].append(k)
        warehouses: dict[str, list[WarehouseIn]] = {code: [] for code in districts}
        for w in self.warehouses:
            if w.regency in warehouses:
                warehouses[w.regency].append(w)
        return {
            r.code: PlanningInputs(
                region=r.code,
                region_name=r.name,
                regencies=(r,),
                districts=tuple(districts[r.code]),
                villages=tuple(villages[r.code]),
                warehouses=tuple(warehouses[r.code]),
                kits=tuple(kits[r.code]),
                port_villages=self.port_villages,
                norm_id=self.norm_id,
            )
            for r in self.regencies
        }

    def for_regency(self, regency: str) -> PlanningInputs:
        """The same inputs cut down to one regency (plans decompose by regency)."""
        districts = tuple(d for d in self.districts if d.regency == regency)
        codes = {d.code for d in districts}
        villages = tuple(v for v in self.villages if v.district in codes)
        village_codes = {v.code for v in villages}
        return PlanningInputs(
            region=regency,
            region_name=next((r.name for r in self.regencies if r.code == regency), regency),
            regencies=tuple(r for r in self.regencies if r.code == regency),
            districts=districts,
            villages=villages,
            warehouses=tuple(w for w in self.warehouses if w.regency == regency),
            kits=tuple(k for k in self.kits if k.village in village_codes),
            port_villages=self.port_villages,
            norm_id=self.norm_id,
        )
