"""A distribution plan as plain records: routes, their stops and kits, and the TPS it cannot serve.

Times are integer seconds since 00:00 local time of voting day (see `echelons.Schedule` for the
conversion to UTC datetimes); distances are metres. Pure data: the planner builds it, the
checker verifies it, the repository stores it, the writers render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from salur.planning.echelons import EchelonId

if TYPE_CHECKING:
    from salur.planning.baseline import Baseline

WATER_KINDS = frozenset({"boat", "roro"})


@dataclass(frozen=True, slots=True)
class SitePoint:
    """A place a plan uses, with the point and zone it was planned with (kept for maps and
    for the checker)."""

    code: str
    kind: str
    name: str
    lat: float
    lon: float
    zone: str


@dataclass(frozen=True, slots=True)
class StopPlan:
    """A stop of a route. The leg fields describe the stretch travelled to reach it."""

    seq: int
    trip: int
    site: str
    site_kind: str
    arrive: int
    depart: int
    leg_mode: str = ""
    leg_kind: str = ""
    leg_link: str = ""
    leg_distance_m: int = 0
    leg_tide: str = ""
    loaded: tuple[str, ...] = ()
    unloaded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """One vehicle's tour (or PPS round) with its escort, load limits and stops."""

    route_id: str
    regency: str
    echelon: EchelonId
    mode: str
    vehicle_type: str
    unit: str
    hired: bool
    base: str
    escort: int
    capacity_g: int
    capacity_cm3: int
    stops: tuple[StopPlan, ...]

    @property
    def depart(self) -> int:
        return self.stops[0].depart

    @property
    def end(self) -> int:
        return self.stops[-1].arrive

    @property
    def distance_m(self) -> int:
        return sum(s.leg_distance_m for s in self.stops)

    @property
    def kits(self) -> int:
        return sum(len(s.unloaded) for s in self.stops)

    @property
    def trips(self) -> int:
        return max(s.trip for s in self.stops)

    @property
    def water_legs(self) -> int:
        return sum(1 for s in self.stops if s.leg_kind in WATER_KINDS)


@dataclass(frozen=True, slots=True)
class Issue:
    """A TPS whose kit cannot be delivered (``unserved``) or arrives after a deadline (``late``)."""

    tps: str
    kind: str
    echelon: EchelonId | None
    reason: str
    params: tuple[tuple[str, str], ...] = ()
    late_by_s: int = 0


@dataclass(frozen=True)
class Plan:
    """Routes of all echelons of a region and the issues, in a stable order."""

    region: str
    region_name: str
    routes: tuple[RoutePlan, ...]
    issues: tuple[Issue, ...]
    tps: tuple[str, ...]
    seed: int
    data_sha256: str
    sites: tuple[SitePoint, ...] = ()
    norm_id: str = ""
    baseline: Baseline | None = field(default=None, compare=False)
    """The direct-dispatch baseline, when asked for (not part of the plan's content)."""

    def routes_of(self, echelon: EchelonId) -> list[RoutePlan]:
        return [r for r in self.routes if r.echelon == echelon]

    @property
    def unserved(self) -> list[Issue]:
        return [i for i in self.issues if i.kind == "unserved"]

    @property
    def late(self) -> list[Issue]:
        return [i for i in self.issues if i.kind == "late"]

    def content(self) -> tuple[object, ...]:
        """Everything that defines the plan, for equality across runs (no ids, no clock)."""
        return (self.region, self.routes, self.issues, self.tps, self.sites, self.data_sha256)
