"""Helpers shared by the planning integration tests."""

from __future__ import annotations

from sqlalchemy import Engine

from salur.planning.config import PlanningData
from salur.planning.inputs import PlanningInputs
from salur.planning.params import PlanParams
from salur.planning.service import load_region
from salur.uow import UnitOfWork

FAST = PlanParams(seed=3, iterations_per_client=10, min_iterations=50, max_iterations=400)
"""A short, reproducible search: enough for feasible plans of a small regency."""


def inputs_of(engine: Engine, region: str, data: PlanningData) -> PlanningInputs:
    """A region's planning inputs read from ``engine``."""
    with UnitOfWork(engine) as uow:
        return load_region(uow, region, data)
