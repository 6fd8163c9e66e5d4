"""Regencies beyond Riau, loaded with `salur data load indonesia`, planned on the labelled
defaults: a Jakarta city, the island regency of Kepulauan Seribu and Kota Tual (Maluku), each
checked by the independent checker. The national load runs on SQLite only (about 20 s)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from plan_helpers import FAST
from sqlalchemy import Engine
from tests.conftest import new_engine

from salur.errors import SalurError
from salur.geo.service import load_reference, resolve_folder
from salur.planning.check import Reference, check_plan
from salur.planning.completion import Completed, complete_for_region
from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.service import PlanRequest, load_region, make_plan
from salur.uow import UnitOfWork

JAKARTA_PUSAT, KEP_SERIBU, TUAL = "31.71", "31.01", "81.72"


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    for engine in new_engine("sqlite", Path(tmp_path_factory.mktemp("national-plan"))):
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("indonesia"))
        yield engine


def completed(engine: Engine, region: str, data: PlanningData) -> Completed:
    with UnitOfWork(engine) as uow:
        return complete_for_region(load_region(uow, region, data), data)


def planned(engine: Engine, region: str, data: PlanningData) -> tuple[Completed, Plan]:
    done = completed(engine, region, data)
    plan = plan_region(done.inputs, done.data, FAST)
    report = check_plan(plan, Reference.of(done.inputs, done.data))
    assert report.ok, report.violations[:3]
    return done, plan


def test_jakarta_pusat_is_planned_by_road_from_a_default_depot(
    national: Engine, planning_data: PlanningData
) -> None:
    """A city of 3,129 TPS: every kit on time by road, from the seat-kelurahan depot, with the
    Mandau-ratio trucks and a default Polres roster; nothing unserved."""
    done, plan = planned(national, JAKARTA_PUSAT, planning_data)
    assert len(plan.tps) == 3129 and not plan.issues
    assert done.used.depots == done.used.fleet == done.used.rosters == (JAKARTA_PUSAT,)
    assert {r.base for r in plan.routes_of(EchelonId.WAREHOUSE_PPK)} == {"31.71-DEPOT"}
    assert sum(r.water_legs for r in plan.routes) == 0
    (trucks,) = [s for s in done.data.fleet.specs if s.regency == JAKARTA_PUSAT]
    assert trucks.count == 56  # ceil(3129 / 56.8)


def test_kepulauan_seribu_is_reached_island_by_island_over_default_crossings(
    national: Engine, planning_data: PlanningData
) -> None:
    """Six island kelurahan and no port data: the kits cross on the default boat links, which
    the plan names, and every TPS is served on time."""
    done, plan = planned(national, KEP_SERIBU, planning_data)
    assert len(plan.tps) == 88 and not plan.issues
    assert len(done.used.landmasses) == 6 and len(done.used.water_links) == 5
    crossings = {
        s.leg_link for r in plan.routes for s in r.stops if s.leg_kind == "boat" and s.leg_link
    }
    assert crossings and crossings <= set(done.used.water_links)
    delivered = {
        t[:10] for r in plan.routes_of(EchelonId.PPK_PPS) for s in r.stops for t in s.unloaded
    }
    assert len(delivered) == 6  # every kelurahan's kits reach its PPS


def test_tual_sends_its_outer_islands_by_boat_and_dullah_by_road(
    national: Engine, planning_data: PlanningData
) -> None:
    """Kota Tual: Pulau Dullah by road; Tayando and the Kur islands (landmass_defaults.csv) over
    default crossings; every TPS on time."""
    done, plan = planned(national, TUAL, planning_data)
    assert not plan.issues
    assert len(done.used.water_links) == 2
    island_kits = {
        t
        for r in plan.routes
        if r.water_legs
        for s in r.stops
        for t in (*s.loaded, *s.unloaded)
        if t[:6] in ("817203", "817204", "817205")
    }
    assert island_kits == {t for t in plan.tps if t[:6] in ("817203", "817204", "817205")}


def test_with_water_defaults_off_the_other_islands_are_named_unservable(
    national: Engine, planning_data: PlanningData
) -> None:
    """link = false: only the depot's island is served; every other TPS of Kepulauan Seribu is
    named with the reason (no road or water path) and the plan still checks."""
    assert planning_data.defaults is not None
    rules = dataclasses.replace(planning_data.defaults, water_links=False)
    data = dataclasses.replace(planning_data, defaults=rules)
    done, plan = planned(national, KEP_SERIBU, data)
    depot_island = done.data.depots[KEP_SERIBU].village.replace(".", "")
    unserved = {i.tps for i in plan.unserved}
    assert unserved == {t for t in plan.tps if not t.startswith(depot_island)}
    assert unserved and {i.reason for i in plan.unserved} == {"plan.reason.no_path"}
    assert plan.late == []


def test_with_defaults_disabled_a_regency_without_rows_is_refused(
    national: Engine, planning_data: PlanningData
) -> None:
    """enabled = false: a regency outside the files stops the plan with a clear error."""
    assert planning_data.defaults is not None
    rules = dataclasses.replace(planning_data.defaults, enabled=False)
    done = completed(national, TUAL, dataclasses.replace(planning_data, defaults=rules))
    with pytest.raises(SalurError) as caught:
        plan_region(done.inputs, done.data, FAST)
    assert caught.value.key == "plan.no_roster" and TUAL in str(caught.value)


def test_salur_plan_of_a_regency_beyond_riau_stores_it_and_lists_its_defaults(
    national: Engine,
) -> None:
    """The use case behind `salur plan --region 31.01`: planned, checked, stored; the summary
    says which defaults were used."""
    with UnitOfWork(national) as uow:
        outcome = make_plan(uow, PlanRequest(KEP_SERIBU, seed=2))
        uow.commit()
    summary = outcome.summary
    assert summary["tps"] == summary["tps_on_time"] == 88
    assert summary["defaults"]["depot"] == [KEP_SERIBU]
    assert len(summary["defaults"]["water_link"]) == 5
    assert outcome.check.ok and summary["water_legs"] > 0


def test_riau_uses_no_default(riau_store: Engine, planning_data: PlanningData) -> None:
    """Every Riau regency has its own depot, fleet and roster rows and its islands their ports:
    completing Riau changes nothing, so its plan is the same as before the defaults existed."""
    with UnitOfWork(riau_store) as uow:
        inputs = load_region(uow, "14", planning_data)
    done = complete_for_region(inputs, planning_data)
    assert not done.used.any
    assert done.inputs == inputs and done.data == planning_data
