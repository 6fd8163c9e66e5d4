"""Pelalawan: Kuala Kampar by truck and tidal boat, and remote-first dispatch from the data."""

from __future__ import annotations

import dataclasses
import statistics

import pytest
from plan_helpers import FAST, inputs_of
from sqlalchemy import Engine

from salur.planning.check import Reference, check_plan
from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.escorts import PolresRoster
from salur.planning.inputs import PlanningInputs
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.timetable import DAY

KUALA_KAMPAR = "14.05.10"


@pytest.fixture(scope="module")
def pelalawan(riau_store: Engine, planning_data: PlanningData) -> PlanningInputs:
    return inputs_of(riau_store, "14.05", planning_data)


@pytest.fixture(scope="module")
def pelalawan_plan(pelalawan: PlanningInputs, planning_data: PlanningData) -> Plan:
    return plan_region(pelalawan, planning_data, FAST)


def test_pelalawan_meets_every_deadline_and_passes_the_check(
    pelalawan_plan: Plan, pelalawan: PlanningInputs, planning_data: PlanningData
) -> None:
    """1,106 TPS, all on time, no broken rule."""
    assert len(pelalawan_plan.tps) == 1106 and pelalawan_plan.issues == ()
    report = check_plan(pelalawan_plan, Reference.of(pelalawan, planning_data))
    assert report.ok, report.violations[:5]


def test_kuala_kampar_kits_change_from_truck_to_boat_and_sail_on_the_tide(
    pelalawan_plan: Plan, planning_data: PlanningData
) -> None:
    """Trucks unload Kuala Kampar's kits at the Teluk Meranti jetty; boats leave in tide windows."""
    e1 = pelalawan_plan.routes_of(EchelonId.WAREHOUSE_PPK)
    trucked = {
        t
        for r in e1
        if r.mode == "truck"
        for s in r.stops
        if s.site == "P-TELUKMERANTI"
        for t in s.unloaded
    }
    boats = [r for r in e1 if r.base == "P-TELUKMERANTI"]
    shipped = {t for r in boats for s in r.stops if s.site == KUALA_KAMPAR for t in s.unloaded}
    kuala_kampar = {t for t in pelalawan_plan.tps if t.startswith("140510")}
    assert kuala_kampar <= trucked and kuala_kampar == shipped
    tide = planning_data.waterways.tides["TIDE-KAMPAR"]
    for route in boats:
        for before, stop in zip(route.stops, route.stops[1:], strict=False):
            if stop.leg_tide:
                assert tide.contains(before.depart), route.route_id


def test_remote_first_order_emerges_when_escorts_are_scarce(
    pelalawan: PlanningInputs, planning_data: PlanningData
) -> None:
    """With escorts for a few convoys a day, the water-bound loads leave before the road loads.

    No list of remote places is involved: the order follows from each tour's latest start
    (deadline minus its travel, including the boat leg still to come).
    """
    scarce = {**planning_data.roster, "14.05": PolresRoster("14.05", "Polres Pelalawan", 9, 600)}
    plan = plan_region(pelalawan, dataclasses.replace(planning_data, roster=scarce), FAST)
    warehouse_tours = [r for r in plan.routes_of(EchelonId.WAREHOUSE_PPK) if r.base == "14-S12"]
    water_bound = [
        r.stops[0].arrive // DAY
        for r in warehouse_tours
        if any(s.site == "P-TELUKMERANTI" and s.unloaded for s in r.stops)
    ]
    road_only = [
        r.stops[0].arrive // DAY
        for r in warehouse_tours
        if all(s.site != "P-TELUKMERANTI" for s in r.stops)
    ]
    assert len({r.stops[0].arrive // DAY for r in warehouse_tours}) > 2
    assert max(water_bound) <= statistics.median(road_only)
    assert min(water_bound) == min(road_only)
