"""Monte Carlo of a stored plan: every route replayed under random rain, breakdowns, cancelled
ferries, missed tides, groundings and lost kits, all draws at once (numpy vectors over draws).

A route leaves no earlier than planned, nor before its vehicle is back from its previous route
and its kits have arrived; each leg then waits for working hours, the next ferry that sails or
the next tide window as the schedule does, and takes its planned travel time stretched by rain
and lengthened by failures. A lost kit is replaced from the reserve (at the warehouse, or at the
PPK when one is pre-positioned there) after the preparation time plus its planned time on the
road (from its last loss, if lost more than once). Remedies change the replay: routes dispatched
earlier, reserves at PPK, fallback carriers that take over a failed water leg after their
activation time. Each route draws its legs' random numbers at once, in a fixed order, so a
remedy is measured against the same weather and failures (common random numbers). Pure: no
clock, no database; the seed fixes every draw.
"""

from __future__ import annotations

import time
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from salur.planning.echelons import EchelonId
from salur.planning.timetable import DAY, Timetable, Windows
from salur.risk.config import Hazards, Span
from salur.risk.model import Leg, Model, RouteModel

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
HOUR = 3600.0
UNIFORMS = 5
"""Uniform draws per leg (a boat leg uses all: breakdown, hold, aground, loss, tide miss)."""


@dataclass(frozen=True)
class Remedies:
    """Changes to replay: routes leaving earlier (seconds), PPK (kecamatan codes) holding a
    reserve, and water legs (leg keys) with a fallback carrier (activation hours)."""

    earlier: Mapping[str, int] = field(default_factory=dict)
    reserves: frozenset[str] = frozenset()
    fallbacks: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """What the replay needs of the planning data: the day, tides and ferry timetables."""

    day_start: int
    tides: Mapping[str, Windows]
    timetables: Mapping[str, Timetable]


@dataclass
class SimResult:
    """Per kit (in ``codes`` order) and per leg key, over ``draws`` draws."""

    codes: list[str]
    p_miss: FloatArray
    """P(the kit reaches its TPS after the H-1 deadline, or not at all)."""
    p_late: dict[EchelonId, FloatArray]
    mean_delay_h: FloatArray
    p90_delay_h: FloatArray
    p_lost: FloatArray
    leg_p_disrupted: dict[str, float]
    leg_delay_h: dict[str, float]
    draws: int
    seconds: float

    def by_code(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}


@dataclass
class _Run:
    model: Model
    hz: Hazards
    rules: Rules
    remedies: Remedies
    draws: int
    rng: np.random.Generator
    rain: BoolArray
    ready: FloatArray
    lost: FloatArray
    final: FloatArray
    late: dict[EchelonId, FloatArray]
    reserve: BoolArray
    unit_end: dict[str, FloatArray] = field(default_factory=dict)
    rain_flat: BoolArray = field(init=False)
    columns: npt.NDArray[np.int64] = field(init=False)
    legs: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0, 0]))


def simulate(
    model: Model,
    hazards: Hazards,
    rules: Rules,
    draws: int,
    seed: int,
    remedies: Remedies | None = None,
) -> SimResult:
    """Replay ``model`` ``draws`` times; the same seed gives the same result."""
    started = time.perf_counter()
    remedies = remedies or Remedies()
    stream = np.random.SeedSequence([seed, zlib.crc32(model.regency.encode())])
    rng = np.random.default_rng(stream)
    n = len(model.kits.codes)
    run = _Run(
        model=model,
        hz=hazards,
        rules=rules,
        remedies=remedies,
        draws=draws,
        rng=rng,
        rain=rng.random((model.days, draws)) < model.rain_p,
        ready=np.full((n, draws), -np.inf),
        lost=np.full((n, draws), -np.inf),
        final=np.full((n, draws), np.nan),
        late={e: np.zeros(n) for e in EchelonId},
        reserve=np.array([d in remedies.reserves for d in model.kits.district], dtype=bool),
    )
    run.rain_flat = run.rain.ravel()
    run.columns = np.arange(draws, dtype=np.int64)
    for route in model.routes:
        _replay(run, route)
    return _result(run, time.perf_counter() - started)


