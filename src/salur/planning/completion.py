"""Completes the planning data of one region with the labelled defaults of `data/defaults.toml`.

The shipped files cover Riau; any other regency the store holds (`salur data load indonesia`)
gets, where its own rows are missing: a depot at its seat, warehouse trucks scaled from the
Mandau ratio, a Polres roster scaled by its TPS, landmasses from `landmass_defaults.csv` for
desa the store places on none, and a default boat link to each landmass of its desa that no port
or water link reaches from its warehouse. A regency's own rows always win, so a region the files
cover (Riau) is planned exactly as without defaults. Every default used is listed, by regency or
link, in `DefaultsUsed` (kept in the plan summary). Pure: no database, no clock.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from salur.planning.config import PlanningData
from salur.planning.defaults import DefaultRules
from salur.planning.escorts import PolresRoster
from salur.planning.fleet import Fleet, VehicleSpec
from salur.planning.inputs import PlanningInputs, RegencyIn, VillageIn
from salur.planning.sites import DepotOverride
from salur.planning.water_defaults import default_crossings


@dataclass(frozen=True)
class DefaultsUsed:
    """What came from the defaults rather than the files: regency codes, desa codes, link ids."""

    depots: tuple[str, ...] = ()
    fleet: tuple[str, ...] = ()
    rosters: tuple[str, ...] = ()
    landmasses: tuple[str, ...] = ()
    water_links: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "depot": list(self.depots),
            "fleet": list(self.fleet),
            "roster": list(self.rosters),
            "landmass": list(self.landmasses),
            "water_link": list(self.water_links),
        }

    @property
    def any(self) -> bool:
        return any(self.as_dict().values())


@dataclass(frozen=True)
class Completed:
    inputs: PlanningInputs
    data: PlanningData
    used: DefaultsUsed


def complete_for_region(inputs: PlanningInputs, data: PlanningData) -> Completed:
    """``inputs`` and ``data`` with the defaults filled in for every regency lacking its rows."""
    rules = data.defaults
    if rules is None or not rules.enabled:
        return Completed(inputs, data, DefaultsUsed())
    inputs, placed = _with_landmasses(inputs, data.landmasses)
    tps = Counter(k.village[:5] for k in inputs.kits)
    by_regency: dict[str, list[VillageIn]] = defaultdict(list)
    for village in inputs.villages:
        by_regency[village.code[:5]].append(village)
    depots = _default_depots(inputs, data, rules, tps, by_regency)
    fleet = _default_fleet(inputs.regencies, data.fleet, rules, tps)
    rosters = _default_rosters(inputs.regencies, data.roster, rules, tps)
    data = replace(
        data,
        depots={**data.depots, **{d.regency: d for d in depots}},
        fleet=Fleet((*data.fleet.specs, *fleet)),
        roster={**data.roster, **{r.regency: r for r in rosters}},
    )
    links: tuple[str, ...] = ()
    if rules.water_links:
        waterways = default_crossings(inputs, data, by_regency)
        links = tuple(lk.id for lk in waterways.links[len(data.waterways.links) :])
        data = replace(data, waterways=waterways)
    used = DefaultsUsed(
        depots=tuple(d.regency for d in depots),
        fleet=tuple(s.regency for s in fleet),
        rosters=tuple(r.regency for r in rosters),
        landmasses=placed,
        water_links=links,
    )
    return Completed(inputs, data, used)


def _with_landmasses(
    inputs: PlanningInputs, table: dict[str, str]
) -> tuple[PlanningInputs, tuple[str, ...]]:
    """Desa the store places on no landmass, put on the one the table names for them or their
    kecamatan (they are then islands: a water zone of their kecamatan does not take them)."""
    if not table:
        return inputs, ()
    placed: list[str] = []
    villages = []
    for v in inputs.villages:
        landmass = table.get(v.code) or table.get(v.district)
        if v.landmass is None and landmass is not None:
            v = replace(v, landmass=landmass, on_island=True)
            placed.append(v.code)
        villages.append(v)
    if not placed:
        return inputs, ()
    return replace(inputs, villages=tuple(villages)), tuple(placed)


def _default_depots(
    inputs: PlanningInputs,
    data: PlanningData,
    rules: DefaultRules,
    tps: Counter[str],
    by_regency: dict[str, list[VillageIn]],
) -> list[DepotOverride]:
    located = {w.regency for w in inputs.warehouses if w.lat is not None and w.lon is not None}
    per_village = Counter(k.village for k in inputs.kits)
    out = []
    for regency in inputs.regencies:
        if regency.code in located or regency.code in data.depots:
            continue
        seat = _seat(by_regency.get(regency.code, []), per_village)
        if seat is None:
            continue
        out.append(
            DepotOverride(
                regency.code,
                f"{regency.code}-DEPOT",
                seat.code,
                rules.depot_note,
                f"Gudang KPU {regency.name} (default: {seat.name})",
            )
        )
    return out


def _seat(villages: Sequence[VillageIn], tps: Counter[str]) -> VillageIn | None:
    """The regency's kelurahan with the most TPS, else its desa with the most (as PPK seats)."""
    located = [v for v in villages if v.lat is not None and v.lon is not None]
    if not located:
        return None
    return min(located, key=lambda v: (v.kind != "kelurahan", -tps[v.code], v.code))


def _default_fleet(
    regencies: Sequence[RegencyIn], fleet: Fleet, rules: DefaultRules, tps: Counter[str]
) -> list[VehicleSpec]:
    covered = {s.regency for s in fleet.specs if s.base.split(":", 1)[0] == "warehouse"}
    spec = rules.fleet
    return [
        VehicleSpec(
            regency=r.code,
            base="warehouse",
            vehicle_type=spec.vehicle_type,
            mode=spec.mode,
            count=max(1, math.ceil(round(tps[r.code] / spec.tps_per_vehicle, 9))),
            tps_per_unit=0,
            hired=False,
            capacity_g=spec.capacity_g,
            capacity_cm3=spec.capacity_cm3,
            speed_kmh=None,
            cost_per_km=spec.cost_per_km,
            fixed_cost=spec.fixed_cost,
            shift_s=spec.shift_s,
            max_tour_days=spec.max_tour_days,
            max_trips=spec.max_trips,
        )
        for r in regencies
        if r.code not in covered
    ]


def _default_rosters(
    regencies: Sequence[RegencyIn],
    roster: dict[str, PolresRoster],
    rules: DefaultRules,
    tps: Counter[str],
) -> list[PolresRoster]:
    spec = rules.roster
    return [
        PolresRoster(
            r.code,
            spec.polres.format(regency=r.name),
            max(spec.escort_min, math.ceil(round(spec.escort_per_tps * tps[r.code], 9))),
            max(1, math.ceil(round(spec.guards_per_tps * tps[r.code], 9))),
        )
        for r in regencies
        if r.code not in roster
    ]
