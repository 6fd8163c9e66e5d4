"""Puts tours on the calendar: which vehicle, which day, which escort, and the real times.

Tours are placed least-slack first: a tour's latest start is its deadline minus the planned
time to its kits' destinations (including the legs still to come). Long and water-bound tours
therefore go out first and take the earliest days: remote-first ordering emerges from deadlines
and travel times, with no list of remote places. Each tour starts at the first moment its kits
are ready, a vehicle of its type is free and the Polres can spare its escort; times are then
simulated segment by segment, waiting for ferry departures and tide windows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from salur.planning.echelons import Echelon, EchelonId, Schedule
from salur.planning.escorts import EscortRules, PolresRoster
from salur.planning.fleet import VehicleSpec
from salur.planning.legs import Move
from salur.planning.paths import Segment
from salur.planning.plan import RoutePlan, StopPlan
from salur.planning.timetable import DAY, Timetable, Windows

LATE_DAYS = 14
"""How many days past a deadline a tour may still be placed (then its kits are late)."""


BLOCKED_REASON = {"vehicle": "no_vehicle_free", "escort": "escort_roster_full"}


class SegmentSource(Protocol):
    def segments(self, frm: str, to: str) -> list[Segment]: ...


@dataclass(frozen=True)
class Job:
    """A tour to place: trips of (stop, kits) from ``base`` with one vehicle of ``spec``."""

    echelon: EchelonId
    regency: str
    base: str
    spec: VehicleSpec
    source: SegmentSource
    trips: tuple[tuple[tuple[str, tuple[Move, ...]], ...], ...]
    planned_offsets: dict[str, float]
    pool: str = "escort"
    whole_days: bool = True

    @property
    def moves(self) -> list[Move]:
        return [m for trip in self.trips for _, moves in trip for m in moves]


@dataclass
class Sim:
    stops: list[StopPlan]
    end: int
    kinds: set[str]


@dataclass
class Placed:
    route: RoutePlan
    arrivals: dict[str, tuple[str, int, int]]
    blocked: str | None


@dataclass
class Scheduler:
    """Bookings of vehicles and officers across all tours of a plan."""

    schedule: Schedule
    tides: dict[str, Windows]
    timetables: dict[str, Timetable]
    rules: EscortRules
    roster: dict[str, PolresRoster]
    kind_of: Callable[[str], str]
    daytime_only: Callable[[str], bool]
    busy: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    officers: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def latest_start(self, job: Job, deadline: int) -> float:
        """Deadline minus the planned time from the tour's start to its kits' destinations."""
        return min(
            deadline - job.planned_offsets.get(m.tps, 0.0) - m.remaining_s for m in job.moves
        )

    def place(self, job: Job, release: int, echelon: Echelon) -> Placed | str:
        """Book the earliest feasible vehicle and day at or after ``release``.

        On failure, the reason: ``no_departure`` (a ferry or tide never allows the leg) or
        ``no_vehicle_free`` / ``escort_roster_full`` (nothing free within LATE_DAYS).
        """
        first = max(release // DAY, echelon.dispatch_from_day)
        blocked: str | None = None
        for day in range(first, echelon.deadline_day + LATE_DAYS + 1):
            day_open = day * DAY + self.schedule.day_start
            opening = max(release, day_open)
            after_hours = opening >= day_open + job.spec.shift_s
            if opening // DAY != day or (after_hours and self.daytime_only(job.spec.mode)):
                continue
            same_start: Sim | None = None
            for unit in self._units(job):
                start = opening if job.whole_days else self._free_from(unit, opening)
                if start // DAY != day:
                    continue
                sim = same_start if job.whole_days and same_start else self.simulate(job, start)
                if sim is None:
                    return "no_departure"
                same_start = sim
                span = range(start // DAY, sim.end // DAY + 1)
                if not self._unit_free(job, unit, start, sim.end, day_open):
                    blocked = blocked or "vehicle"
                    continue
                escort = self._escort(job, sim)
                if not self._officers_free(job, span, escort):
                    blocked = "escort"
                    break
                self._book(job, unit, span, start, sim.end, escort)
                return self._placed(job, unit, escort, sim, blocked)
            else:
                blocked = blocked or "vehicle"
        return BLOCKED_REASON[blocked or "vehicle"]

    def simulate(self, job: Job, start: int) -> Sim | None:
        """Times of every stop when the tour leaves at ``start``; None if a leg cannot start."""
        sched = self.schedule
        stops = [StopPlan(0, 1, job.base, self.kind_of(job.base), start, start)]
        kinds: set[str] = set()
        t = start
        for trip_no, trip in enumerate(job.trips, start=1):
            loaded = tuple(m.tps for _, moves in trip for m in moves)
            t += sched.load_s_per_trip
            stops[-1] = _replace(stops[-1], trip=trip_no, depart=t, loaded=loaded)
            here = job.base
            for node, moves in [*trip, (job.base, ())]:
                for seg in job.source.segments(here, node):
                    leave = self._departure(seg, self._working(job, t))
                    if leave is None:
                        return None
                    stops[-1] = _replace(stops[-1], depart=leave)
                    t = leave + round(seg.duration_s)
                    kinds.add(seg.kind)
                    stops.append(
                        StopPlan(
                            len(stops),
                            trip_no,
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
                here = node
                if moves:
                    t += round(sched.unload_s_per_stop + sched.unload_s_per_kit * len(moves))
                    last = stops[-1]
                    stops[-1] = _replace(
                        last, depart=t, unloaded=last.unloaded + tuple(m.tps for m in moves)
                    )
        return Sim(stops, stops[-1].arrive, kinds)

    def _working(self, job: Job, t: int) -> int:
        """The first moment at or after ``t`` a road vehicle may drive (its working hours)."""
        if not self.daytime_only(job.spec.mode):
            return t
        opens = (t // DAY) * DAY + self.schedule.day_start
        if t < opens:
            return opens
        if t >= opens + job.spec.shift_s:
            return opens + DAY
        return t

    def _departure(self, seg: Segment, t: int) -> int | None:
        if seg.kind == "roro" and seg.link in self.timetables:
            return self.timetables[seg.link].next_departure(t)
        if seg.tide:
            return self.tides[seg.tide].next_start(t)
        return t

    def _units(self, job: Job) -> list[str]:
        return [f"{job.base}/{job.spec.vehicle_type}#{i:02d}" for i in range(1, job.spec.count + 1)]

    def _free_from(self, unit: str, start: int) -> int:
        for begin, end in sorted(self.busy[unit]):
            if begin <= start < end:
                start = end
        return start

    def _unit_free(self, job: Job, unit: str, start: int, end: int, day_open: int) -> bool:
        if job.whole_days:
            begin, finish = (start // DAY) * DAY, (end // DAY + 1) * DAY
        else:
            if end > day_open + job.spec.shift_s and start > day_open:
                return False
            begin, finish = start, end
        return all(finish <= b or begin >= e for b, e in self.busy[unit])

    def _escort(self, job: Job, sim: Sim) -> int:
        levels = [m.level for m in job.moves]
        if job.pool == "guards":
            return self.rules.guards(levels)
        return self.rules.for_tour(sim.kinds, sim.end - sim.stops[0].arrive, levels)

    def _officers_free(self, job: Job, span: range, escort: int) -> bool:
        roster = self.roster[job.regency]
        limit = roster.tps_guards if job.pool == "guards" else roster.escort_per_day
        return all(self.officers[job.regency, job.pool, d] + escort <= limit for d in span)

    def _book(self, job: Job, unit: str, span: range, start: int, end: int, escort: int) -> None:
        if job.whole_days:
            self.busy[unit].append((span.start * DAY, span.stop * DAY))
        else:
            self.busy[unit].append((start, end))
        for d in span:
            self.officers[job.regency, job.pool, d] += escort

    def _placed(self, job: Job, unit: str, escort: int, sim: Sim, blocked: str | None) -> Placed:
        prefix = f"E{job.echelon.number}-{job.regency}"
        self.counters[prefix] += 1
        route = RoutePlan(
            route_id=f"{prefix}-{self.counters[prefix]:05d}",
            regency=job.regency,
            echelon=job.echelon,
            mode=job.spec.mode,
            vehicle_type=job.spec.vehicle_type,
            unit=unit,
            hired=job.spec.hired,
            base=job.base,
            escort=escort,
            capacity_g=job.spec.capacity_g,
            capacity_cm3=job.spec.capacity_cm3,
            stops=tuple(sim.stops),
        )
        arrivals = {
            tps: (stop.site, stop.arrive, stop.depart)
            for stop in sim.stops
            for tps in stop.unloaded
        }
        return Placed(route, arrivals, blocked)


def _replace(stop: StopPlan, **changes: object) -> StopPlan:
    values = {name: getattr(stop, name) for name in StopPlan.__slots__}
    values.update(changes)
    return StopPlan(**values)


def order_jobs(jobs: Sequence[Job], scheduler: Scheduler, deadline: int) -> list[Job]:
    """Least slack first; ties by base and first kit, so the order is reproducible."""
    return sorted(
        jobs,
        key=lambda j: (scheduler.latest_start(j, deadline), j.base, j.moves[0].tps),
    )
