"""The Monte Carlo replay: exact without hazards, seeded, and remedies measured against the
same draws."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from salur.planning.config import PlanningData, load_planning_data
from salur.planning.echelons import EchelonId
from salur.planning.timetable import DAY, Timetable, Windows
from salur.risk.config import Hazards, RiskData, load_risk_data
from salur.risk.model import Model, build_model
from salur.risk.montecarlo import (
    Remedies,
    Rules,
    _next_departure,
    _window_end,
    _window_start,
    _working,
    simulate,
)
from salur.risk.recommend import RESERVE, Setting, recommend
from tests.unit.risk.tiny_plan import PPK, TPS, tiny_plan


@pytest.fixture(scope="module")
def data() -> PlanningData:
    return load_planning_data()


@pytest.fixture(scope="module")
def risk() -> RiskData:
    return load_risk_data()


def calm(risk: RiskData, **changes: float) -> RiskData:
    """Risk data whose hazards never happen (no rain either), except those given."""
    zero: dict[str, Any] = {f.name: 0.0 for f in dataclasses.fields(Hazards) if f.type == "float"}
    values: dict[str, Any] = {**zero, "history_multiplier": 1.0, **changes}
    hazards = dataclasses.replace(risk.hazards, heavy_day={}, **values)
    return dataclasses.replace(risk, hazards=hazards)


def rules_of(data: PlanningData) -> Rules:
    timetables = {lk.id: lk.timetable for lk in data.waterways.links if lk.timetable}
    return Rules(data.schedule.day_start, data.waterways.tides, timetables)


def model_of(data: PlanningData, risk: RiskData, **kwargs: bool) -> Model:
    return build_model(tiny_plan(**kwargs), data, risk, "14.05")


def losing_on_rounds(data: PlanningData, risk: RiskData) -> tuple[Model, RiskData]:
    """Every kit is lost on its PPS round (the short road legs), nowhere else; a replacement
    takes 24 h to prepare."""
    calm_risk = calm(risk, replacement_prep_h=24.0)
    model = model_of(data, calm_risk)
    for route in model.routes:
        route.legs = [
            dataclasses.replace(leg, loss_p=1.0)
            if leg is not None and route.echelon == EchelonId.PPS_TPS
            else leg
            for leg in route.legs
        ]
    return model, calm_risk


def test_a_replay_without_hazards_arrives_exactly_as_planned(
    data: PlanningData, risk: RiskData
) -> None:
    """With no rain, failure or loss, every kit reaches its TPS at its planned time."""
    quiet = calm(risk)
    model = model_of(data, quiet)
    assert model.rain_p == 0.0
    result = simulate(model, quiet.hazards, rules_of(data), 200, seed=1)
    assert result.codes == list(TPS)
    assert result.p_miss.tolist() == [0.0, 0.0]
    assert result.mean_delay_h.tolist() == [0.0, 0.0]
    assert result.p_lost.tolist() == [0.0, 0.0]
    assert all(p == 0.0 for p in result.leg_p_disrupted.values())


def test_the_same_seed_gives_the_same_figures_and_another_seed_other_ones(
    data: PlanningData, risk: RiskData
) -> None:
    """Draws are fixed by the seed alone: reproducible runs, independent seeds."""
    hz = dataclasses.replace(risk.hazards, boat_breakdown_p=0.3, loss_road_p=0.05)
    model = model_of(data, risk)
    one = simulate(model, hz, rules_of(data), 500, seed=7)
    again = simulate(model, hz, rules_of(data), 500, seed=7)
    other = simulate(model, hz, rules_of(data), 500, seed=8)
    assert np.array_equal(one.mean_delay_h, again.mean_delay_h)
    assert one.leg_delay_h == again.leg_delay_h
    assert not np.array_equal(one.mean_delay_h, other.mean_delay_h)


def test_a_kit_lost_on_its_last_leg_is_replaced_in_time_only_from_a_ppk_reserve(
    data: PlanningData, risk: RiskData
) -> None:
    """A replacement from the warehouse (24 h to prepare, plus the whole way) comes after H-1;
    one from a reserve at the PPK (only the boat and the round) comes before."""
    model, quiet = losing_on_rounds(data, risk)
    hz = quiet.hazards
    base = simulate(model, hz, rules_of(data), 100, seed=3)
    reserved = simulate(
        model, hz, rules_of(data), 100, seed=3, remedies=Remedies(reserves=frozenset({PPK}))
    )
    assert base.p_lost.tolist() == [1.0, 1.0]
    assert base.p_miss.tolist() == [1.0, 1.0]
    assert reserved.p_miss.tolist() == [0.0, 0.0]


def test_a_remedy_is_measured_as_the_difference_it_makes_on_the_same_draws(
    data: PlanningData, risk: RiskData
) -> None:
    """The reserve recommended for the PPK is worth exactly the misses it removes."""
    model, quiet = losing_on_rounds(data, risk)
    hz = quiet.hazards
    setting = Setting(model, hz, rules_of(data), 100, 3, data.schedule)
    base = simulate(model, hz, rules_of(data), 100, seed=3)
    found = recommend(setting, base, risk.recommend, {}, {})
    reserve = next(r for r in found if r.kind == RESERVE)
    assert reserve.target == PPK and reserve.misses_before == 2.0
    assert reserve.misses_after == 0.0 and reserve.effect == 2.0
    assert found[0] == reserve


def test_a_cancelled_ferry_waits_for_the_next_sailing_unless_a_fallback_boat_comes_first(
    data: PlanningData, risk: RiskData
) -> None:
    """Two cancellations in a row push the 09:00 crossing to 13:00; a fallback carrier on
    stand-by 1 h away takes the load at 10:00 instead."""
    quiet = calm(risk, ferry_cancel_p=1.0)
    hz = quiet.hazards
    model = model_of(data, quiet, e1_roro=True)
    roro = next(leg for r in model.routes for leg in r.legs if leg and leg.kind == "roro")
    result = simulate(model, hz, rules_of(data), 50, seed=1)
    assert result.leg_delay_h[roro.key] == pytest.approx(4.0)
    assert result.leg_p_disrupted[roro.key] == 1.0
    helped = simulate(
        model, hz, rules_of(data), 50, seed=1, remedies=Remedies(fallbacks={roro.key: 1.0})
    )
    assert helped.leg_delay_h[roro.key] == pytest.approx(1.0)


def test_dispatching_a_route_earlier_moves_its_arrival_earlier(
    data: PlanningData, risk: RiskData
) -> None:
    """The E1 truck a day earlier reaches the PPK a day earlier (nothing else in the way)."""
    quiet = calm(risk)
    hz = quiet.hazards
    model = model_of(data, quiet)
    late = dataclasses.replace(
        model, deadlines={**model.deadlines, EchelonId.WAREHOUSE_PPK: -20 * DAY + 12 * 3600}
    )
    base = simulate(late, hz, rules_of(data), 20, seed=1)
    earlier = simulate(
        late, hz, rules_of(data), 20, seed=1, remedies=Remedies(earlier={"E1-14.05-00001": DAY})
    )
    assert base.p_late[EchelonId.WAREHOUSE_PPK].tolist() == [1.0, 1.0]
    assert earlier.p_late[EchelonId.WAREHOUSE_PPK].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("departures", [(25200, 32400, 39600, 46800, 54000), (28800, 50400)])
def test_vectorised_ferry_departures_agree_with_the_timetable(departures: tuple[int, ...]) -> None:
    """The replay's next departure is the schedule's, at any time of any day."""
    timetable = Timetable(departures)
    times = np.random.default_rng(0).integers(-25 * DAY, 2 * DAY, 2000).astype(float)
    got = _next_departure(np.array(departures, dtype=float), times)
    assert got.tolist() == [float(timetable.next_departure(int(t)) or 0) for t in times]


def test_vectorised_tide_windows_and_working_hours_agree_with_the_schedule() -> None:
    """Window starts and ends, and the working-hours rule, match the planner's scalar rules."""
    spans = [(21600, 36000), (64800, 79200)]
    windows = Windows(tuple(spans))
    times = np.random.default_rng(1).integers(-25 * DAY, 2 * DAY, 2000).astype(float)
    starts = _window_start(spans, times)
    assert starts.tolist() == [float(windows.next_start(int(t)) or 0) for t in times]
    ends = _window_end(spans, starts)
    assert all(windows.contains(int(e)) and e >= s for s, e in zip(starts, ends, strict=True))
    worked = _working(times, 7 * 3600, 12 * 3600)
    for t, w in zip(times, worked, strict=True):
        opens = (t // DAY) * DAY + 7 * 3600
        expected = opens if t < opens else (opens + DAY if t >= opens + 12 * 3600 else t)
        assert w == expected
