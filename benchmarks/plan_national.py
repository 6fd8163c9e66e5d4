"""Benchmark (d): plan the whole country through Dask, with 1 and with 2 workers, as one table.

    .venv/bin/python benchmarks/plan_national.py [--workers 1 2] [--time-limit S]
        [--provinces 31 81] [--store var/bench-national.sqlite] [--seed 0] [--no-check]

The store is a cached SQLite file with `salur data load indonesia` (and Riau's own folder on
top, whose warehouses, landmasses and water data refine Riau) loaded; it is built on the first
run (about a minute) and reused. Every regency the planning files do not cover is planned with
the labelled defaults of `planning/data/defaults.toml`. For each worker count a Dask
LocalCluster of that many single-threaded worker processes plans every regency (the
`salur plan --dask ADDRESS` path); the table gives wall time of the planning (cluster start not
included), regencies, TPS, routes, vehicle-km, water legs, late and unservable TPS, and the
independent checker's verdict. ``--time-limit`` caps the search of each regency: its routing
problems keep their fixed iterations but stop at their share of the cap (without it, the fixed
iterations alone: reproducible, so 1 and 2 workers give the same plan, and slower, about 14 min
for one worker on a loaded 2-core machine). Not a test: figures vary with the machine and load.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from distributed import Client, LocalCluster
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from salur.db import make_engine, migrate
from salur.geo.models import Tps
from salur.geo.service import load_reference, resolve_folder
from salur.planning import models as _models  # noqa: F401  (registers the plan tables)
from salur.planning.check import Reference, check_plan
from salur.planning.completion import Completed, complete_for_region
from salur.planning.config import PlanningData, load_planning_data
from salur.planning.inputs import PlanningInputs
from salur.planning.params import PlanParams
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.service import load_region
from salur.uow import UnitOfWork

NATIONAL_TPS = 820_161
DEFAULT_STORE = Path(__file__).resolve().parent.parent / "var" / "bench-national.sqlite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--time-limit", type=float, default=None, help="cap on the search of each regency (s)"
    )
    parser.add_argument("--provinces", nargs="+", default=None, help="province codes (subset)")
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-check", action="store_true", help="skip the independent checker")
    args = parser.parse_args()
    console = Console(width=max(Console().width, 132))
    started = time.perf_counter()
    ensure_store(args.store, console)
    data = load_planning_data()
    completed = national_inputs(args.store, data, args.provinces)
    inputs = completed.inputs
    load_s = time.perf_counter() - started
    console.print(
        f"inputs: {len(inputs.regencies)} regencies, {len(inputs.kits):,} TPS "
        f"in {load_s:.0f} s; defaults used for {len(completed.used.depots)} depots, "
        f"{len(completed.used.fleet)} fleets, {len(completed.used.rosters)} rosters, "
        f"{len(completed.used.water_links)} water links"
    )
    params = PlanParams(seed=args.seed, regency_time_limit_s=args.time_limit)
    rows = []
    for workers in args.workers:
        plan, wall = plan_on_dask(inputs, completed.data, params, workers, console)
        checked = None
        if not args.no_check:
            check_started = time.perf_counter()
            checked = check_plan(plan, Reference.of(inputs, completed.data)).ok
            console.print(f"  checked in {time.perf_counter() - check_started:.0f} s")
        rows.append((workers, wall, plan, checked))
    print_table(console, args, inputs, rows)


def ensure_store(path: Path, console: Console) -> None:
    """The cached national store: built once (into a temporary file, renamed when complete)."""
    if path.is_file():
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(Tps))
        engine.dispose()
        if count == NATIONAL_TPS:
            return
        raise SystemExit(f"{path} holds {count} TPS, not {NATIONAL_TPS:,}: remove it to rebuild")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{partial}")
    migrate(engine)
    for folder in ("indonesia", "riau"):
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder(folder))
    engine.dispose()
    partial.rename(path)
    console.print(f"built {path} in {time.perf_counter() - started:.0f} s")


def national_inputs(store: Path, data: PlanningData, provinces: list[str] | None) -> Completed:
    """The whole country's (or the provinces') planning inputs, completed with the defaults."""
    engine = make_engine(f"sqlite:///{store}")
    with UnitOfWork(engine) as uow:
        if provinces:
            parts = [load_region(uow, code, data) for code in provinces]
            inputs = _merged(parts)
        else:
            inputs = load_region(uow, "", data)
    engine.dispose()
    return complete_for_region(inputs, data)


def _merged(parts: list[PlanningInputs]) -> PlanningInputs:
    ports = {v.code: v for p in parts for v in p.port_villages}
    return PlanningInputs(
        region="+".join(p.region for p in parts),
        region_name=", ".join(p.region_name for p in parts),
        regencies=tuple(r for p in parts for r in p.regencies),
        districts=tuple(d for p in parts for d in p.districts),
        villages=tuple(v for p in parts for v in p.villages),
        warehouses=tuple(w for p in parts for w in p.warehouses),
        kits=tuple(k for p in parts for k in p.kits),
        port_villages=tuple(ports[c] for c in sorted(ports)),
        norm_id=parts[0].norm_id,
    )


class Ticker:
    """Prints every 50th regency done with the time since the phase began (flushed at once)."""

    def __init__(self, console: Console) -> None:
        self.console, self.done, self.total, self.started = console, 0, 0, time.perf_counter()

    def phase(self, name: str, total: int | None = None) -> None:
        self.done, self.total, self.started = 0, total or 0, time.perf_counter()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.done % 50 == 0 or self.done == self.total:
            elapsed = time.perf_counter() - self.started
            self.console.print(f"    {self.done}/{self.total} regencies, {elapsed:.0f} s")
            self.console.file.flush()


def plan_on_dask(
    inputs: PlanningInputs, data: PlanningData, params: PlanParams, workers: int, console: Console
) -> tuple[Plan, float]:
    """Plan on a LocalCluster of ``workers`` processes; the wall time of planning alone."""
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
        ) as cluster,
        Client(cluster.scheduler_address) as client,  # type: ignore[no-untyped-call]
    ):
        started = time.perf_counter()
        ticker = Ticker(console)
        plan = plan_region(inputs, data, params, progress=ticker, executor=client.get_executor())
        wall = time.perf_counter() - started
    console.print(f"  {workers} worker(s): planned in {wall:.0f} s")
    return plan, wall


def print_table(
    console: Console,
    args: argparse.Namespace,
    inputs: PlanningInputs,
    rows: list[tuple[int, float, Plan, bool | None]],
) -> None:
    scope = "Indonesia" if not args.provinces else f"provinces {' '.join(args.provinces)}"
    limit = f"{args.time_limit:g} s per regency" if args.time_limit else "fixed iterations"
    table = Table(title=f"National plan through Dask: {scope}, {limit}, seed {args.seed}")
    columns = (
        "workers",
        "wall time (s)",
        "regencies",
        "TPS",
        "routes",
        "vehicle-km",
        "water legs",
        "late TPS",
        "unservable TPS",
        "check",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for workers, wall, plan, checked in rows:
        table.add_row(
            str(workers),
            f"{wall:,.0f}",
            f"{len(inputs.regencies):,}",
            f"{len(plan.tps):,}",
            f"{len(plan.routes):,}",
            f"{sum(r.distance_m for r in plan.routes) / 1000:,.0f}",
            f"{sum(r.water_legs for r in plan.routes):,}",
            f"{len({i.tps for i in plan.late}):,}",
            f"{len({i.tps for i in plan.unserved}):,}",
            "-" if checked is None else ("passed" if checked else "FAILED"),
        )
    console.print(table)
    if len(rows) > 1 and rows[0][1] > 0:
        console.print(f"speed-up {rows[0][0]} -> {rows[-1][0]} workers: ", end="")
        console.print(f"{rows[0][1] / rows[-1][1]:.2f}x")
    reasons = Counter(i.reason for i in rows[-1][2].issues)
    for reason, count in reasons.most_common():
        console.print(f"  {count:>7,} TPS  {reason}")


if __name__ == "__main__":
    main()