def _replay(run: _Run, route: RouteModel) -> None:
    shift = float(run.remedies.earlier.get(route.route_id, 0))
    arrive = np.full(run.draws, float(route.arrive[0]) - shift)
    previous = run.unit_end.get(route.unit)
    if previous is not None:
        arrive = np.maximum(arrive, previous)
    trip_loss = np.full(run.draws, -np.inf)
    last = len(route.arrive) - 1
    uniforms = run.rng.random((max(last, 1), UNIFORMS, run.draws), dtype=np.float32)
    for k in range(last + 1):
        if k in route.loads:
            depart = np.maximum(arrive, _kits_ready(run, route, route.loads[k]))
            depart = depart + route.service[k]
            trip_loss = np.full(run.draws, -np.inf)
        else:
            depart = arrive + route.service[k]
        if k in route.unloads:
            _unload(run, route, route.unloads[k], arrive + route.service[k], trip_loss)
        for kit, echelon in route.ends.get(k, ()):
            if echelon == EchelonId.PPS_TPS:
                run.final[kit] = arrive
            else:
                run.late[echelon][kit] = float(np.mean(arrive > run.model.deadlines[echelon]))
        if k == last:
            break
        leg = route.legs[k + 1]
        assert leg is not None
        depart = np.maximum(depart, float(route.depart[k]) - shift)
        planned_travel = float(route.arrive[k + 1] - route.depart[k])
        arrive, loss = _travel(run, route, leg, depart, planned_travel, uniforms[k])
        trip_loss = np.where(loss & (trip_loss == -np.inf), depart, trip_loss)
    run.unit_end[route.unit] = arrive


def _kits_ready(run: _Run, route: RouteModel, kits: list[int]) -> FloatArray:
    if not kits:
        return np.full(run.draws, -np.inf)
    ready = run.ready[kits]
    if route.echelon == EchelonId.PPK_PPS and run.reserve[kits].any():
        planned = run.model.kits.planned_arrival[EchelonId.WAREHOUSE_PPK][kits]
        covered = run.reserve[kits] & np.isfinite(planned)
        ready = np.where(covered[:, None], np.minimum(ready, planned[:, None]), ready)
    result: FloatArray = ready.max(axis=0)
    return result


def _unload(
    run: _Run, route: RouteModel, kits: list[int], available: FloatArray, trip_loss: FloatArray
) -> None:
    run.ready[kits] = available
    run.lost[kits] = np.maximum(run.lost[kits], trip_loss)
    if route.echelon == EchelonId.WAREHOUSE_PPK and run.reserve[kits].any():
        covered = [k for k in kits if run.reserve[k]]
        run.lost[covered] = -np.inf


def _travel(
    run: _Run,
    route: RouteModel,
    leg: Leg,
    depart: FloatArray,
    planned: float,
    u: npt.NDArray[np.float32],
) -> tuple[FloatArray, BoolArray]:
    """Departure rules and hazards of one leg: the arrival, and whether its load was lost.

    ``u`` holds the leg's uniform draws (rows by purpose), drawn with its route so that every
    leg gets the same numbers whatever the remedies.
    """
    hz, fallback = run.hz, run.remedies.fallbacks.get(leg.key)
    ready = depart
    no_loss = np.zeros(run.draws, dtype=bool)
    if leg.kind == "roro":
        if route.land:
            depart = _working(depart, run.rules.day_start, route.shift_s)
        depart, event = _ferry(run, leg, depart, u, fallback)
        arrive = depart + planned
        _count(run, leg, event, arrive - ready - planned)
        return arrive, no_loss
    if leg.kind == "boat" or not route.land:
        rain = _rain(run, depart)
        hold = rain & (u[1] < hz.boat_hold_p)
        depart = depart + np.where(
            hold, _spread(hz.boat_hold_h, u[1] / max(hz.boat_hold_p, 1e-12)), 0
        )
        depart, missed = _tide(run, leg, depart, u[4])
        broke, aground = u[0] < leg.breakdown_p, u[2] < leg.aground_p
        failure = np.where(
            broke, _spread(hz.boat_breakdown_h, u[0] / max(leg.breakdown_p, 1e-12)), 0
        )
        failure += np.where(aground, _spread(hz.aground_h, u[2] / max(leg.aground_p, 1e-12)), 0)
        if fallback is not None:
            failure = np.minimum(failure, fallback * HOUR)
        arrive = depart + planned + failure
        loss = u[3] < leg.loss_p
        _count(run, leg, hold | missed | broke | aground | loss, arrive - ready - planned)
        return arrive, loss
    depart = _working(depart, run.rules.day_start, route.shift_s)
    rain = _rain(run, depart)
    stretch = np.where(
        rain, hz.road_slowdown.low + (hz.road_slowdown.high - hz.road_slowdown.low) * u[1], 1.0
    )
    broke = u[0] < leg.breakdown_p
    extra = np.where(broke, _spread(hz.road_breakdown_h, u[0] / max(leg.breakdown_p, 1e-12)), 0)
    if leg.flood_share and route.echelon == EchelonId.PPS_TPS:
        flooded = rain & (u[3] < leg.flood_share)
        extra += np.where(flooded, _spread(hz.flood_h, u[3] / leg.flood_share), 0)
    arrive = depart + planned * stretch + extra
    loss = u[2] < leg.loss_p
    _count(run, leg, broke | loss | (extra > 0), arrive - ready - planned)
    return arrive, loss


