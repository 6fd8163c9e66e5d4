"""Repairs the plan of one regency: decide each route's fate, follow every kit, plan again the
kits that lost their way, and name the kits that end up late or unserved.

Routes are decided until nothing moves: a route hit by a disruption is given up, cut short or
re-timed (`repair.Surgeon`); kits whose legs no longer follow on are taken off their later legs
(`repair_kits`); a route left carrying nothing, or now overlapping a changed route of the same
vehicle, is given up in turn. Routes that carry a kit on an echelon its custody record shows as
done are never touched: what custody recorded has happened. Pure.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.params import PlanParams
from salur.planning.plan import Issue, RoutePlan, SitePoint
from salur.planning.repair import Fate, Surgeon
from salur.planning.repair_kits import (
    Breaks,
    KitLeg,
    KitStart,
    carries_nothing,
    find_breaks,
    kit_legs,
    take_off,
)
from salur.planning.repair_run import RepairRun
from salur.planning.sites import Chain, RegencySites

LATE_REASON = "replan.late.disrupted"
MAX_PASSES = 4
"""One pass per echelon a kit may have to be planned again in, and one to settle."""


@dataclass
class RegencyRepair:
    """What the repair of one regency did, and its routes, issues and new sites."""

    regency: str
    routes: list[RoutePlan] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    sites: dict[str, SitePoint] = field(default_factory=dict)
    fates: dict[str, Fate] = field(default_factory=dict)
    thinned: set[str] = field(default_factory=set)
    starts: dict[str, KitStart] = field(default_factory=dict)
    new_routes: int = 0

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = defaultdict(int)
        for fate in self.fates.values():
            tally[fate.value] += 1
        return {
            "routes_kept": tally[Fate.KEEP.value] - len(self.thinned),
            "routes_thinned": len(self.thinned),
            "routes_dropped": tally[Fate.DROP.value],
            "routes_cut_short": tally[Fate.TRUNCATE.value],
            "routes_retimed": tally[Fate.RETIME.value],
            "routes_new": self.new_routes,
            "kits_replanned": len(self.starts),
        }


def repair_regency(
    regency: str,
    routes: Sequence[RoutePlan],
    issues: Sequence[Issue],
    sites: RegencySites,
    surgeon: Surgeon,
    data: PlanningData,
    params: PlanParams,
    radii: dict[str, float],
    custody_done: Mapping[str, int],
) -> RegencyRepair:
    """The repaired routes and issues of ``regency`` (``routes``/``issues``: its current ones).

    ``custody_done`` gives, per TPS, how many echelons its custody record shows as done or
    under way (0-3). Kits are planned again one echelon at a time while their later legs can
    still be kept: a pass plans the broken echelon; if the kit then arrives too late for its
    next leg, the next pass plans that echelon too.
    """
    out = RegencyRepair(regency)
    frozen = _frozen(routes, custody_done)
    live = {r.route_id: r for r in routes}
    for route in routes:
        hit = None if route.route_id in frozen else surgeon.hit(route)
        fate = hit.fate if hit else Fate.KEEP
        out.fates[route.route_id] = fate
        if hit and fate == Fate.TRUNCATE:
            live[route.route_id] = surgeon.truncate(route, hit)
        elif hit and fate == Fate.RETIME:
            live[route.route_id] = surgeon.retime(route, hit.index)
        elif fate == Fate.DROP:
            del live[route.route_id]
    before = kit_legs(routes)
    lost: set[str] = set()
    run_issues: list[Issue] = []
    new_sites: set[str] = set()
    for _ in range(MAX_PASSES):
        breaks = _settle(live, before, sites.chains, surgeon.at, frozen, lost, out)
        if not breaks.starts:
            break
        out.starts.update(breaks.starts)
        through = {t: s.echelon for t, s in breaks.starts.items() if t in breaks.onward}
        run = RepairRun(
            sites,
            data,
            params,
            params.time_limit_s,
            radii,
            breaks.starts,
            live.values(),
            surgeon.disruptions,
            through,
        )
        run.plan()
        for route in run.routes:
            live[route.route_id] = route
            new_sites.update(stop.site for stop in route.stops)
        out.new_routes += len(run.routes)
        run_issues += run.issues
        lost |= {i.tps for i in run.issues if i.kind == "unserved"}
    out.routes = sorted(live.values(), key=lambda r: (r.echelon.number, r.route_id))
    out.sites = {
        code: SitePoint(code, str(n.kind), n.name, n.lat, n.lon, n.zone)
        for code in new_sites
        if (n := sites.network.nodes.get(code)) is not None
    }
    out.issues = _issues(out, issues, run_issues, sites.chains, data)
    return out


def _settle(
    live: dict[str, RoutePlan],
    before: Mapping[str, list[KitLeg]],
    chains: Mapping[str, Chain],
    at: int,
    frozen: set[str],
    lost: set[str],
    out: RegencyRepair,
) -> Breaks:
    """Take kits off the legs they lost, give up routes left empty or now overlapping a changed
    route of their vehicle, until nothing moves; the kits to plan again."""
    while True:
        breaks = find_breaks(before, kit_legs(live.values()), chains, at, lost)
        moved = False
        by_route: dict[str, dict[int, set[str]]] = defaultdict(dict)
        for (route_id, trip), kits in breaks.removals.items():
            by_route[route_id][trip] = kits
        for route_id, trips in by_route.items():
            route = live[route_id]
            thinner = take_off(route, trips)
            if thinner == route:
                continue
            moved = True
            live[route_id] = thinner
            if route_id in out.fates:
                out.thinned.add(route_id)
            if carries_nothing(thinner) and route.stops[0].arrive >= at:
                del live[route_id]
                _give_up(route_id, out)
        moved |= _drop_overlaps(live, frozen, at, out)
        if not moved:
            return breaks


def _give_up(route_id: str, out: RegencyRepair) -> None:
    if route_id in out.fates:
        out.fates[route_id] = Fate.DROP
        out.thinned.discard(route_id)
    else:
        out.new_routes -= 1


def _frozen(routes: Sequence[RoutePlan], custody_done: Mapping[str, int]) -> set[str]:
    """Routes carrying a kit on an echelon its custody record shows as done or under way."""
    if not custody_done:
        return set()
    out = set()
    for route in routes:
        number = route.echelon.number
        if any(
            custody_done.get(t, 0) >= number for s in route.stops for t in (*s.loaded, *s.unloaded)
        ):
            out.add(route.route_id)
    return out


def _drop_overlaps(
    live: dict[str, RoutePlan], frozen: set[str], at: int, out: RegencyRepair
) -> bool:
    """Give up routes not yet started that overlap an earlier route of the same vehicle."""
    by_unit: dict[str, list[RoutePlan]] = defaultdict(list)
    for route in live.values():
        by_unit[route.unit].append(route)
    moved = False
    for booked in by_unit.values():
        booked.sort(key=lambda r: r.stops[0].arrive)
        for first, second in itertools.pairwise(booked):
            if second.stops[0].arrive >= first.end:
                continue
            if second.route_id in frozen or second.stops[0].arrive < at:
                continue
            if second.route_id in live:
                del live[second.route_id]
                _give_up(second.route_id, out)
                moved = True
    return moved


def _issues(
    out: RegencyRepair,
    issues: Sequence[Issue],
    run_issues: Sequence[Issue],
    chains: Mapping[str, Chain],
    data: PlanningData,
) -> list[Issue]:
    """Unserved kits (kept, or from the new run) and every late arrival, recomputed."""
    replanned = set(out.starts)
    unserved = [i for i in issues if i.kind == "unserved" and i.tps not in replanned]
    unserved += [i for i in run_issues if i.kind == "unserved"]
    failed = {i.tps: i.echelon for i in unserved}
    late_before = {(i.tps, i.echelon): i for i in issues if i.kind == "late"}
    late_run = {(i.tps, i.echelon): i for i in run_issues if i.kind == "late"}
    arrivals = _arrivals(kit_legs(out.routes), chains)
    sched = data.schedule
    late = []
    for (tps, echelon), arrive in sorted(arrivals.items()):
        if tps in failed:
            failed_at = failed[tps]
            if failed_at is None or echelon.number >= failed_at.number:
                continue
        deadline = sched.echelon(echelon).deadline
        if arrive <= deadline:
            continue
        key = (tps, echelon)
        known = late_run.get(key) if tps in replanned else late_before.get(key)
        if known is not None and known.late_by_s == arrive - deadline:
            late.append(known)
            continue
        site = chains[tps].ppk if echelon == EchelonId.WAREHOUSE_PPK else chains[tps].pps
        params = (
            ("site", tps if echelon == EchelonId.PPS_TPS else site),
            ("deadline", sched.local_label(deadline)),
            ("arrival", sched.local_label(arrive)),
        )
        late.append(Issue(tps, "late", echelon, LATE_REASON, params, arrive - deadline))
    return [*unserved, *late]


def _arrivals(
    legs: Mapping[str, list[KitLeg]], chains: Mapping[str, Chain]
) -> dict[tuple[str, EchelonId], int]:
    """When each kit reached the destination of each echelon it completed."""
    out: dict[tuple[str, EchelonId], int] = {}
    for tps, kit in legs.items():
        chain = chains.get(tps)
        if chain is None:
            continue
        ends = {
            EchelonId.WAREHOUSE_PPK: chain.ppk,
            EchelonId.PPK_PPS: chain.pps,
            EchelonId.PPS_TPS: tps,
        }
        for leg in kit:
            if leg.to == ends[leg.echelon]:
                out[tps, leg.echelon] = leg.unload_t
    return out
