"""Benchmark: the whole season (`salur demo`) as a newcomer runs it, timed end to end.

Each run is the real command in a fresh process on a fresh SQLite store in a temporary folder
(its own log keys, witness and `salur serve`). Reports the wall time (median of runs), the TPS
served and the handovers recorded, read back from the store, and whether two runs with the same
seed recorded exactly the same custody events (the SHA-256 of every event body; device
registrations included).

    .venv/bin/python benchmarks/season_riau.py                       # Riau (14) and 14.05
    .venv/bin/python benchmarks/season_riau.py --region 14.05 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent
from salur.db import make_engine
from salur.season.facts import read_facts

SALUR = str(Path(sys.executable).with_name("salur"))
GOALS = {"14": 600.0, "14.05": 60.0}


def one_run(region: str, seed: int) -> tuple[float, int, int, int, frozenset[str]]:
    """(seconds, TPS, TPS served, handovers, event body hashes) of one fresh run."""
    with tempfile.TemporaryDirectory(prefix="salur-season-") as folder:
        env = os.environ | {
            "SALUR_DATABASE_URL": f"sqlite:///{folder}/salur.sqlite",
            "SALUR_KEY_DIR": f"{folder}/keys",
        }
        started = time.perf_counter()
        done = subprocess.run(
            [SALUR, "demo", "--region", region, "--seed", str(seed), "--out", f"{folder}/out"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
        engine = make_engine(env["SALUR_DATABASE_URL"])
        with Session(engine) as s:
            facts = read_facts(s, region)
            handovers = s.scalar(
                select(func.count())
                .select_from(CustodyEvent)
                .where(CustodyEvent.kind == "handover")
            )
            hashes = frozenset(s.scalars(select(CustodyEvent.body_sha256)))
        engine.dispose()
        return seconds, facts.tps, facts.delivered, handovers or 0, hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", action="append", help="region code (repeatable)")
    parser.add_argument("--runs", type=int, default=2, help="runs per region (>= 2: determinism)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    regions = args.region or ["14.05", "14"]
    table = Table(title="salur season benchmark (salur demo, fresh SQLite store each run)")
    for header in ("region", "runs", "median s", "min-max s", "TPS served", "handovers",
                   "same events", "goal", "met"):  # fmt: skip
        table.add_column(header, justify="left" if header == "region" else "right")
    for region in regions:
        results = [one_run(region, args.seed) for _ in range(args.runs)]
        times = [r[0] for r in results]
        same = all(r[4] == results[0][4] for r in results)
        goal = GOALS.get(region)
        median = statistics.median(times)
        table.add_row(
            region,
            str(len(results)),
            f"{median:.1f}",
            f"{min(times):.1f}-{max(times):.1f}",
            f"{results[0][2]:,} / {results[0][1]:,}",
            f"{results[0][3]:,}",
            "yes" if same else "NO",
            f"<= {goal:.0f} s" if goal else "",
            "" if goal is None else ("yes" if median <= goal else "NO"),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
