"""Where the kits of a region stand against the plan and the deadlines, as pure functions.

Input is one `TpsStatus` per TPS (how far its kit got, when it arrived at each echelon, when
the plan brings it there); output is one `RegionProgress` per child region, the progress curves
of each echelon and the late-risk list. No database, no clock: `now` is an argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# The outbound chain: level 0 is the KPU warehouse, then PPK, PPS and the TPS (KPPS).
LEVELS = ("warehouse", "ppk", "pps", "kpps")
# Echelon i brings a kit from level i to level i + 1 (custody hop ids).
ECHELONS = ("warehouse_ppk", "ppk_pps", "pps_kpps")
NOT_PACKED = -1

# Status of a region or a TPS, worst last; the map and the tables colour by it.
DONE, ON_TRACK, WAITING, BEHIND, OVERDUE = "done", "on_track", "waiting", "behind", "overdue"
STATUS_ORDER = (DONE, ON_TRACK, WAITING, BEHIND, OVERDUE)


@dataclass(frozen=True, slots=True)
class TpsStatus:
    """One TPS's kit: how far all its packages got (`reached`, -1 when not packed), whether some
    are on the road, and per echelon the actual and the planned arrival (None: not yet / none)."""

    tps: str
    village: str
    reached: int = NOT_PACKED
    in_transit: bool = False
    arrived: tuple[dt.datetime | None, ...] = (None, None, None)
    planned: tuple[dt.datetime | None, ...] = (None, None, None)
    plan_issue: str | None = None  # the planner's reason when it cannot serve it on time

    @property
    def packed(self) -> bool:
        return self.reached > NOT_PACKED


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The instant (UTC) by which kits must have arrived, per echelon (None: no deadline)."""

    by_echelon: tuple[dt.datetime | None, ...]

    def of(self, echelon: int) -> dt.datetime | None:
        return self.by_echelon[echelon]


def tps_state(tps: TpsStatus, now: dt.datetime, deadlines: Deadlines) -> str:
    """The status of one TPS's kit at `now`."""
    if tps.reached >= len(ECHELONS):
        return DONE
    worst = ON_TRACK if tps.packed else WAITING
    for echelon in range(max(tps.reached, 0), len(ECHELONS)):
        deadline = deadlines.of(echelon)
        if deadline is not None and now > deadline:
            return OVERDUE
        planned = tps.planned[echelon]
        if planned is not None and now > planned:
            worst = BEHIND
    return worst


def worst(states: Iterable[str]) -> str:
    """The worst of some statuses (DONE when there are none)."""
    return max(states, key=STATUS_ORDER.index, default=DONE)


@dataclass
class RegionProgress:
    """Kits of one region: TPS, packed, arrived at each level, due by now per the plan."""

    code: str
    tps: int = 0
    packed: int = 0
    at_level: list[int] = field(default_factory=lambda: [0, 0, 0])
    planned_by_now: list[int] = field(default_factory=lambda: [0, 0, 0])
    in_transit: int = 0
    overdue: int = 0
    behind: int = 0
    status: str = DONE

    def share(self, echelon: int) -> float:
        """Kits at the echelon's destination, as a share of the region's TPS (0..1)."""
        return self.at_level[echelon] / self.tps if self.tps else 0.0

    def add(self, tps: TpsStatus, state: str, now: dt.datetime) -> None:
        self.tps += 1
        self.packed += tps.packed
        self.in_transit += tps.in_transit
        for echelon in range(len(ECHELONS)):
            self.at_level[echelon] += tps.reached > echelon
            planned = tps.planned[echelon]
            self.planned_by_now[echelon] += planned is not None and planned <= now
        self.overdue += state == OVERDUE
        self.behind += state == BEHIND
        self.status = worst((self.status, state))


def child_code(region: str, tps: TpsStatus) -> str:
    """The code of the child of `region` ('' = all) that holds this TPS."""
    parts = tps.village.split(".")
    depth = len(region.split(".")) if region else 0
    if depth >= len(parts) or region == tps.tps:
        return tps.tps
    return ".".join(parts[: depth + 1])


