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
