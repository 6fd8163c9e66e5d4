"""Use cases: make a plan of a region (checked, then stored as a new version) and re-check one.

Services never commit: the caller (the CLI) commits only after the output files are staged, so
a failure anywhere leaves neither a stored plan nor half-written files.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salur.errors import NotFoundError, SalurError
from salur.norms.loader import DEFAULT_NORM, load_norm
from salur.planning import repository as repo
from salur.planning.check import CheckReport, Reference, check_plan
from salur.planning.completion import complete_for_region
from salur.planning.config import PlanningData, load_planning_data
from salur.planning.inputs import PlanningInputs
from salur.planning.osrm import OsrmSource
from salur.planning.params import PlanParams
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.snapshot import from_rows, to_rows
from salur.planning.summary import summarize
from salur.planning.travel import EstimateSource, MatrixSource, TravelSource
from salur.progress import Progress, Silent
from salur.uow import UnitOfWork


@dataclass(frozen=True)
class PlanRequest:
    """What `salur plan` asks for."""

    region: str
    seed: int = 0
    time_limit_s: float | None = None
    data_dir: Path | None = None
    matrix: Path | None = None
    norm: str = DEFAULT_NORM
    workers: int = 1
    dask_address: str | None = None  # a Dask scheduler: regency sub-problems fan out to it
    osrm_url: str | None = None  # an OSRM server for road distances and times


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    plan_id: int
    version: int
    summary: dict[str, Any]
    check: CheckReport
    data: PlanningData
    inputs: PlanningInputs


def make_plan(
    uow: UnitOfWork, request: PlanRequest, progress: Progress | None = None
) -> PlanOutcome:
    """Plan, check and add the plan to the session as the region's next version (no commit)."""
    progress = progress or Silent()
    data = load_planning_data(request.data_dir)
    completed = complete_for_region(load_region(uow, request.region, data, request.norm), data)
    inputs, data = completed.inputs, completed.data
    source = travel_source(request, data)
    params = PlanParams(seed=request.seed, time_limit_s=request.time_limit_s)
    with executor_for(request, len(inputs.regencies)) as executor:
        plan = plan_region(inputs, data, params, source, progress, executor, with_baseline=True)
    progress.phase("plan.phase.check", None)
    report = check_plan(plan, Reference.of(inputs, data))
    if not report.ok:
        first = report.violations[0]
        raise SalurError("plan.check_failed", count=len(report.violations), first=first.detail)
    summary = summarize(plan, data.schedule, plan.baseline)
    summary["source"] = source.name
    summary["defaults"] = completed.used.as_dict()
    version = repo.next_version(uow.session, request.region)
    created = dt.datetime.now(dt.UTC)
    summary["version"] = version
    summary["created_at"] = created.isoformat()
    head, rows = to_rows(plan, data.schedule, summary, version, created, request.time_limit_s)
    progress.phase("plan.phase.store", None)
    repo.add_plan(uow.session, head, rows)
    summary["plan_id"] = head.id
    return PlanOutcome(plan, head.id, version, summary, report, data, inputs)


def travel_source(request: PlanRequest, data: PlanningData) -> TravelSource:
    """The built-in estimate, an OSRM server for road legs, and a matrix file over either: the
    pairs the file names win, the rest come from OSRM (roads) or the estimate."""
    source: TravelSource = EstimateSource()
    if request.osrm_url:
        source = OsrmSource(request.osrm_url)
    if request.matrix:
        matrix = MatrixSource.read(request.matrix, data.modes)
        matrix.fallback = source
        matrix.name = f"matrix+{source.name}" if request.osrm_url else matrix.name
        source = matrix
    return source


@contextmanager
def executor_for(request: PlanRequest, tasks: int) -> Iterator[Executor | None]:
    """Where regency sub-problems run: a Dask cluster when an address is given (KPU RI planning
    all provinces), else local processes (`process_pool`)."""
    if request.dask_address:
        from distributed import Client

        with Client(request.dask_address) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()
        return
    with process_pool(request.workers, tasks) as pool:
        yield pool


@contextmanager
def process_pool(workers: int, tasks: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` processes (spawned: the parent may hold threads and connections),
    or None to plan in this process when one worker, or one regency, is enough."""
    if workers <= 1 or tasks <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, tasks), mp_context=context) as pool:
        yield pool


def load_region(
    uow: UnitOfWork, region: str, data: PlanningData, norm: str = DEFAULT_NORM
) -> PlanningInputs:
    """The region's places and kits, plus the villages ports borrow their points from."""
    port_villages = [p.village for p in data.waterways.ports if p.village]
    return repo.load_inputs(uow.session, region, load_norm(norm), port_villages)


def recheck(
    uow: UnitOfWork, plan_id: int, data_dir: Path | None = None
) -> tuple[Plan, CheckReport, bool]:
    """Re-verify a stored plan against the data; also say whether the data files still match."""
    head = repo.get_plan(uow.session, plan_id)
    if head is None:
        raise NotFoundError("plan.unknown", plan_id=plan_id)
    data = load_planning_data(data_dir)
    if head.voting_day != data.schedule.voting_day.isoformat():
        raise SalurError(
            "plan.other_voting_day",
            stored=head.voting_day,
            current=data.schedule.voting_day.isoformat(),
        )
    completed = complete_for_region(
        load_region(uow, head.region_code, data, head.norm_id or DEFAULT_NORM), data
    )
    inputs, data = completed.inputs, completed.data
    sites, routes, stops, issues = repo.plan_rows(uow.session, plan_id)
    plan = from_rows(
        head,
        sites,
        routes,
        stops,
        issues,
        data.schedule,
        tuple(sorted(k.tps for k in inputs.kits)),
        inputs.region_name,
    )
    return plan, check_plan(plan, Reference.of(inputs, data)), head.data_sha256 == data.sha256
