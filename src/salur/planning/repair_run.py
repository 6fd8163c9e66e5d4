"""Plans again the kits a repair gave up, from where each one stands, around the routes kept.

The same planner as a fresh plan (`regency_plan.RegencyRun`: leg problems routed by PyVRP and
placed on the calendar), with three differences: a kit enters the chain at the echelon and
site where it stands, never before it is ready there (nor before the repair is made); the
vehicles and officers of the routes kept are already booked; and ferries skip the cancelled
departures. New route ids continue the numbering of the plan being repaired.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from salur.planning.config import PlanningData
from salur.planning.disruptions import CancelledTimetable, Disruptions, Window
from salur.planning.echelons import EchelonId
from salur.planning.params import PlanParams
from salur.planning.plan import Issue, RoutePlan
from salur.planning.regency_plan import RegencyRun
from salur.planning.repair_kits import KitStart
from salur.planning.sites import Chain, RegencySites
from salur.planning.timetable import DAY

_ROUTE_ID = re.compile(r"^(E\d-[^-]+)-(\d+)$")


class RepairRun(RegencyRun):
    """Plans ``starts`` (kits given up) on ``sites``; read ``routes`` and ``issues`` after.

    A kit listed in ``through`` is planned only up to the end of that echelon (its later legs
    are kept).
    """

    def __init__(
        self,
        sites: RegencySites,
        data: PlanningData,
        params: PlanParams,
        time_budget_s: float | None,
        radii: dict[str, float],
        starts: Mapping[str, KitStart],
        booked: Iterable[RoutePlan],
        disruptions: Disruptions,
        through: Mapping[str, EchelonId] | None = None,
    ) -> None:
        super().__init__(sites, data, params, time_budget_s, radii)
        self.starts = {t: s for t, s in starts.items() if t in sites.chains}
        self.through = dict(through or {})
        self.alive = set(self.starts)
        self.floor = disruptions.at
        booked = list(booked)
        self._book(booked)
        self._number_after(booked)
        self._block_units(disruptions)
        self._cancel_ferries(disruptions.cancelled_windows())

    def plan(self) -> None:
        for tps, reason in sorted(self.sites.unserved.items()):
            if tps in self.starts:
                self.issues.append(Issue(tps, "unserved", None, reason.key, reason.params))
        carried: set[str] = set()
        delivered: dict[str, int] = {}
        for echelon, hop in (
            (EchelonId.WAREHOUSE_PPK, lambda c: (c.warehouse, c.ppk)),
            (EchelonId.PPK_PPS, lambda c: (c.ppk, c.pps)),
        ):
            self._join(echelon, carried, delivered)
            delivered = self._routed(echelon, self._from_where_they_stand(echelon, hop))
            carried = {t for t in self.alive if self._goes_past(t, echelon)}
        self._join(EchelonId.PPS_TPS, carried, delivered)
        self._local()

    def _goes_past(self, tps: str, echelon: EchelonId) -> bool:
        """Whether ``tps`` travels on after ``echelon`` (else its later legs are kept)."""
        last = self.through.get(tps, EchelonId.PPS_TPS)
        return last.number > echelon.number

    def _join(self, echelon: EchelonId, carried: set[str], delivered: dict[str, int]) -> None:
        """Kits of ``echelon``: those carried from the last one, and those that stand in it."""
        joining = {t for t, s in self.starts.items() if s.echelon == echelon}
        self.alive = carried | joining
        self._enter(echelon, delivered)
        for tps in self.alive:
            start = self.starts[tps]
            ready = start.ready if tps in joining else self.ready[tps]
            self.ready[tps] = max(self.ready[tps], ready, self.floor)
        self.entered = dict(self.ready)

    def _from_where_they_stand(
        self, echelon: EchelonId, hop: Callable[[Chain], tuple[str, str]]
    ) -> Callable[[Chain], tuple[str, str]]:
        def ends(chain: Chain) -> tuple[str, str]:
            origin, destination = hop(chain)
            start = self.starts.get(chain.tps)
            if start is not None and start.echelon == echelon:
                origin = start.site
            return origin, destination

        return ends

    def _book(self, routes: list[RoutePlan]) -> None:
        """Vehicles and officers of the routes kept, as the scheduler books its own."""
        sched = self.scheduler
        for route in routes:
            start, end = route.stops[0].arrive, route.end
            span = range(start // DAY, end // DAY + 1)
            if route.echelon == EchelonId.PPS_TPS:
                sched.busy[route.unit].append((start, end))
                pool = "guards"
            else:
                sched.busy[route.unit].append((span.start * DAY, span.stop * DAY))
                pool = "escort"
            for day in span:
                sched.officers[route.regency, pool, day] += route.escort

    def _number_after(self, routes: list[RoutePlan]) -> None:
        for route in routes:
            match = _ROUTE_ID.match(route.route_id)
            if match:
                prefix, number = match.group(1), int(match.group(2))
                self.scheduler.counters[prefix] = max(self.scheduler.counters[prefix], number)

    def _block_units(self, disruptions: Disruptions) -> None:
        for down in disruptions.vehicles_down:
            self.scheduler.busy[down.unit].append((down.window.start, down.window.end))

    def _cancel_ferries(self, cancelled: Mapping[str, tuple[Window, ...]]) -> None:
        timetables = self.scheduler.timetables
        for link, windows in cancelled.items():
            if link in timetables:
                timetables[link] = CancelledTimetable(timetables[link], windows)  # type: ignore[assignment]
