"""Benchmark: plan the whole of Riau and compare with direct dispatch, printed as one table.

    .venv/bin/python benchmarks/plan_riau.py [--region 14] [--repeat 3] [--workers 2]

Measures (medians over the repeats): wall time of the planner (routing and scheduling of every
regency), wall time of the whole `salur plan` use case (plan, check, baseline, store in a fresh
SQLite store, write every output file), and the plan's vehicles and vehicle-km against the
direct-dispatch baseline (a dedicated trip per PPK, per PPS and per TPS). Goals: <= 60 s on a
2-core machine, >= 25% fewer vehicle-km. Not a test: numbers vary with the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from rich.console import Console
from rich.table import Table

from salur.db import make_engine, migrate
from salur.geo.service import load_reference, resolve_folder
from salur.planning import models as _models  # noqa: F401  (registers the plan tables)
from salur.planning.check import Reference, check_plan
from salur.planning.config import load_planning_data
from salur.planning.outputs import stage_outputs
from salur.planning.params import PlanParams
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.service import PlanRequest, load_region, make_plan
from salur.uow import UnitOfWork


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="14")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        migrate(engine)
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("riau"))
        data = load_planning_data()
        with UnitOfWork(engine) as uow:
            inputs = load_region(uow, args.region, data)
        plan_times, e2e_times = [], []
        plan = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
                plan = plan_region(
                    inputs, data, PlanParams(seed=args.seed), executor=pool, with_baseline=True
                )
            plan_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            with UnitOfWork(engine) as uow:
                outcome = make_plan(uow, PlanRequest(args.region, args.seed, workers=args.workers))
                staged = stage_outputs(
                    outcome.plan,
                    outcome.summary,
                    data.schedule,
                    data.modes,
                    {k.tps: k.weight_g for k in inputs.kits},
                    Path(tmp) / "out",
                )
                uow.commit()
                staged.publish()
            e2e_times.append(time.perf_counter() - started)
        assert plan is not None and plan.baseline is not None
        report = check_plan(plan, Reference.of(inputs, data))
    _print(console, args, plan, report.ok, plan_times, e2e_times)


def _print(
    console: Console,
    args: argparse.Namespace,
    plan: Plan,
    checked: bool,
    plan_times: list[float],
    e2e_times: list[float],
) -> None:
    baseline = plan.baseline
    assert baseline is not None
    km = sum(r.distance_m for r in plan.routes) / 1000
    late = {i.tps for i in plan.issues}
    table = Table(
        title=f"salur plan --region {args.region}: {len(plan.tps):,} TPS, "
        f"{args.workers} workers, {args.repeat} runs"
    )
    for column in ("measure", "value", "goal"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row("planner wall time, median (s)", f"{statistics.median(plan_times):.1f}", "")
    table.add_row(
        "salur plan end to end, median (s)", f"{statistics.median(e2e_times):.1f}", "<= 60"
    )
    table.add_row("runs (s)", " ".join(f"{t:.1f}" for t in e2e_times), "")
    table.add_row("vehicles (distinct units)", f"{len({r.unit for r in plan.routes}):,}", "")
    table.add_row("routes", f"{len(plan.routes):,}", "")
    table.add_row("vehicle-km", f"{km:,.0f}", "")
    table.add_row("baseline vehicle-km (direct dispatch)", f"{baseline.total_km:,.0f}", "")
    table.add_row("baseline trips (= vehicles)", f"{baseline.total_trips:,}", "")
    table.add_row("vehicle-km saved", f"{100 * (1 - km / baseline.total_km):.1f}%", ">= 25%")
    for echelon, base_km in baseline.vehicle_km.items():
        plan_km = sum(r.distance_m for r in plan.routes_of(echelon)) / 1000
        table.add_row(
            f"  {echelon.value}: plan / baseline km", f"{plan_km:,.0f} / {base_km:,.0f}", ""
        )
    table.add_row("water legs", f"{sum(r.water_legs for r in plan.routes):,}", "")
    table.add_row("TPS on time", f"{len(plan.tps) - len(late):,} / {len(plan.tps):,}", "all")
    table.add_row("independent check", "passed" if checked else "FAILED", "passed")
    console.print(table)


if __name__ == "__main__":
    main()
