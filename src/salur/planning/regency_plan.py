"""The plan of one regency: the three echelons in order, each kit handed from one to the next.

Warehouse -> PPK and PPK -> PPS are routed as leg problems (`legs`, `vrp`) and placed on the
calendar (`schedule`); PPS -> TPS goes in local rounds (`local`). A kit enters an echelon when
the previous one delivered it (and not before the echelon's window opens); kits that cannot be
delivered are recorded once, with the echelon and the reason, and leave the plan.
"""

from __future__ import annotations

from collections.abc import Callable

from salur.planning.config import PlanningData
from salur.planning.echelons import Echelon, EchelonId
from salur.planning.legs import LegProblem, Move, leg_problems
from salur.planning.local import MAX_RADIUS_M, LocalPaths, rounds
from salur.planning.modes import TravelClass
from salur.planning.params import PlanParams
from salur.planning.plan import Issue, RoutePlan
from salur.planning.schedule import Job, Scheduler, order_jobs
from salur.planning.sites import Chain, Reason, RegencySites
from salur.planning.timetable import DAY
from salur.planning.vrp import LegSolution, Search, Tour, solve_leg


class RegencyRun:
    """Plans one regency; read ``routes`` and ``issues`` after `plan`."""

    def __init__(
        self,
        sites: RegencySites,
        data: PlanningData,
        params: PlanParams,
        time_budget_s: float | None,
        radii: dict[str, float],
    ) -> None:
        self.sites, self.data, self.params = sites, data, params
        self.net = sites.network
        self.time_budget_s = time_budget_s
        self.radii = radii
        self.scheduler = Scheduler(
            schedule=data.schedule,
            tides=data.waterways.tides,
            timetables={lk.id: lk.timetable for lk in self.net.links if lk.timetable},
            rules=data.escorts,
            roster=data.roster,
            kind_of=self._kind_of,
            daytime_only=lambda mode: self.net.modes[mode].travel_class == TravelClass.LAND,
        )
        self.routes: list[RoutePlan] = []
        self.issues: list[Issue] = []
        self.alive = set(sites.chains)
        self.ready: dict[str, int] = {}
        self.entered: dict[str, int] = {}
        self.delays: dict[str, str] = {}

    def plan(self) -> None:
        for tps, reason in sorted(self.sites.unserved.items()):
            self.issues.append(Issue(tps, "unserved", None, reason.key, reason.params))
        self._enter(EchelonId.WAREHOUSE_PPK, {})
        done = self._routed(EchelonId.WAREHOUSE_PPK, lambda c: (c.warehouse, c.ppk))
        self._enter(EchelonId.PPK_PPS, done)
        done = self._routed(EchelonId.PPK_PPS, lambda c: (c.ppk, c.pps))
        self._enter(EchelonId.PPS_TPS, done)
        self._local()

    def _kind_of(self, code: str) -> str:
        node = self.net.nodes.get(code)
        return str(node.kind) if node else "tps"

    def _enter(self, echelon: EchelonId, delivered: dict[str, int]) -> None:
        opening = self.data.schedule.start_of(echelon)
        self.ready = {tps: max(opening, delivered.get(tps, opening)) for tps in self.alive}
        self.entered = dict(self.ready)

    def _unserve(self, kits: dict[str, Reason], echelon: EchelonId) -> None:
        for tps, reason in sorted(kits.items()):
            if tps in self.alive:
                self.alive.discard(tps)
                self.issues.append(Issue(tps, "unserved", echelon, reason.key, reason.params))

    def _routed(
        self, echelon_id: EchelonId, ends: Callable[[Chain], tuple[str, str]]
    ) -> dict[str, int]:
        echelon = self.data.schedule.echelon(echelon_id)
        chains = [self.sites.chains[tps] for tps in sorted(self.alive)]
        problems, no_path = leg_problems(
            echelon_id,
            self.sites,
            chains,
            ends,
            self.data.fleet,
            self.data.vulnerability,
            self.data.schedule.transfer_s,
        )
        self._unserve(no_path, echelon_id)
        solutions = [self._solve(p, echelon, problems) for p in problems]
        delivered: dict[str, int] = {}
        for depth in sorted({p.depth for p in problems}):
            jobs = [
                job
                for s in solutions
                if s.problem.depth == depth
                for tour in s.tours
                if (job := self._job(tour)) is not None
            ]
            for job in order_jobs(jobs, self.scheduler, echelon.deadline):
                self._place(job, echelon, delivered)
        return delivered

    def _solve(
        self, problem: LegProblem, echelon: Echelon, problems: list[LegProblem]
    ) -> LegSolution:
        params = self.params
        specs = self.data.fleet.at(
            self.sites.regency,
            problem.base_kind(self.net),
            problem.depot,
            self.net.modes,
            problem.travel_class,
            len(problem.moves),
        )
        limit = None
        if self.time_budget_s is not None:
            share = len(problem.moves) / max(1, sum(len(p.moves) for p in problems))
            limit = max(0.05, self.time_budget_s / 2 * share)
        search = Search(
            params.seed,
            limit,
            params.iterations_per_client,
            params.min_iterations,
            params.max_iterations,
            cap=params.regency_time_limit_s is not None,
        )
        solution = solve_leg(
            problem, self.net, specs, self.data.schedule, len(echelon.days), search
        )
        self._unserve(solution.unserved, problem.echelon)
        return solution

    def _job(self, tour: Tour) -> Job | None:
        trips = []
        for trip in tour.trips:
            stops = []
            for chunk in trip:
                moves = tuple(m for m in chunk.moves if m.tps in self.alive)
                if moves:
                    stops.append((chunk.node, moves))
            if stops:
                trips.append(tuple(stops))
        if not trips:
            return None
        problem = tour.problem
        return Job(
            problem.echelon,
            problem.regency,
            problem.depot,
            tour.spec,
            tour.paths,
            tuple(trips),
            tour.planned_offsets,
        )

    def _place(self, job: Job, echelon: Echelon, delivered: dict[str, int]) -> None:
        release = max(self.ready[m.tps] for m in job.moves)
        placed = self.scheduler.place(job, release, echelon)
        if isinstance(placed, str):
            reason = Reason(f"plan.reason.{placed}", (("site", job.base),))
            self._unserve({m.tps: reason for m in job.moves}, echelon.id)
            return
        self.routes.append(placed.route)
        first_day = max(release // DAY, echelon.dispatch_from_day)
        opening = max(release, first_day * DAY + self.data.schedule.day_start)
        if placed.blocked and placed.route.stops[0].arrive > opening:
            for m in job.moves:
                self.delays.setdefault(m.tps, placed.blocked)
        for m in job.moves:
            _, arrive, depart = placed.arrivals[m.tps]
            if m.next != m.final:
                self.ready[m.tps] = depart + self.data.schedule.transfer_s
                continue
            delivered[m.tps] = depart
            if arrive > echelon.deadline:
                self._late(m, echelon, arrive)

    def _late(self, move: Move, echelon: Echelon, arrive: int) -> None:
        sched = self.data.schedule
        blocked = self.delays.get(move.tps)
        if blocked:
            key = "no_vehicle_free" if blocked == "vehicle" else "escort_roster_full"
        elif self.entered.get(move.tps, 0) <= sched.start_of(echelon.id):
            key = "too_far"
        else:
            key = "upstream_late"
        params = (
            ("site", move.final),
            ("deadline", sched.local_label(echelon.deadline)),
            ("arrival", sched.local_label(arrive)),
        )
        self.issues.append(
            Issue(
                move.tps, "late", echelon.id, f"plan.late.{key}", params, arrive - echelon.deadline
            )
        )

    def _local(self) -> None:
        echelon = self.data.schedule.echelon(EchelonId.PPS_TPS)
        by_pps: dict[str, list[Move]] = {}
        for tps in sorted(self.alive):
            chain = self.sites.chains[tps]
            kit = self.sites.kits[tps]
            level = self.data.vulnerability.level(tps, chain.pps)
            by_pps.setdefault(chain.pps, []).append(
                Move(tps, kit.weight_g, kit.volume_cm3, level, tps, tps, 0.0)
            )
        jobs: list[Job] = []
        for pps, moves in sorted(by_pps.items()):
            jobs.extend(self._rounds(pps, moves))
        for job in order_jobs(jobs, self.scheduler, echelon.deadline):
            self._place(job, echelon, {})

    def _rounds(self, pps: str, moves: list[Move]) -> list[Job]:
        cls = self.net.zone_of(pps).travel_class
        specs = self.data.fleet.at(self.sites.regency, "pps", pps, self.net.modes, cls, len(moves))
        fitting = [s for s in specs if all(s.fits(m.weight_g, m.volume_cm3) for m in moves)]
        if not fitting:
            key = "plan.reason.no_vehicle" if not specs else "plan.reason.kit_too_big"
            reason = Reason(key, (("site", pps), ("travel_class", str(cls))))
            self._unserve({m.tps: reason for m in moves}, EchelonId.PPS_TPS)
            return []
        spec = fitting[0]
        mode = self.net.modes.with_speed(spec.mode, spec.speed_kmh)
        radius = self.radii.get(pps, MAX_RADIUS_M)
        return [
            Job(
                EchelonId.PPS_TPS,
                self.sites.regency,
                pps,
                spec,
                LocalPaths(pps, radius, mode, len(load)),
                (tuple((m.tps, (m,)) for m in load),),
                {},
                pool="guards",
                whole_days=False,
            )
            for load in rounds(moves, (spec.capacity_g, spec.capacity_cm3))
        ]
