"""The independent checker catches every kind of broken plan (mutations of a good one)."""

from __future__ import annotations

import dataclasses

import pytest

from salur.planning.check import CheckReport, Reference, check_plan
from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.inputs import PlanningInputs
from salur.planning.plan import Plan, RoutePlan, SitePoint, StopPlan
from salur.planning.timetable import DAY

H = 3600


@pytest.fixture
def reference(meranti_inputs: PlanningInputs, planning_data: PlanningData) -> Reference:
    return Reference.of(meranti_inputs, planning_data)


def codes(report: CheckReport) -> set[str]:
    return {v.code for v in report.violations}


def with_route(plan: Plan, index: int, route: RoutePlan) -> Plan:
    routes = list(plan.routes)
    routes[index] = route
    return dataclasses.replace(plan, routes=tuple(routes))


def first(plan: Plan, echelon: EchelonId) -> int:
    return next(i for i, r in enumerate(plan.routes) if r.echelon == echelon)


def test_the_unchanged_plan_passes(meranti_plan: Plan, reference: Reference) -> None:
    """The baseline of every mutation below: no violation."""
    assert check_plan(meranti_plan, reference).ok


def test_a_kit_handed_over_twice_is_caught(meranti_plan: Plan, reference: Reference) -> None:
    """Copying a PPS round to a second vehicle delivers its kits twice and books nothing new."""
    i = first(meranti_plan, EchelonId.PPS_TPS)
    copy = dataclasses.replace(meranti_plan.routes[i], route_id="E3-copy", unit="other#01")
    plan = dataclasses.replace(meranti_plan, routes=(*meranti_plan.routes, copy))
    assert "delivered_twice" in codes(check_plan(plan, reference))


def test_a_kit_left_on_board_is_caught(meranti_plan: Plan, reference: Reference) -> None:
    """Dropping one hand-over leaves the kit undelivered and carried back to the PPS."""
    i = first(meranti_plan, EchelonId.PPS_TPS)
    route = meranti_plan.routes[i]
    stops = list(route.stops)
    k = next(n for n, s in enumerate(stops) if s.unloaded)
    stops[k] = dataclasses.replace(stops[k], unloaded=())
    found = codes(
        check_plan(
            with_route(meranti_plan, i, dataclasses.replace(route, stops=tuple(stops))), reference
        )
    )
    assert {"kits_brought_back", "kit_not_delivered"} <= found


def test_an_overloaded_vehicle_is_caught(meranti_plan: Plan, reference: Reference) -> None:
    """A truck claiming 1 kg of capacity cannot carry kits of 58 kg."""
    i = first(meranti_plan, EchelonId.WAREHOUSE_PPK)
    route = dataclasses.replace(meranti_plan.routes[i], capacity_g=1000)
    assert "over_capacity" in codes(check_plan(with_route(meranti_plan, i, route), reference))


def test_a_kit_arriving_after_its_deadline_without_an_issue_is_caught(
    meranti_plan: Plan, reference: Reference
) -> None:
    """Moving a PPS round to voting day misses H-1, and the plan does not say so."""
    i = first(meranti_plan, EchelonId.PPS_TPS)
    route = meranti_plan.routes[i]
    late = dataclasses.replace(
        route,
        stops=tuple(
            dataclasses.replace(s, arrive=s.arrive + 2 * DAY, depart=s.depart + 2 * DAY)
            for s in route.stops
        ),
    )
    assert "deadline_missed" in codes(check_plan(with_route(meranti_plan, i, late), reference))


def test_a_convoy_without_its_escort_is_caught(meranti_plan: Plan, reference: Reference) -> None:
    """Escort size follows the rules: zero officers is too few."""
    i = first(meranti_plan, EchelonId.WAREHOUSE_PPK)
    route = dataclasses.replace(meranti_plan.routes[i], escort=0)
    assert "escort_too_small" in codes(check_plan(with_route(meranti_plan, i, route), reference))


def test_more_officers_than_the_polres_has_is_caught(
    meranti_plan: Plan, reference: Reference
) -> None:
    """A convoy claiming 500 officers exceeds Polres Kepulauan Meranti's daily roster."""
    i = first(meranti_plan, EchelonId.WAREHOUSE_PPK)
    route = dataclasses.replace(meranti_plan.routes[i], escort=500)
    assert "roster_exceeded" in codes(check_plan(with_route(meranti_plan, i, route), reference))


def test_a_vehicle_on_two_tours_at_once_is_caught(meranti_plan: Plan, reference: Reference) -> None:
    """Two E2 tours given the same unit overlap in time."""
    e2 = [i for i, r in enumerate(meranti_plan.routes) if r.echelon == EchelonId.PPK_PPS]
    a, b = meranti_plan.routes[e2[0]], meranti_plan.routes[e2[1]]
    shifted = dataclasses.replace(
        b,
        unit=a.unit,
        stops=tuple(
            dataclasses.replace(
                s,
                arrive=s.arrive - b.stops[0].arrive + a.stops[0].arrive,
                depart=s.depart - b.stops[0].arrive + a.stops[0].arrive,
            )
            for s in b.stops
        ),
    )
    found = codes(check_plan(with_route(meranti_plan, e2[1], shifted), reference))
    assert "vehicle_double_booked" in found


def test_a_ferry_boarded_outside_its_timetable_is_caught(reference: Reference) -> None:
    """Dumai -> Tanjung Kapal at 10:00 (no such sailing) is flagged; the 11:00 return is not."""
    day = -20 * DAY
    stops = (
        StopPlan(0, 1, "P-DUMAI", "port", day + 9 * H, day + 10 * H),
        StopPlan(
            1,
            1,
            "P-TANJUNGKAPAL",
            "port",
            day + 11 * H + 1800,
            day + 13 * H,
            "roro",
            "roro",
            "L-DUMAI-RUPAT",
            25_000,
        ),
        StopPlan(
            2,
            1,
            "P-DUMAI",
            "port",
            day + 14 * H + 1800,
            day + 14 * H + 1800,
            "roro",
            "roro",
            "L-DUMAI-RUPAT",
            25_000,
        ),
    )
    route = RoutePlan(
        "E1-test",
        "14.10",
        EchelonId.WAREHOUSE_PPK,
        "truck",
        "truck_6w",
        "P-DUMAI/truck#01",
        False,
        "P-DUMAI",
        2,
        5_000_000,
        15_500_000,
        stops,
    )
    sites = (
        SitePoint("P-DUMAI", "port", "Dumai", 1.684395, 101.423353, "14-L000"),
        SitePoint("P-TANJUNGKAPAL", "port", "Tanjung Kapal", 1.84654, 101.485815, "14-L001"),
    )
    plan = Plan("14.10", "test", (route,), (), (), 0, "", sites)
    report = check_plan(plan, reference)
    assert [v.code for v in report.violations] == ["ferry_not_scheduled"]
