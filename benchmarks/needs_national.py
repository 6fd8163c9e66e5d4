"""Benchmark: national needs for all 820,161 TPS, in memory and written to SQLite.

Goals (issue 2): in memory <= 5 s, written to SQLite <= 60 s, peak memory <= 2 GB.
Each run is a fresh process (so peak RSS is that run's own); the table shows the median.

    .venv/bin/python benchmarks/needs_national.py [--runs 3] [--database PATH]

The national reference data is loaded once into PATH (default var/bench-national.sqlite).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

GOALS = {"compute_s": 5.0, "write_s": 60.0, "peak_rss_mb": 2048.0}


def worker(database: Path) -> None:
    """One measured run: read TPS, compute in memory, write to SQLite; print JSON timings."""
    import datetime as dt

    from salur.db import make_engine, migrate
    from salur.needs import repository as repo
    from salur.needs.formula import compute
    from salur.needs.models import NeedsRun
    from salur.norms.loader import load_norm
    from salur.uow import UnitOfWork

    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    norm = load_norm("pemilu-2024")
    with UnitOfWork(engine) as uow:  # untimed: drop the previous run's 11 M rows first
        repo.replace_runs(uow.session, norm.norm.id, "")
        uow.commit()
    with UnitOfWork(engine) as uow:
        started = time.perf_counter()
        frame = repo.tps_frame(uow.session, "")
        spans = repo.district_spans(uow.session)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        needs = compute(repo.formula_input(frame), norm.norm, spans, region="")
        compute_s = time.perf_counter() - started
        started = time.perf_counter()
        run = NeedsRun(
            norm_id=norm.norm.id,
            norm_sha256=norm.sha256,
            region_code="",
            created_at=dt.datetime.now(dt.UTC),
            tps_count=len(frame),
            tps_estimated=len(frame),
        )
        rows = repo.store_needs(uow.session, run, needs, frame["tps_id"].to_numpy())
        uow.commit()
        write_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "tps": len(frame),
                "rows": rows,
                "read_s": read_s,
                "compute_s": compute_s,
                "write_s": write_s,
                "total_s": read_s + compute_s + write_s,
                "peak_rss_mb": peak,
            }
        )
    )


def prepare(database: Path, console: Console) -> None:
    from salur.db import make_engine, migrate
    from salur.geo.models import Tps
    from salur.geo.service import load_reference, resolve_folder
    from salur.uow import UnitOfWork

    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with UnitOfWork(engine) as uow:
        if uow.session.query(Tps).count() == 820_161:
            return
    console.print("Loading the national reference data once (about a minute) ...")
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("indonesia"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", type=Path, default=Path("var/bench-national.sqlite"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.database)
        return
    console = Console()
    args.database.parent.mkdir(parents=True, exist_ok=True)
    prepare(args.database, console)
    runs = []
    for i in range(args.runs):
        console.print(f"run {i + 1}/{args.runs} ...")
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "--database", str(args.database)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    table = Table(title=f"National needs: {runs[0]['tps']:,} TPS, {runs[0]['rows']:,} stored rows")
    for column in ("measure", "median", "min", "max", "goal", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    labels = {
        "read_s": "read TPS from SQLite (s)",
        "compute_s": "compute in memory (s)",
        "write_s": "write to SQLite, committed (s)",
        "total_s": "read + compute + write (s)",
        "peak_rss_mb": "peak memory (MB)",
    }
    for key, label in labels.items():
        values = [r[key] for r in runs]
        median = statistics.median(values)
        goal = GOALS.get(key)
        table.add_row(
            label,
            f"{median:.2f}",
            f"{min(values):.2f}",
            f"{max(values):.2f}",
            f"<= {goal:g}" if goal else "",
            ("yes" if median <= goal else "NO") if goal else "",
        )
    console.print(table)


if __name__ == "__main__":
    main()
