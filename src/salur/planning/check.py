"""An independent check of any plan: every kit once through its chain, loads, times, escorts.

It reads only the plan's records, the reference chain of each TPS (desa, kecamatan, regency)
and the planning data; it shares no code with the planner beyond the data loaders, so a planner
bug shows up here as a violation rather than being repeated. Every planner test runs it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.inputs import PlanningInputs
from salur.planning.modes import TravelClass, great_circle_m
from salur.planning.plan import Plan, RoutePlan, SitePoint, StopPlan
from salur.planning.timetable import DAY

TOLERANCE_S = 60
"""Rounding slack on times (the planner rounds each stretch to whole seconds)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable ``code`` and the facts (route, TPS, site, times)."""

    code: str
    detail: str


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    kits_checked: int = 0
    routes_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    def add(self, code: str, detail: str) -> None:
        self.violations.append(Violation(code, detail))


@dataclass(frozen=True)
class Reference:
    """What the checker trusts besides the plan: each TPS's chain and kit, and the data."""

    chain: dict[str, tuple[str, str, str]]
    kits: dict[str, tuple[int, int]]
    warehouses: dict[str, set[str]]
    data: PlanningData

    @classmethod
    def of(cls, inputs: PlanningInputs, data: PlanningData) -> Reference:
        districts = {d.code: d.regency for d in inputs.districts}
        villages = {v.code: v.district for v in inputs.villages}
        chain = {}
        for kit in inputs.kits:
            district = villages.get(kit.village, "")
            chain[kit.tps] = (kit.village, district, districts.get(district, ""))
        warehouses: dict[str, set[str]] = defaultdict(set)
        for w in inputs.warehouses:
            warehouses[w.regency].add(w.site_id)
        for regency, override in data.depots.items():
            warehouses[regency].add(override.site_id)
        kits = {k.tps: (k.weight_g, k.volume_cm3) for k in inputs.kits}
        return cls(chain, kits, dict(warehouses), data)


def check_plan(plan: Plan, ref: Reference) -> CheckReport:
    """All violations of ``plan`` against ``ref``; an empty list means the plan holds."""
    report = CheckReport(routes_checked=len(plan.routes))
    sites = {s.code: s for s in plan.sites}
    for route in plan.routes:
        _check_route(route, ref, sites, report)
    _check_units(plan.routes, report)
    _check_rosters(plan.routes, ref, report)
    _check_kits(plan, ref, report)
    return report


def _check_route(
    route: RoutePlan, ref: Reference, sites: dict[str, SitePoint], report: CheckReport
) -> None:
    rid, stops, sched = route.route_id, route.stops, ref.data.schedule
    if stops[0].site != route.base or stops[-1].site != route.base:
        report.add("route_not_closed", f"{rid} does not start and end at its base {route.base}")
    if stops[0].arrive < sched.start_of(route.echelon) - TOLERANCE_S:
        report.add("before_window", f"{rid} leaves before the {route.echelon} window opens")
    carried: set[str] = set()
    load = [0, 0]
    for prev, stop in zip((None, *stops), stops, strict=False):
        if stop.arrive > stop.depart:
            report.add("time_reversed", f"{rid} stop {stop.seq} departs before it arrives")
        if prev is not None:
            _check_leg(route, prev, stop, ref, sites, report)
        if stop.loaded:
            if stop.site != route.base:
                report.add("load_away", f"{rid} loads at {stop.site}, not at its base")
            if carried:
                report.add("load_left", f"{rid} reloads with kits still on board")
            carried = set(stop.loaded)
            load = [sum(ref.kits.get(t, (0, 0))[i] for t in carried) for i in (0, 1)]
            if load[0] > route.capacity_g or load[1] > route.capacity_cm3:
                report.add(
                    "over_capacity",
                    f"{rid} trip {stop.trip}: {load} > "
                    f"({route.capacity_g} g, {route.capacity_cm3} cm3)",
                )
        for tps in stop.unloaded:
            if tps not in carried:
                report.add("unload_not_carried", f"{rid} unloads {tps} it did not load")
            carried.discard(tps)
    if carried:
        report.add("kits_brought_back", f"{rid} returns with {sorted(carried)[:3]}")
    _check_capacity_matches_fleet(route, ref, report)


