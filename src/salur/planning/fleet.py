"""The fleet: which vehicles and boats each regency, PPK, port and PPS can use (data file).

``shift_hours`` is the working time of a day; a tour may last ``max_tour_days`` days (a truck
to Rupat stays overnight). Road vehicles move only in working hours; boats sail at any hour.

`data/fleet.csv` has one row per vehicle type and base; ``regency_code`` ``*`` rows apply to
every regency unless the regency has its own row of the same type and base. Owned (contracted)
vehicles come first; hired ones are the costlier fallback the routing uses only when needed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from salur.csvrows import read_rows
from salur.planning.modes import ModeTable, TravelClass

BASE_KINDS = ("warehouse", "ppk", "port", "pps")


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    """One vehicle type at one kind of base; ``count`` units per base (per PPK, per port ...)."""

    regency: str
    base: str
    vehicle_type: str
    mode: str
    count: int
    tps_per_unit: int
    hired: bool
    capacity_g: int
    capacity_cm3: int
    speed_kmh: float | None
    cost_per_km: int
    fixed_cost: int
    shift_s: int
    max_tour_days: int
    max_trips: int

    @property
    def days_per_tour(self) -> int:
        """Calendar days the longest tour may span (a truck to Rupat stays overnight)."""
        return self.max_tour_days

    @property
    def work_s(self) -> int:
        """Working time of the longest tour: ``shift_s`` on each of its days."""
        return self.shift_s * self.max_tour_days

    def fits(self, weight_g: int, volume_cm3: int) -> bool:
        return weight_g <= self.capacity_g and volume_cm3 <= self.capacity_cm3


@dataclass(frozen=True, slots=True)
class Fleet:
    specs: tuple[VehicleSpec, ...]

    def at(
        self,
        regency: str,
        base_kind: str,
        node: str,
        modes: ModeTable,
        cls: TravelClass,
        kits: int = 0,
    ) -> tuple[VehicleSpec, ...]:
        """Vehicle types of class ``cls`` at one base handling ``kits`` kits, owned ones first.

        A type with ``tps_per_unit`` has at least one unit per that many kits at the base.
        """
        bases = {base_kind, f"{base_kind}:{node}"}
        own = [s for s in self.specs if s.regency == regency and s.base in bases]
        taken = {(s.vehicle_type, s.base) for s in own}
        generic = [
            s
            for s in self.specs
            if s.regency == "*" and s.base in bases and (s.vehicle_type, s.base) not in taken
        ]
        chosen = [
            _scaled(s, kits)
            for s in (*own, *generic)
            if modes[s.mode].travel_class == cls and (s.count or s.tps_per_unit)
        ]
        return tuple(sorted(chosen, key=lambda s: (s.hired, s.base, s.vehicle_type)))


def _scaled(spec: VehicleSpec, kits: int) -> VehicleSpec:
    if not spec.tps_per_unit:
        return spec
    return replace(spec, count=max(spec.count, 1, -(-kits // spec.tps_per_unit)))


def load_fleet(path: Path, modes: ModeTable) -> Fleet:
    """Read fleet.csv; errors name the row and column."""
    columns = [
        "regency_code",
        "base",
        "vehicle_type",
        "mode",
        "count",
        "hired",
        "capacity_kg",
        "capacity_m3",
        "cost_per_km",
        "fixed_cost",
        "shift_hours",
        "max_trips",
    ]
    specs = []
    for row in read_rows(path, columns):
        base = row.text("base")
        if base.split(":", 1)[0] not in BASE_KINDS:
            raise row.fail("base", "input.unknown_value", allowed=", ".join(BASE_KINDS))
        mode = row.text("mode")
        if mode not in modes.modes or modes[mode].travel_class == TravelClass.FERRY:
            allowed = [m for m, v in modes.modes.items() if v.travel_class != TravelClass.FERRY]
            raise row.fail("mode", "input.unknown_value", allowed=", ".join(allowed))
        numbers = {}
        for column in ("capacity_kg", "capacity_m3", "shift_hours"):
            value = row.opt_float(column)
            if value is None or value <= 0:
                raise row.fail(column, "plan.must_be_positive")
            numbers[column] = value
        trips, days = row.count("max_trips"), row.count("max_tour_days")
        for column, value in (("max_trips", trips), ("max_tour_days", days)):
            if value < 1:
                raise row.fail(column, "plan.must_be_positive")
        specs.append(
            VehicleSpec(
                regency=row.text("regency_code"),
                base=base,
                vehicle_type=row.text("vehicle_type"),
                mode=mode,
                count=row.count("count"),
                tps_per_unit=row.opt_count("tps_per_unit") or 0,
                hired=bool(row.opt_flag("hired")),
                capacity_g=round(numbers["capacity_kg"] * 1000),
                capacity_cm3=round(numbers["capacity_m3"] * 1_000_000),
                speed_kmh=row.opt_float("speed_kmh"),
                cost_per_km=row.count("cost_per_km"),
                fixed_cost=row.count("fixed_cost"),
                shift_s=round(numbers["shift_hours"] * 3600),
                max_tour_days=days,
                max_trips=trips,
            )
        )
    return Fleet(tuple(specs))
