"""Kepulauan Meranti planned end to end: islands by boat, every TPS by H-1, checked, repeatable."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from plan_helpers import FAST
from sqlalchemy import Engine

from salur.planning.check import Reference, check_plan
from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.inputs import PlanningInputs
from salur.planning.plan import Plan
from salur.planning.planner import plan_region

ISLAND_PPK = {"14.10.02", "14.10.03", "14.10.05", "14.10.06", "14.10.08", "14.10.09"}
TEBINGTINGGI_PPK = {"14.10.01", "14.10.04", "14.10.07"}


def kits_with_water_leg(plan: Plan, echelon: EchelonId) -> set[str]:
    return {
        tps
        for route in plan.routes_of(echelon)
        if route.water_legs
        for stop in route.stops
        for tps in stop.unloaded
    }


def test_every_meranti_tps_meets_h1_and_the_independent_check_passes(
    meranti_plan: Plan, meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """677 kits, no issue, and the checker finds no broken rule."""
    assert len(meranti_plan.tps) == 677
    assert meranti_plan.issues == ()
    report = check_plan(meranti_plan, Reference.of(meranti_inputs, planning_data))
    assert report.ok, report.violations[:5]
    assert report.kits_checked == 677


def test_island_kecamatan_get_their_kits_over_water_and_tebingtinggi_by_road(
    meranti_plan: Plan,
) -> None:
    """Every kit for a PPK on Rangsang, Padang or Merbau crosses water; Tebingtinggi's do not."""
    by_boat = kits_with_water_leg(meranti_plan, EchelonId.WAREHOUSE_PPK)
    for tps in meranti_plan.tps:
        ppk = f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}"
        assert (tps in by_boat) == (ppk in ISLAND_PPK), tps
    boat_routes = [r for r in meranti_plan.routes_of(EchelonId.WAREHOUSE_PPK) if r.water_legs]
    assert {r.base for r in boat_routes} == {"P-SELATPANJANG"}


def test_topang_island_is_served_by_boat_from_its_ppk(meranti_plan: Plan) -> None:
    """Pulau Topang's desa (14.10.03.2007) gets its kits by boat from PPK Rangsang."""
    (route,) = [
        r
        for r in meranti_plan.routes_of(EchelonId.PPK_PPS)
        if any(s.site == "14.10.03.2007" and s.unloaded for s in r.stops)
    ]
    assert route.base == "14.10.03"
    assert route.mode == "pompong" and route.water_legs


def test_the_same_seed_gives_the_same_plan(
    meranti_plan: Plan, meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """A second run with the same seed and iteration budget reproduces every route and time."""
    again = plan_region(meranti_inputs, planning_data, FAST)
    assert again.content() == meranti_plan.content()


def test_the_plan_drives_fewer_km_than_direct_dispatch(meranti_plan: Plan) -> None:
    """Routing and rounds save at least a quarter of the vehicle-km of dedicated trips."""
    assert meranti_plan.baseline is not None
    km = sum(r.distance_m for r in meranti_plan.routes) / 1000
    assert km <= 0.75 * meranti_plan.baseline.total_km


def test_every_convoy_has_an_escort_within_the_polres_roster(
    meranti_plan: Plan, planning_data: PlanningData
) -> None:
    """No route leaves without officers; daily use stays within Polres Kepulauan Meranti's."""
    assert all(route.escort >= 1 for route in meranti_plan.routes)
    roster = planning_data.roster["14.10"]
    per_day: dict[int, int] = {}
    for route in meranti_plan.routes:
        if route.echelon != EchelonId.PPS_TPS:
            for day in range(route.stops[0].arrive // 86_400, route.stops[-1].arrive // 86_400 + 1):
                per_day[day] = per_day.get(day, 0) + route.escort
    assert max(per_day.values()) <= roster.escort_per_day


def test_a_plan_made_in_worker_processes_is_the_same_plan(
    meranti_plan: Plan,
    meranti_inputs: PlanningInputs,
    planning_data: PlanningData,
    riau_store: Engine,
) -> None:
    """Regency tasks travel to another process and back without changing a route."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        again = plan_region(meranti_inputs, planning_data, FAST, executor=pool)
    assert again.content() == meranti_plan.content()