def _check_leg(
    route: RoutePlan,
    prev: StopPlan,
    stop: StopPlan,
    ref: Reference,
    sites: dict[str, SitePoint],
    report: CheckReport,
) -> None:
    rid, data = route.route_id, ref.data
    travel = stop.arrive - prev.depart
    mode = data.modes.modes.get(stop.leg_mode)
    if mode is None:
        report.add("unknown_mode", f"{rid} stop {stop.seq} by unknown mode {stop.leg_mode!r}")
        return
    a, b = sites.get(prev.site), sites.get(stop.site)
    if a and b:
        crow = float(great_circle_m(a.lat, a.lon, b.lat, b.lon))
        if stop.leg_distance_m < crow * 0.999 - 1:
            report.add(
                "leg_too_short",
                f"{rid} {prev.site}->{stop.site}: "
                f"{stop.leg_distance_m} m < {crow:.0f} m as the crow flies",
            )
    if stop.leg_kind == "roro":
        link = next((lk for lk in data.waterways.links if lk.id == stop.leg_link), None)
        if link is None or link.timetable is None or not link.timetable.is_departure(prev.depart):
            report.add(
                "ferry_not_scheduled",
                f"{rid} leaves {prev.site} at {sched_label(ref, prev.depart)} on "
                f"{stop.leg_link or '?'} with no such departure",
            )
        if link and link.crossing_s and travel < link.crossing_s - TOLERANCE_S:
            report.add("leg_too_fast", f"{rid} crosses {link.id} faster than its crossing time")
        return
    fastest = mode.duration_s(stop.leg_distance_m)
    if travel < fastest - TOLERANCE_S:
        report.add(
            "leg_too_fast",
            f"{rid} {prev.site}->{stop.site} in {travel} s, "
            f"{stop.leg_distance_m} m need {fastest:.0f} s by {mode.id}",
        )
    tide = stop.leg_tide or _tide_due(prev.site, stop.site, stop.leg_link, ref, sites)
    if tide and stop.leg_kind == "boat":
        windows = data.waterways.tides.get(tide)
        if windows is None or not windows.contains(prev.depart):
            report.add(
                "tide_missed",
                f"{rid} leaves {prev.site} at {sched_label(ref, prev.depart)} outside tide {tide}",
            )
    if mode.travel_class == TravelClass.LAND and stop.leg_distance_m > 0:
        opens = (prev.depart // DAY) * DAY + data.schedule.day_start
        shift = _shift_of(route, ref)
        if not opens <= prev.depart <= opens + shift:
            report.add(
                "night_driving",
                f"{rid} drives off {prev.site} at "
                f"{sched_label(ref, prev.depart)}, outside working hours",
            )


def _tide_due(
    frm: str, to: str, link_id: str, ref: Reference, sites: dict[str, SitePoint]
) -> str | None:
    """The tide a boat leg must respect, from the data: a tidal link, or a port to a tidal zone."""
    waterways = ref.data.waterways
    link = next((lk for lk in waterways.links if lk.id == link_id), None) if link_id else None
    if link is not None:
        return link.tide
    ports = {p.id for p in waterways.ports}
    tidal = {z.id: z.tide for z in waterways.zones if z.tide}
    for port, other in ((frm, to), (to, frm)):
        zone = sites[other].zone if other in sites else ""
        if port in ports and zone in tidal:
            return tidal[zone]
    return None


def _shift_of(route: RoutePlan, ref: Reference) -> int:
    shifts = [s.shift_s for s in ref.data.fleet.specs if s.vehicle_type == route.vehicle_type]
    return max(shifts, default=DAY)


def _check_capacity_matches_fleet(route: RoutePlan, ref: Reference, report: CheckReport) -> None:
    specs = [s for s in ref.data.fleet.specs if s.vehicle_type == route.vehicle_type]
    if not any(
        (s.capacity_g, s.capacity_cm3, s.mode) == (route.capacity_g, route.capacity_cm3, route.mode)
        for s in specs
    ):
        report.add(
            "unknown_vehicle",
            f"{route.route_id}: {route.vehicle_type} with this capacity is not in the fleet",
        )


def _check_units(routes: Iterable[RoutePlan], report: CheckReport) -> None:
    by_unit: dict[str, list[RoutePlan]] = defaultdict(list)
    for route in routes:
        by_unit[route.unit].append(route)
    for unit, booked in by_unit.items():
        booked.sort(key=lambda r: r.stops[0].arrive)
        for first, second in itertools.pairwise(booked):
            if second.stops[0].arrive < first.stops[-1].arrive:
                report.add(
                    "vehicle_double_booked",
                    f"{unit}: {first.route_id} and {second.route_id} overlap",
                )


def _check_rosters(routes: Iterable[RoutePlan], ref: Reference, report: CheckReport) -> None:
    used: dict[tuple[str, str, int], int] = defaultdict(int)
    rules, levels = ref.data.escorts, ref.data.vulnerability
    for route in routes:
        kits = [t for s in route.stops for t in s.unloaded]
        kit_levels = [levels.level(t, ref.chain.get(t, ("", "", ""))[0]) for t in kits]
        if route.echelon == EchelonId.PPS_TPS:
            pool, need = "guards", rules.guards(kit_levels)
        else:
            kinds = {s.leg_kind for s in route.stops[1:]}
            duration = route.stops[-1].arrive - route.stops[0].arrive
            pool, need = "escort", rules.for_tour(kinds, duration, kit_levels)
        if route.escort < need:
            report.add(
                "escort_too_small",
                f"{route.route_id}: {route.escort} officers, the rules ask {need}",
            )
        for day in range(route.stops[0].arrive // DAY, route.stops[-1].arrive // DAY + 1):
            used[route.regency, pool, day] += route.escort
    for (regency, pool, day), officers in sorted(used.items()):
        roster = ref.data.roster.get(regency)
        limit = (
            0
            if roster is None
            else (roster.tps_guards if pool == "guards" else roster.escort_per_day)
        )
        if officers > limit:
            report.add(
                "roster_exceeded",
                f"{regency} H{day:+d}: {officers} {pool} officers > {limit} available",
            )


def _check_kits(plan: Plan, ref: Reference, report: CheckReport) -> None:
    events: dict[tuple[str, EchelonId], list[tuple[int, str, str, str, int]]] = defaultdict(list)
    for route in plan.routes:
        for stop in route.stops:
            for tps in stop.loaded:
                events[tps, route.echelon].append(
                    (stop.depart, "load", stop.site, route.route_id, stop.trip)
                )
            for tps in stop.unloaded:
                events[tps, route.echelon].append(
                    (stop.arrive, "unload", stop.site, route.route_id, stop.trip)
                )
    issues = {(i.tps, i.kind, i.echelon): i for i in plan.issues}
    unserved = {i.tps: i.echelon for i in plan.unserved}
    sched = ref.data.schedule
    for tps in plan.tps:
        report.kits_checked += 1
        if tps not in ref.chain:
            report.add("unknown_tps", f"{tps} is not a TPS of the region")
            continue
        village, district, regency = ref.chain[tps]
        ends = {
            EchelonId.WAREHOUSE_PPK: (ref.warehouses.get(regency, set()), district),
            EchelonId.PPK_PPS: ({district}, village),
            EchelonId.PPS_TPS: ({village}, tps),
        }
        previous = None
        for echelon in EchelonId:
            failed_at = unserved.get(tps)
            if tps in unserved and (failed_at is None or failed_at.number <= echelon.number):
                if any(
                    e[1] == "unload" and e[2] == ends[echelon][1]
                    for e in events.get((tps, echelon), [])
                ):
                    report.add(
                        "unserved_but_delivered",
                        f"{tps} is listed unserved but reaches {ends[echelon][1]}",
                    )
                break
            arrival = _follow(
                tps, echelon, events.get((tps, echelon), []), ends[echelon], previous, report
            )
            if arrival is None:
                break
            deadline = sched.echelon(echelon).deadline
            late = issues.get((tps, "late", echelon))
            if arrival > deadline and late is None:
                report.add(
                    "deadline_missed",
                    f"{tps} reaches {ends[echelon][1]} at "
                    f"{sched_label(ref, arrival)} after "
                    f"{sched_label(ref, deadline)}, not listed late",
                )
            if arrival <= deadline and late is not None:
                report.add("false_late", f"{tps} is listed late for {echelon} but is on time")
            previous = arrival


def _follow(
    tps: str,
    echelon: EchelonId,
    events: list[tuple[int, str, str, str, int]],
    ends: tuple[set[str], str],
    previous: int | None,
    report: CheckReport,
) -> int | None:
    """Walk the kit's legs (one load and one unload per route trip) from origin to destination;
    return its arrival at the destination."""
    origins, destination = ends
    legs: dict[tuple[str, int], dict[str, tuple[int, str]]] = defaultdict(dict)
    for time, what, site, route, trip in events:
        if what in legs[route, trip]:
            report.add("chain_broken", f"{tps} {what}ed twice on {route} trip {trip}")
            return None
        legs[route, trip][what] = (time, site)
    if not legs:
        report.add("kit_not_moved", f"{tps} has no {echelon} movement and no issue")
        return None
    for (route, trip), leg in legs.items():
        if "unload" not in leg:
            report.add(
                "kit_not_delivered", f"{tps} is loaded on {route} trip {trip} and never handed over"
            )
            return None
        if "load" not in leg:
            report.add("chain_broken", f"{tps} is handed over from {route} without being loaded")
            return None
    here, ready, unused = origins, previous, dict(legs)
    while unused:
        options = sorted(
            (leg["load"][0], key) for key, leg in unused.items() if leg["load"][1] in here
        )
        if not options:
            report.add("chain_broken", f"{tps} ({echelon}) leaves from a place it never reached")
            return None
        load_time, key = options[0]
        if ready is not None and load_time < ready:
            report.add(
                "chain_too_early",
                f"{tps} leaves {sorted(here)[0]} on {key[0]} before it arrived there",
            )
        arrive, site = unused.pop(key)["unload"]
        here, ready = {site}, arrive
        if site == destination:
            if unused:
                report.add("delivered_twice", f"{tps} moves again after reaching {destination}")
            return arrive
    report.add("kit_not_delivered", f"{tps} never reaches {destination} ({echelon})")
    return None


def sched_label(ref: Reference, t: int) -> str:
    return ref.data.schedule.local_label(t)
