"""Fixtures of the planning integration tests: the planning data and Riau regencies' inputs."""

from __future__ import annotations

import pytest
from plan_helpers import FAST, inputs_of
from sqlalchemy import Engine

from salur.planning import models as _models  # noqa: F401  (registers the plan tables)
from salur.planning.config import PlanningData, load_planning_data
from salur.planning.inputs import PlanningInputs
from salur.planning.plan import Plan
from salur.planning.planner import plan_region


@pytest.fixture(scope="session")
def planning_data() -> PlanningData:
    return load_planning_data()


@pytest.fixture(scope="session")
def meranti_inputs(riau_store: Engine, planning_data: PlanningData) -> PlanningInputs:
    """Kepulauan Meranti (14.10): 677 TPS on five islands, the warehouse on Tebingtinggi."""
    return inputs_of(riau_store, "14.10", planning_data)


@pytest.fixture(scope="session")
def meranti_plan(meranti_inputs: PlanningInputs, planning_data: PlanningData) -> Plan:
    return plan_region(meranti_inputs, planning_data, FAST, with_baseline=True)
