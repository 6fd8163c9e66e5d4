"""Route surgery for a repair: which routes a disruption hits, and how a running one is cut short
or re-timed so that what has happened stays as it was.

A route that has not started when the repair is made and is hit is given up (its kits are
planned again). A running route hit by a closure or a breakdown is cut short: it keeps its stops
up to where the vehicle stands, then goes back to its base with the kits still on board (for a
breakdown, after the recovery time: the load is towed or carried back). A running route whose
only trouble is a cancelled ferry waits for the next departure that sails: its remaining stops
are re-timed with the same rules as the schedule (working hours, timetables, tide windows).
Pure: plans, data and disruptions in, routes out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from salur.errors import SalurError
from salur.planning.config import PlanningData
from salur.planning.disruptions import DEFAULT_RECOVERY_HOURS, Disruptions
from salur.planning.echelons import EchelonId
from salur.planning.modes import TravelClass
from salur.planning.network import Network
from salur.planning.paths import ClassPaths, Segment
from salur.planning.plan import RoutePlan, StopPlan
from salur.planning.timetable import DAY, Windows


class Fate(StrEnum):
    """What the repair does with a route."""

    KEEP = "keep"
    DROP = "drop"
    TRUNCATE = "truncate"
    RETIME = "retime"


@dataclass(frozen=True, slots=True)
class Hit:
    """How a disruption hits a route: ``fate``, from which stop, and from when."""

    fate: Fate
    index: int = 0
    """TRUNCATE: the last stop kept; RETIME: the first stop whose departure moves."""
    resume: int = 0
    """TRUNCATE: when the vehicle (or its load) can leave ``index`` for its base."""
    cause: str = ""


class Departures(Protocol):
    def next_departure(self, t: int) -> int | None: ...


@dataclass(frozen=True)
class Surgeon:
    """Cuts and re-times routes of one regency's network under the disruptions."""

    data: PlanningData
    network: Network
    disruptions: Disruptions
    timetables: Mapping[str, Departures]
    kind_of: Callable[[str], str]

    @property
    def at(self) -> int:
        return self.disruptions.at

    def is_land(self, route: RoutePlan) -> bool:
        return self.data.modes.modes[route.mode].travel_class == TravelClass.LAND

    def hit(self, route: RoutePlan) -> Hit | None:
        """How the disruptions hit ``route`` (None: not at all)."""
        return hit_of(route, self.data, self.disruptions)

    def service(self, stop: StopPlan, base: str) -> int:
        return service_time(stop, base, self.data)

    def truncate(self, route: RoutePlan, hit: Hit) -> RoutePlan:
        """``route`` up to stop ``hit.index``, then back to its base with the kits on board.

        After a closure (not a breakdown) the vehicle first finishes the stops of its trip it
        can still reach, in their planned order; kits for the others come back to the base.
        """
        stops = list(route.stops[: hit.index + 1])
        last = stops[-1]
        if last.site == route.base and hit.index > 0:
            stops[-1] = replace(last, depart=last.arrive, loaded=())
            return self._escorted(replace(route, stops=tuple(stops)))
        aboard = list(_aboard(route, hit.index))
        visits: list[StopPlan] = []
        if hit.cause != "vehicle_down":
            later = route.stops[hit.index + 1 :]
            visits = [
                s for s in later if s.trip == last.trip and s.unloaded and s.site != route.base
            ]
        paths = self._paths(route, [last.site, *(v.site for v in visits), route.base])
        t, here = hit.resume, last.site
        for visit in visits:
            if not (paths.reachable(here, visit.site) and paths.reachable(visit.site, route.base)):
                continue
            t = self._drive(route, stops, paths.segments(here, visit.site), t, last.trip)
            kits = tuple(k for k in visit.unloaded if k in aboard)
            stops[-1] = replace(stops[-1], unloaded=kits)
            t += self.service(stops[-1], route.base)
            aboard = [k for k in aboard if k not in kits]
            here = visit.site
        if not paths.reachable(here, route.base):
            raise SalurError("replan.stranded", route=route.route_id, site=here, base=route.base)
        if here == route.base:
            self._stay(route, stops, t, last.trip)
        else:
            self._drive(route, stops, paths.segments(here, route.base), t, last.trip)
        final = replace(stops[-1], unloaded=tuple(aboard))
        stops[-1] = replace(final, depart=final.arrive + self.service(final, route.base))
        return self._escorted(replace(route, stops=tuple(stops)))

    def _drive(
        self, route: RoutePlan, stops: list[StopPlan], segments: list[Segment], t: int, trip: int
    ) -> int:
        """Append the stops of ``segments`` leaving at ``t`` or after; the arrival time."""
        for seg in segments:
            leave = self._departure(route, seg.kind, seg.link, seg.tide, t)
            stops[-1] = replace(stops[-1], depart=max(leave, stops[-1].arrive))
            t = leave + round(seg.duration_s)
            stops.append(
                StopPlan(
                    len(stops),
                    trip,
                    seg.to,
                    self.kind_of(seg.to),
                    t,
                    t,
                    seg.mode,
                    seg.kind,
                    seg.link or "",
                    round(seg.distance_m),
                    seg.tide or "",
                )
            )
        return t

    def _stay(self, route: RoutePlan, stops: list[StopPlan], t: int, trip: int) -> None:
        """Close a route that is back at (or never left) its base: a stop there at ``t``."""
        land = self.is_land(route)
        tide = None if land else self.network.tide_of_edge(route.base, route.base)
        leave = self._departure(route, "road" if land else "boat", None, tide, t)
        stops.append(
            StopPlan(
                len(stops),
                trip,
                route.base,
                self.kind_of(route.base),
                leave,
                leave,
                route.mode,
                "road" if land else "boat",
                "",
                0,
                tide or "",
            )
        )

    def retime(self, route: RoutePlan, first: int) -> RoutePlan:
        """``route`` with stops from ``first`` on moved to the next possible departures."""
        stops = list(route.stops[:first])
        base = route.stops[0].site
        t = stops[-1].arrive + self.service(stops[-1], base)
        for i in range(first, len(route.stops)):
            old_prev, stop = route.stops[i - 1], route.stops[i]
            travel = stop.arrive - old_prev.depart
            leave = self._departure(route, stop.leg_kind, stop.leg_link, stop.leg_tide, t)
            stops[-1] = replace(stops[-1], depart=max(leave, stops[-1].arrive))
            arrive = leave + travel
            stops.append(replace(stop, arrive=arrive, depart=arrive))
            t = arrive + self.service(stop, base)
        stops[-1] = replace(stops[-1], depart=t)
        return self._escorted(replace(route, stops=tuple(stops)))

    def _paths(self, route: RoutePlan, codes: list[str]) -> _Paths:
        mode = self.data.modes.modes[route.mode]
        cls = TravelClass.LAND if self.is_land(route) else TravelClass.WATER
        unique = list(dict.fromkeys(codes))
        return _Paths(ClassPaths(self.network, cls, mode, unique), unique)

    def _departure(
        self, route: RoutePlan, kind: str, link: str | None, tide: str | None, t: int
    ) -> int:
        if self.is_land(route):
            t = self._working(route, t)
        leave: int | None = t
        if kind == "roro" and link and link in self.timetables:
            leave = self.timetables[link].next_departure(t)
        elif tide:
            windows: Windows = self.data.waterways.tides[tide]
            leave = windows.next_start(t)
        if leave is None:
            raise SalurError("replan.no_departure", route=route.route_id, link=link or tide or "")
        return leave

    def _working(self, route: RoutePlan, t: int) -> int:
        shift = max(
            (s.shift_s for s in self.data.fleet.specs if s.vehicle_type == route.vehicle_type),
            default=DAY,
        )
        opens = (t // DAY) * DAY + self.data.schedule.day_start
        if t < opens:
            return opens
        if t >= opens + shift:
            return opens + DAY
        return t

    def _escorted(self, route: RoutePlan) -> RoutePlan:
        """The route with at least the escort the rules ask for its new shape."""
        rules, levels = self.data.escorts, self.data.vulnerability
        kits = [t for s in route.stops for t in s.unloaded]
        kit_levels = [levels.level(t, _village(t)) for t in kits]
        if route.echelon == EchelonId.PPS_TPS:
            need = rules.guards(kit_levels)
        else:
            kinds = {s.leg_kind for s in route.stops[1:]}
            need = rules.for_tour(kinds, route.end - route.stops[0].arrive, kit_levels)
        return replace(route, escort=max(route.escort, need))


@dataclass(frozen=True)
class _Paths:
    paths: ClassPaths
    codes: list[str]

    def reachable(self, frm: str, to: str) -> bool:
        i, j = self.codes.index(frm), self.codes.index(to)
        return bool(self.paths.time[i, j] < float("inf"))

    def segments(self, frm: str, to: str) -> list[Segment]:
        return self.paths.segments(frm, to)


def hit_of(route: RoutePlan, data: PlanningData, disruptions: Disruptions) -> Hit | None:
    """How ``disruptions`` hit ``route`` (None: not at all)."""
    at = disruptions.at
    start, end = route.stops[0].arrive, route.end
    land = data.modes.modes[route.mode].travel_class == TravelClass.LAND
    down = disruptions.down(route.unit, start, end)
    if down is not None and end > down.window.start:
        moment = max(down.window.start, start)
        if moment < route.depart:
            return Hit(Fate.DROP, cause="vehicle_down")
        recovery = down.recovery_s
        if recovery is None:
            cls = TravelClass.LAND if land else TravelClass.WATER
            recovery = round(DEFAULT_RECOVERY_HOURS[cls] * 3600)
        return Hit(Fate.TRUNCATE, _standing_at(route, moment), moment + recovery, "vehicle_down")
    for j in range(1, len(route.stops)):
        prev, stop = route.stops[j - 1], route.stops[j]
        if stop.arrive <= at:
            continue
        why = disruptions.blocked(prev, stop, land)
        if why is None:
            continue
        if start >= at or (prev.depart >= at and j == 1):
            return Hit(Fate.DROP, cause=why)
        if why == "cancelled":
            return Hit(Fate.RETIME, j, cause=why)
        if prev.depart >= at:
            ready = prev.arrive + service_time(prev, route.stops[0].site, data)
            return Hit(Fate.TRUNCATE, j - 1, max(at, ready), why)
        return Hit(Fate.TRUNCATE, j - 1, 2 * at - prev.depart, why)
    return None


def service_time(stop: StopPlan, base: str, data: PlanningData) -> int:
    """Handling time at a stop: loading at the base, else the BAST of each kit unloaded."""
    sched = data.schedule
    if stop.loaded and stop.site == base:
        return sched.load_s_per_trip
    if stop.unloaded:
        return round(sched.unload_s_per_stop + sched.unload_s_per_kit * len(stop.unloaded))
    return 0


def _standing_at(route: RoutePlan, moment: int) -> int:
    """The last stop the vehicle had reached at ``moment``."""
    index = 0
    for i, stop in enumerate(route.stops):
        if stop.arrive <= moment:
            index = i
    return index


def _aboard(route: RoutePlan, index: int) -> tuple[str, ...]:
    """Kits on board after stop ``index``: loaded for its trip and not yet unloaded."""
    trip = route.stops[index].trip
    upto = route.stops[: index + 1]
    loaded = next((s.loaded for s in upto if s.trip == trip and s.loaded), ())
    done = {t for s in upto if s.trip == trip for t in s.unloaded}
    return tuple(t for t in loaded if t not in done)


def _village(tps: str) -> str:
    """The dotted desa code of a 13-digit TPS code (1405101001001 -> 14.05.10.1001)."""
    return f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"