def _ferry(
    run: _Run, leg: Leg, depart: FloatArray, u: npt.NDArray[np.float32], fallback: float | None
) -> tuple[FloatArray, BoolArray]:
    timetable = run.rules.timetables.get(leg.link)
    if timetable is None or not timetable.departures:
        return depart, np.zeros(run.draws, dtype=bool)
    deps = np.array(timetable.departures, dtype=np.float64)
    first = _next_departure(deps, depart)
    p = run.hz.ferry_cancel_p
    cancelled = u[0] < p
    second = _next_departure(deps, first + 1)
    second = np.where(cancelled & (u[1] < p), _next_departure(deps, second + 1), second)
    if fallback is not None:
        second = np.minimum(second, depart + fallback * HOUR)
    return np.where(cancelled, second, first), cancelled


def _tide(
    run: _Run, leg: Leg, depart: FloatArray, u: npt.NDArray[np.float32]
) -> tuple[FloatArray, BoolArray]:
    windows = run.rules.tides.get(leg.tide) if leg.tide else None
    if windows is None or not windows.every_day:
        return depart, np.zeros(run.draws, dtype=bool)
    spans = sorted(windows.every_day)
    start = _window_start(spans, depart)
    missed = u < run.hz.tide_miss_p
    later = _window_start(spans, _window_end(spans, start) + 1)
    return np.where(missed, later, start), missed


def _count(run: _Run, leg: Leg, event: BoolArray, added: FloatArray) -> None:
    tally = run.legs[leg.key]
    tally[0] += float(np.mean(event))
    tally[1] += float(np.mean(np.maximum(added, 0))) / HOUR
    tally[2] += 1


def _rain(run: _Run, t: FloatArray) -> BoolArray:
    day = np.floor(t * (1 / DAY)).astype(np.int64) - run.model.day0
    np.clip(day, 0, run.model.days - 1, out=day)
    rained: BoolArray = run.rain_flat[day * run.draws + run.columns]
    return rained


def _spread(span: Span, u: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """Hours drawn uniformly in ``span`` (``u`` uniform on [0, 1)), in seconds."""
    hours: FloatArray = (span.low + (span.high - span.low) * np.clip(u, 0, 1)) * HOUR
    return hours


def _working(t: FloatArray, day_start: int, shift: int) -> FloatArray:
    """The first moment at or after ``t`` inside working hours (as the schedule places tours)."""
    opens = np.floor(t * (1 / DAY)) * DAY + day_start
    result: FloatArray = np.where(t < opens, opens, np.where(t >= opens + shift, opens + DAY, t))
    return result


def _next_departure(deps: FloatArray, t: FloatArray) -> FloatArray:
    day = t // DAY
    sec = t - day * DAY
    idx = np.searchsorted(deps, sec, side="left")
    wrap = idx >= len(deps)
    same = day * DAY + deps[np.minimum(idx, len(deps) - 1)]
    result: FloatArray = np.where(wrap, (day + 1) * DAY + deps[0], same)
    return result


def _window_start(spans: list[tuple[int, int]], t: FloatArray) -> FloatArray:
    day = t // DAY
    sec = t - day * DAY
    out = (day + 1) * DAY + spans[0][0]
    for start, end in reversed(spans):
        out = np.where(sec <= end, day * DAY + np.maximum(sec, start), out)
    return out


def _window_end(spans: list[tuple[int, int]], t: FloatArray) -> FloatArray:
    day = t // DAY
    sec = t - day * DAY
    out = t.copy()
    for start, end in spans:
        out = np.where((sec >= start) & (sec <= end), day * DAY + end, out)
    return out


def _result(run: _Run, seconds: float) -> SimResult:
    kits = run.model.kits
    replace = np.where(run.reserve, kits.replace_from_ppk_s, kits.replace_from_warehouse_s)
    replace = replace + run.hz.replacement_prep_h * HOUR
    lost = run.lost > -np.inf
    final = np.where(lost, np.fmax(run.final, run.lost + replace[:, None]), run.final)
    deadline = run.model.deadlines[EchelonId.PPS_TPS]
    missing = np.isnan(final)
    p_miss = np.mean(missing | (final > deadline), axis=1)
    planned = kits.planned_arrival[EchelonId.PPS_TPS]
    with np.errstate(invalid="ignore"):
        delay = np.where(missing, 0.0, np.maximum(final - planned[:, None], 0)) / HOUR
    reached = np.maximum((~missing).sum(axis=1), 1)
    mean_delay = delay.sum(axis=1) / reached
    p90 = np.percentile(delay, 90, axis=1)
    late = dict(run.late)
    late[EchelonId.PPS_TPS] = p_miss
    return SimResult(
        codes=list(kits.codes),
        p_miss=p_miss,
        p_late=late,
        mean_delay_h=mean_delay,
        p90_delay_h=p90,
        p_lost=np.mean(lost, axis=1),
        leg_p_disrupted={k: v[0] / v[2] for k, v in run.legs.items()},
        leg_delay_h={k: v[1] / v[2] for k, v in run.legs.items()},
        draws=run.draws,
        seconds=seconds,
    )
