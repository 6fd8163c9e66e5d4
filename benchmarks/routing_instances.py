"""Benchmark salur's routing API against PyVRP called directly, on the published instances.

Shows that going through `salur.planning.routing` costs nothing in solution quality: each
instance in tests/data/vrp-instances is solved both ways with the same seed and limit, and the
gap to the best-known solution is printed side by side.

    .venv/bin/python benchmarks/routing_instances.py [--time-limit 10] [--seed 1]
    .venv/bin/python benchmarks/routing_instances.py --max-iterations 2000   # reproducible
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, StoppingCriterion
from rich.console import Console
from rich.table import Table

from salur.planning.instances import BenchmarkInstance, read_instance
from salur.planning.routing import SolveParams, solve

INSTANCES = Path(__file__).resolve().parents[1] / "tests" / "data" / "vrp-instances"


@dataclass(frozen=True)
class Run:
    """One solve: cost in instance units (inf when infeasible) and wall time including reading."""

    cost: float
    seconds: float


def via_api(path: Path, seed: int, time_limit: float | None, iterations: int | None) -> Run:
    """Read with salur.planning.instances and solve with salur.planning.routing.solve."""
    started = time.perf_counter()
    instance = read_instance(path)
    params = SolveParams(seed=seed, time_limit_s=time_limit, max_iterations=iterations)
    solution = solve(instance.problem, params)
    cost = instance.in_instance_units(solution.total_cost) if solution.feasible else float("inf")
    return Run(cost, time.perf_counter() - started)


def direct(path: Path, instance: BenchmarkInstance, seed: int, stop: StoppingCriterion) -> Run:
    """Read with pyvrp.read (same rounding rule) and solve with pyvrp.solve."""
    started = time.perf_counter()
    data = pyvrp.read(path, instance.rounding.value)
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    return Run(result.cost() / instance.rounding.scale, time.perf_counter() - started)


def gap(cost: float, best_known: float) -> str:
    """Percentage above the best-known cost."""
    return f"{100 * (cost - best_known) / best_known:.2f}"


def main() -> None:
    """Parse arguments, solve every instance both ways and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--max-iterations", type=int, default=None, help="instead of a time limit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    time_limit = None if args.max_iterations is not None else args.time_limit
    limit = f"{args.max_iterations} iterations" if time_limit is None else f"{time_limit:g} s"

    table = Table(title=f"Routing API vs PyVRP direct (seed {args.seed}, {limit} per solve)")
    for header in ("instance", "BKS", "API cost", "API gap %", "direct cost", "direct gap %"):
        table.add_column(header, justify="right" if header != "instance" else "left")
    table.add_column("API s", justify="right")
    table.add_column("direct s", justify="right")

    for path in sorted(INSTANCES.glob("*.vrp")):
        instance = read_instance(path)
        bks = instance.best_known_cost or float("nan")
        api = via_api(path, args.seed, time_limit, args.max_iterations)
        stop: StoppingCriterion = (
            MaxRuntime(time_limit) if time_limit is not None else MaxIterations(args.max_iterations)
        )
        ref = direct(path, instance, args.seed, stop)
        table.add_row(
            instance.name,
            f"{bks:g}",
            f"{api.cost:g}",
            gap(api.cost, bks),
            f"{ref.cost:g}",
            gap(ref.cost, bks),
            f"{api.seconds:.1f}",
            f"{ref.seconds:.1f}",
        )
    console = Console()
    console.width = max(console.width, 100)  # keep the table readable when piped
    console.print(table)


if __name__ == "__main__":
    main()
