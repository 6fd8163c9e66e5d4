"""Bad input gets a clear error, or a plan naming exactly which TPS cannot be served and why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from plan_helpers import FAST

from salur.errors import InputError, SalurError
from salur.planning.check import Reference, check_plan
from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.fleet import Fleet
from salur.planning.inputs import PlanningInputs
from salur.planning.planner import plan_region
from salur.planning.travel import MatrixSource

SELATPANJANG_KOTA = "14.10.01.1001"


def test_a_desa_without_coordinates_leaves_only_its_tps_unserved(
    meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """The 34 TPS of Kel. Selatpanjang Kota are named with the reason; the rest are planned."""
    villages = tuple(
        dataclasses.replace(v, lat=None, lon=None) if v.code == SELATPANJANG_KOTA else v
        for v in meranti_inputs.villages
    )
    inputs = dataclasses.replace(meranti_inputs, villages=villages)
    plan = plan_region(inputs, planning_data, FAST)
    named = {i.tps for i in plan.unserved}
    assert named == {t for t in plan.tps if t.startswith("1410011001")} and len(named) == 34
    assert {(i.reason, dict(i.params)["site"]) for i in plan.unserved} == {
        ("plan.reason.village_without_point", SELATPANJANG_KOTA)
    }
    assert plan.late == []
    assert check_plan(plan, Reference.of(inputs, planning_data)).ok


def test_a_warehouse_without_coordinates_and_no_proxy_names_every_tps(
    meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """Without a point for the KPU warehouse nothing can leave it: each TPS says why."""
    warehouses = tuple(
        dataclasses.replace(w, lat=None, lon=None) for w in meranti_inputs.warehouses
    )
    inputs = dataclasses.replace(meranti_inputs, warehouses=warehouses)
    plan = plan_region(inputs, planning_data, FAST)
    assert plan.routes == ()
    assert {i.reason for i in plan.issues} == {"plan.reason.warehouse_without_point"}
    assert len(plan.unserved) == 677


def test_an_infeasible_fleet_names_the_tps_it_cannot_carry(
    meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """One warehouse truck and no hire cannot move 677 kits in the window: some TPS are named."""
    small = tuple(
        dataclasses.replace(s, count=1) if s.base == "warehouse" and s.regency == "14.10" else s
        for s in planning_data.fleet.specs
        if not (s.base == "warehouse" and s.hired)
    )
    data = dataclasses.replace(planning_data, fleet=Fleet(small))
    plan = plan_region(meranti_inputs, data, FAST)
    assert plan.unserved
    assert {(i.echelon, i.reason) for i in plan.unserved} == {
        (EchelonId.WAREHOUSE_PPK, "plan.reason.fleet_too_small")
    }
    assert all(dict(i.params)["site"] == "14-S05" for i in plan.unserved)
    assert check_plan(plan, Reference.of(meranti_inputs, data)).ok


def test_a_travel_matrix_with_a_hole_is_refused_naming_the_pair(
    meranti_inputs: PlanningInputs, planning_data: PlanningData, tmp_path: Path
) -> None:
    """The file covers the warehouse and two PPK but forgets one direction of one pair."""
    matrix = tmp_path / "matrix.csv"
    rows = ["from_code,to_code,mode,distance_km,duration_min"]
    places = ["14-S05", "14.10.01", "14.10.04"]
    for a in places:
        for b in places:
            if a != b and (a, b) != ("14.10.04", "14.10.01"):
                rows.append(f"{a},{b},truck,20,45")
    matrix.write_text("\n".join(rows) + "\n")
    source = MatrixSource.read(matrix, planning_data.modes)
    with pytest.raises(SalurError) as caught:
        plan_region(meranti_inputs, planning_data, FAST, source=source)
    assert caught.value.key == "plan.matrix_holes"
    assert "14.10.04 -> 14.10.01" in str(caught.value)


def test_a_matrix_row_without_a_duration_is_refused_at_its_row(
    planning_data: PlanningData, tmp_path: Path
) -> None:
    """An empty duration is named by file, row and column, before any planning."""
    matrix = tmp_path / "matrix.csv"
    matrix.write_text(
        "from_code,to_code,mode,distance_km,duration_min\n"
        "14-S05,14.10.01,truck,20,45\n14.10.01,14-S05,truck,20,\n"
    )
    with pytest.raises(InputError) as caught:
        MatrixSource.read(matrix, planning_data.modes)
    assert (caught.value.row, caught.value.column) == (3, "duration_min")


def test_a_regency_without_a_polres_roster_is_refused(
    meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """Every convoy needs an escort, so a missing roster stops the plan with a clear message."""
    roster = {k: v for k, v in planning_data.roster.items() if k != "14.10"}
    with pytest.raises(SalurError) as caught:
        plan_region(meranti_inputs, dataclasses.replace(planning_data, roster=roster), FAST)
    assert caught.value.key == "plan.no_roster" and "14.10" in str(caught.value)
