"""Stored plans of single Riau regencies, made with a short reproducible search (a few seconds
each), for the risk and re-planning tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from salur.planning import repository as repo
from salur.planning.check import Reference, check_plan
from salur.planning.config import load_planning_data
from salur.planning.params import PlanParams
from salur.planning.planner import plan_region
from salur.planning.service import load_region
from salur.planning.snapshot import to_rows
from salur.planning.summary import summarize
from salur.uow import UnitOfWork

FAST = PlanParams(seed=3, iterations_per_client=10, min_iterations=50, max_iterations=400)


def store_plan(engine: Engine, region: str, params: PlanParams = FAST) -> int:
    """Plan ``region``, check it and store it as its next version; the plan's id."""
    data = load_planning_data()
    with UnitOfWork(engine) as uow:
        inputs = load_region(uow, region, data)
        plan = plan_region(inputs, data, params)
        report = check_plan(plan, Reference.of(inputs, data))
        assert report.ok, report.violations[:3]
        summary = summarize(plan, data.schedule)
        version = repo.next_version(uow.session, region)
        head, rows = to_rows(plan, data.schedule, summary, version, dt.datetime.now(dt.UTC), None)
        repo.add_plan(uow.session, head, rows)
        uow.commit()
        return head.id
