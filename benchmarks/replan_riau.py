"""Benchmark: repair a Riau plan around the three disruptions of 2024, and simulate its risk.

    .venv/bin/python benchmarks/replan_riau.py [--region 14] [--repeat 3] [--draws 2000]

Plans the region once in a fresh SQLite store (the whole province by default, as the season
does), then repairs it ``--repeat`` times for each case, every repair checked by the
independent checker and stored as a new version: a boat aground on the way to Kuala Kampar
(Pelalawan), the road into Rantau Kasih cut in Kampar Kiri Hilir (Kampar, with and without the
villagers' pompong), and a day of cancelled Dumai - Rupat ferries (Bengkalis). Prints the
median and worst wall time of the `replan` use case per case (goal: <= 30 s), then the Monte
Carlo of the plan (draws, seconds to simulate, seconds to measure the remedies). Not a test:
numbers vary with the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from salur.db import make_engine, migrate
from salur.geo.service import load_reference, resolve_folder
from salur.planning.config import load_planning_data
from salur.planning.echelons import EchelonId
from salur.planning.plan import Plan
from salur.planning.replan import ReplanOutcome, replan
from salur.planning.service import PlanRequest, make_plan
from salur.planning.timetable import DAY
from salur.risk.service import assess_plan
from salur.uow import UnitOfWork

GOAL_S = 30.0
HOUR = 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--region", default="14")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=2000)
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        migrate(engine)
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("riau"))
        started = time.perf_counter()
        with UnitOfWork(engine) as uow:
            outcome = make_plan(uow, PlanRequest(args.region, workers=args.workers))
            uow.commit()
        console.print(f"planned {args.region} in {time.perf_counter() - started:.1f} s")
        rows = [
            _case(engine, outcome.plan_id, name, build(outcome.plan), args.repeat)
            for name, build in CASES.items()
        ]
        _print_replans(console, rows)
        _print_risk(console, engine, outcome.plan_id, args.draws)


def _case(
    engine: Any, plan_id: int, name: str, disruptions: dict[str, Any], repeat: int
) -> dict[str, Any]:
    times: list[float] = []
    last: ReplanOutcome | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        with UnitOfWork(engine) as uow:
            last = replan(uow, plan_id, disruptions)
            uow.commit()
        times.append(time.perf_counter() - started)
    assert last is not None
    counts: dict[str, int] = next(iter(last.summary["replan"]["regencies"].values()), {})
    return {
        "case": name,
        "regency": ", ".join(last.summary["replan"]["regencies"]) or "-",
        "kits": counts.get("kits_replanned", 0),
        "changed": sum(counts.get(k, 0) for k in ("routes_cut_short", "routes_retimed")),
        "dropped": counts.get("routes_dropped", 0),
        "new": counts.get("routes_new", 0),
        "unserved": last.summary["tps_unserved"],
        "ok": last.check.ok,
        "median": statistics.median(times),
        "max": max(times),
    }


def _label(t: int) -> str:
    return load_planning_data().schedule.local_label(t)


def _aground(plan: Plan) -> dict[str, Any]:
    boat = min(
        (
            r
            for r in plan.routes
            if r.echelon == EchelonId.WAREHOUSE_PPK
            and r.base == "P-TELUKMERANTI"
            and any(s.site == "14.05.10" and s.unloaded for s in r.stops)
        ),
        key=lambda r: (r.depart, r.route_id),
    )
    at = boat.depart + 2 * HOUR
    return {"at": _label(at), "vehicle_down": [{"unit": boat.unit, "from": _label(at - HOUR)}]}


def _road_cut(crossing: bool) -> Callable[[Plan], dict[str, Any]]:
    def build(plan: Plan) -> dict[str, Any]:
        for route in sorted(plan.routes, key=lambda r: (r.depart, r.route_id)):
            for j, stop in enumerate(route.stops):
                if route.echelon == EchelonId.PPK_PPS and stop.site == "14.01.08.2005":
                    at = route.stops[j - 1].depart - 60 if j > 1 else route.depart + 60
                    out: dict[str, Any] = {
                        "at": _label(at),
                        "road_closed": [
                            {"site": "14.01.08.2005", "from": _label(route.stops[0].arrive)}
                        ],
                    }
                    if crossing:
                        out["crossing"] = [
                            {"id": "X-RANTAUKASIH", "between": ["14.01.08", "14.01.08.2005"]}
                        ]
                    return out
        raise SystemExit("no route to Rantau Kasih in the plan")

    return build


def _ferry(plan: Plan) -> dict[str, Any]:
    truck, j = min(
        (
            (r, j)
            for r in plan.routes
            for j, s in enumerate(r.stops)
            if s.leg_link == "L-DUMAI-RUPAT" and r.echelon == EchelonId.WAREHOUSE_PPK
        ),
        key=lambda c: (c[0].depart, c[1]),
    )
    at = truck.depart + 60
    until = truck.stops[j - 1].depart + DAY
    return {
        "at": _label(at),
        "ferry_cancelled": [{"link": "L-DUMAI-RUPAT", "from": _label(at), "until": _label(until)}],
    }


CASES: dict[str, Callable[[Plan], dict[str, Any]]] = {
    "Boat aground, Kuala Kampar": _aground,
    "Road cut, Rantau Kasih": _road_cut(False),
    "Road cut + pompong": _road_cut(True),
    "Rupat ferry cancelled": _ferry,
}


def _print_replans(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"salur replan (goal <= {GOAL_S:.0f} s per repair)")
    for column in (
        "case",
        "regency",
        "kits re-planned",
        "cut/re-timed",
        "given up",
        "new routes",
        "TPS unserved",
        "checker",
        "median s",
        "max s",
    ):
        table.add_column(column, justify="left" if column in ("case", "regency") else "right")
    for row in rows:
        table.add_row(
            row["case"],
            row["regency"],
            str(row["kits"]),
            str(row["changed"]),
            str(row["dropped"]),
            str(row["new"]),
            str(row["unserved"]),
            "ok" if row["ok"] else "FAILED",
            f"{row['median']:.2f}",
            f"{row['max']:.2f}" + ("" if row["max"] <= GOAL_S else " !"),
        )
    console.print(table)


def _print_risk(console: Console, engine: Any, plan_id: int, draws: int) -> None:
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        assessment = assess_plan(uow.session, plan_id, seed=0, draws=draws)
    total = time.perf_counter() - started
    table = Table(title="salur risk (Monte Carlo of the plan)")
    for column in ("TPS", "draws", "simulate s", "remedies", "remedies s", "total s"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(assessment.tps)),
        str(draws),
        f"{assessment.simulate_seconds:.1f}",
        str(len(assessment.recommendations)),
        f"{assessment.recommend_seconds:.1f}",
        f"{total:.1f}",
    )
    console.print(table)


if __name__ == "__main__":
    main()
