"""Reading VRPLIB/Solomon instances into routing problems, checked against their published costs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvrp

from salur.planning.instances import Rounding, read_instance
from salur.planning.pyvrp_bridge import build_problem_data
from salur.planning.routing import SolveParams, TimeWindow, route_distance, solve

INSTANCES = Path(__file__).parents[2] / "data" / "vrp-instances"


@pytest.mark.parametrize(
    ("name", "scaled_cost"), [("X-n101-k25", 27_591), ("C101", 8_273), ("R101", 16_377)]
)
def test_best_known_routes_cost_exactly_the_published_value(name: str, scaled_cost: int) -> None:
    """Recomputing the .sol routes on the read matrices gives the published cost, scaled."""
    instance = read_instance(INSTANCES / f"{name}.vrp")

    recomputed = sum(route_distance(instance.problem, 0, r) for r in instance.best_known_routes)

    assert recomputed == scaled_cost
    assert instance.in_instance_units(recomputed) == instance.best_known_cost


def test_solomon_times_are_truncated_to_one_decimal_and_scaled_by_ten() -> None:
    """C101 follows the DIMACS rule: depot window 0-1236 and service 90 become 0-12360 and 900."""
    instance = read_instance(INSTANCES / "C101.vrp")
    problem = instance.problem

    assert instance.rounding is Rounding.DIMACS
    assert problem.vehicle_types[0].shift == TimeWindow(0, 12_360)
    assert problem.vehicle_types[0].count == 25
    assert {client.service_duration for client in problem.clients} == {900}
    # Depot (40, 50) to client 1 at (45, 68): sqrt(349) = 18.681..., truncated to 18.6.
    assert problem.profiles[0].distance[0][1] == 186


def test_x_instance_rounds_distances_to_the_nearest_integer() -> None:
    """CVRPLIB X uses nearest-integer Euclidean distances and one vehicle per client."""
    instance = read_instance(INSTANCES / "X-n101-k25.vrp")

    assert instance.rounding is Rounding.ROUND
    assert instance.rounding.apply([2.5, 2.4, 2.6]).tolist() == [2, 2, 3]
    assert instance.problem.vehicle_types[0].count == 100
    assert instance.problem.vehicle_types[0].capacity == (206,)


@pytest.mark.parametrize("name", ["C101", "X-n101-k25"])
def test_problem_reaches_pyvrp_exactly_as_pyvrp_read_would_build_it(name: str) -> None:
    """Same matrices, windows, services, demands and fleet as pyvrp.read with the same rule."""
    instance = read_instance(INSTANCES / f"{name}.vrp")
    ours = build_problem_data(instance.problem, tuple(range(len(instance.problem.clients))))
    theirs = pyvrp.read(INSTANCES / f"{name}.vrp", instance.rounding.value)

    assert np.array_equal(ours.distance_matrix(0), theirs.distance_matrix(0))
    assert np.array_equal(ours.duration_matrix(0), theirs.duration_matrix(0))
    for mine, ref in zip(ours.clients(), theirs.clients(), strict=True):
        assert (mine.location, mine.delivery, mine.service_duration) == (
            ref.location,
            ref.delivery,
            ref.service_duration,
        )
        assert (mine.tw_early, mine.tw_late) == (ref.tw_early, ref.tw_late)
    mine_vt, ref_vt = ours.vehicle_type(0), theirs.vehicle_type(0)
    assert (mine_vt.num_available, mine_vt.capacity) == (ref_vt.num_available, ref_vt.capacity)
    assert (mine_vt.tw_early, mine_vt.tw_late) == (ref_vt.tw_early, ref_vt.tw_late)


def test_solving_an_instance_reports_the_cost_of_the_routes_it_returns() -> None:
    """A short solve of C101 is feasible and its total cost is the distance of its routes."""
    instance = read_instance(INSTANCES / "C101.vrp")
    solution = solve(instance.problem, SolveParams(seed=1, time_limit_s=None, max_iterations=50))

    assert solution.feasible
    assert not solution.unassigned
    recomputed = sum(
        route_distance(instance.problem, route.vehicle_type, route.clients)
        for route in solution.routes
    )
    assert solution.total_cost == recomputed
    assert instance.in_instance_units(solution.total_cost) >= 827.3


TINY = """NAME : tiny
TYPE : CVRP
DIMENSION : 3
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
DEMAND_SECTION
1 0
2 4
3 5
DEPOT_SECTION
1
-1
EOF
"""


def test_instance_without_a_solution_file_has_no_best_known_cost(tmp_path: Path) -> None:
    """A lone .vrp reads fine; the best-known cost and routes are simply absent."""
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY)

    instance = read_instance(path)

    assert instance.best_known_cost is None
    assert instance.best_known_routes == ()
    assert instance.problem.profiles[0].distance[0] == (0, 5, 10)
    assert [client.demand for client in instance.problem.clients] == [(4,), (5,)]


def test_fields_outside_plain_cvrp_and_vrptw_are_refused(tmp_path: Path) -> None:
    """A backhaul section would change the problem, so reading it fails instead of dropping it."""
    path = tmp_path / "backhaul.vrp"
    path.write_text(TINY.replace("DEPOT_SECTION", "BACKHAUL_SECTION\n1 0\n2 0\n3 1\nDEPOT_SECTION"))

    with pytest.raises(ValueError, match=r"unsupported VRPLIB fields \['backhaul'\]"):
        read_instance(path)