def by_child(
    region: str, statuses: Iterable[TpsStatus], now: dt.datetime, deadlines: Deadlines
) -> tuple[RegionProgress, list[RegionProgress]]:
    """The region's own totals and one row per child region (provinces, regencies, kecamatan,
    desa or TPS, one level below `region`), in code order."""
    total = RegionProgress(region)
    children: dict[str, RegionProgress] = {}
    for tps in statuses:
        state = tps_state(tps, now, deadlines)
        total.add(tps, state, now)
        code = child_code(region, tps)
        children.setdefault(code, RegionProgress(code)).add(tps, state, now)
    return total, [children[code] for code in sorted(children)]


@dataclass(frozen=True, slots=True)
class Curve:
    """Cumulative kits over time at one echelon's destination: actual and planned steps."""

    echelon: int
    total: int
    actual: tuple[tuple[dt.datetime, int], ...]
    planned: tuple[tuple[dt.datetime, int], ...]
    deadline: dt.datetime | None


def curves(statuses: Sequence[TpsStatus], deadlines: Deadlines) -> list[Curve]:
    """One curve per echelon: how many kits had arrived, and were planned to, by each time."""
    out = []
    for echelon in range(len(ECHELONS)):
        actual = sorted(at for t in statuses if (at := t.arrived[echelon]) is not None)
        planned = sorted(at for t in statuses if (at := t.planned[echelon]) is not None)
        out.append(
            Curve(
                echelon,
                len(statuses),
                tuple((at, i + 1) for i, at in enumerate(actual)),
                tuple((at, i + 1) for i, at in enumerate(planned)),
                deadlines.of(echelon),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class LateRisk:
    """A TPS whose kit has not reached the next level, with why it is at risk."""

    tps: str
    village: str
    echelon: int  # the echelon still to be done
    state: str
    planned: dt.datetime | None
    deadline: dt.datetime | None
    hours_left: float | None  # to the deadline; negative when overdue
    reason: str  # overdue | behind_plan | plan_issue | deadline_soon


def late_risks(
    statuses: Iterable[TpsStatus],
    now: dt.datetime,
    deadlines: Deadlines,
    *,
    horizon: dt.timedelta = dt.timedelta(hours=48),
) -> list[LateRisk]:
    """Kits overdue, behind the plan, flagged by the planner, or due within `horizon`; the most
    urgent first (least time to the deadline, then the earliest planned arrival)."""
    out = []
    for tps in statuses:
        if not tps.packed or tps.reached >= len(ECHELONS):
            continue
        echelon = tps.reached
        deadline, planned = deadlines.of(echelon), tps.planned[echelon]
        left = (deadline - now).total_seconds() / 3600 if deadline is not None else None
        if deadline is not None and now > deadline:
            reason = "overdue"
        elif planned is not None and now > planned:
            reason = "behind_plan"
        elif tps.plan_issue is not None:
            reason = "plan_issue"
        elif deadline is not None and deadline - now <= horizon:
            reason = "deadline_soon"
        else:
            continue
        state = tps_state(tps, now, deadlines)
        out.append(LateRisk(tps.tps, tps.village, echelon, state, planned, deadline, left, reason))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    out.sort(key=lambda r: (r.hours_left if r.hours_left is not None else 1e9, r.planned or far))
    return out


def village_states(
    statuses: Iterable[TpsStatus], now: dt.datetime, deadlines: Deadlines
) -> dict[str, tuple[str, int, int]]:
    """Per desa: its worst status, its TPS and how many of their kits are at the TPS."""
    out: dict[str, tuple[str, int, int]] = {}
    for tps in statuses:
        state, count, done = out.get(tps.village, (DONE, 0, 0))
        out[tps.village] = (
            worst((state, tps_state(tps, now, deadlines))),
            count + 1,
            done + (tps.reached >= len(ECHELONS)),
        )
    return out
