"""Behaviour of `salur.planning.routing.solve` on small problems whose best answer is known."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from salur.planning.routing import (
    NO_ARC,
    Client,
    Depot,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    TimeWindow,
    TravelProfile,
    UnassignedReason,
    VehicleType,
    as_matrix,
    route_distance,
    solve,
)

FAST = SolveParams(seed=7, time_limit_s=None, max_iterations=200)
DIMS = ("weight_g", "volume_cm3")


def line_profile(positions: list[int], name: str = "road", speed: int = 1) -> TravelProfile:
    """Travel along a line: distance |a - b|, duration distance // speed."""
    distance = np.abs(np.subtract.outer(positions, positions))
    return TravelProfile(as_matrix(distance), as_matrix(distance // speed), name)


def line_problem(
    clients: list[Client] | None = None,
    fleet: list[VehicleType] | None = None,
    positions: tuple[int, ...] = (0, 10, 20, 30, 40),
) -> RoutingProblem:
    """A depot at position 0 and, by default, four unit clients at 10, 20, 30 and 40."""
    return RoutingProblem(
        load_dimensions=DIMS,
        depots=(Depot(location=0, name="gudang"),),
        clients=tuple(clients or [Client(loc, (1, 1)) for loc in range(1, len(positions))]),
        vehicle_types=tuple(fleet or [VehicleType(count=1, capacity=(100, 100))]),
        profiles=(line_profile(list(positions)),),
    )


def served(solution: RoutingSolution) -> list[int]:
    """Sorted indices of the clients on some route."""
    return sorted(client for route in solution.routes for client in route.clients)


def test_four_clients_on_a_line_are_served_in_one_out_and_back_sweep() -> None:
    """With ample capacity the optimum is one route of length twice the farthest client."""
    solution = solve(line_problem(), FAST)

    assert solution.feasible
    assert solution.total_cost == 80
    assert len(solution.routes) == 1
    assert sorted(solution.routes[0].clients) == [0, 1, 2, 3]
    assert solution.routes[0].load == (4, 4)


def test_weight_capacity_splits_the_line_into_the_optimal_pair_of_routes() -> None:
    """Capacity two per vehicle: the optimum pairs near clients and far clients (40 + 80)."""
    fleet = [VehicleType(count=2, capacity=(2, 100))]
    solution = solve(line_problem(fleet=fleet), FAST)

    assert solution.feasible
    assert solution.total_cost == 120
    assert sorted(sorted(route.clients) for route in solution.routes) == [[0, 1], [2, 3]]


def test_volume_binds_when_weight_alone_would_fit() -> None:
    """Light but bulky kits: volume, not weight, decides how many fit on a vehicle."""
    clients = [Client(loc, demand=(1_000, 6_000)) for loc in range(1, 5)]
    fleet = [VehicleType(count=3, capacity=(100_000, 12_000))]
    solution = solve(line_problem(clients, fleet), FAST)

    assert solution.feasible
    assert solution.total_cost == 120
    for route in solution.routes:
        assert route.load[1] <= 12_000
        assert route.excess_load == (0, 0)
    assert len(solution.routes) == 2


def test_time_windows_are_respected_even_when_they_reverse_the_natural_order() -> None:
    """The far client comes before the near, late one; every service starts in its window."""
    windows = [TimeWindow(100, 200), TimeWindow(0, 1_000), TimeWindow(0, 1_000), TimeWindow(0, 45)]
    clients = [
        Client(loc, (1, 1), time_window=tw) for loc, tw in zip(range(1, 5), windows, strict=True)
    ]
    solution = solve(line_problem(clients), FAST)

    assert solution.feasible
    (route,) = solution.routes
    assert route.clients.index(3) < route.clients.index(0)
    assert route.distance == 80
    for trip in route.trips:
        for visit in trip.visits:
            window = windows[visit.client]
            assert window.early <= visit.service_start <= window.late
    assert route.time_warp == 0


def test_client_with_an_impossible_window_is_reported_unreachable_and_the_rest_planned() -> None:
    """A required client nobody can reach in time is unassigned, and the plan says infeasible."""
    clients = [Client(loc, (1, 1)) for loc in range(1, 4)]
    clients.append(Client(4, (1, 1), name="TPS 004", time_window=TimeWindow(0, 39)))
    solution = solve(line_problem(clients), FAST)

    assert served(solution) == [0, 1, 2]
    assert [(u.client, u.reason) for u in solution.unassigned] == [
        (3, UnassignedReason.UNREACHABLE)
    ]
    assert not solution.feasible


def test_a_client_reachable_in_time_only_through_another_stop_is_still_planned() -> None:
    """The unreachable pre-check uses shortest paths, so a slow direct arc does not hide a route."""
    travel = as_matrix([[0, 10, 100], [10, 0, 10], [100, 10, 0]])
    problem = RoutingProblem(
        load_dimensions=DIMS,
        depots=(Depot(0),),
        clients=(Client(1, (1, 1)), Client(2, (1, 1), time_window=TimeWindow(0, 50))),
        vehicle_types=(VehicleType(count=1, capacity=(9, 9)),),
        profiles=(TravelProfile(travel, travel),),
    )
    solution = solve(problem, FAST)

    assert solution.feasible
    assert solution.routes[0].clients == (0, 1)


def test_max_distance_makes_a_client_beyond_half_of_it_unreachable() -> None:
    """A client whose out-and-back exceeds every vehicle's max distance is set aside."""
    fleet = [VehicleType(count=4, capacity=(100, 100), max_distance=70)]
    solution = solve(line_problem(fleet=fleet), FAST)

    assert [u.client for u in solution.unassigned] == [3]
    assert all(route.distance <= 70 for route in solution.routes)


def test_optional_client_is_skipped_when_its_prize_does_not_pay_the_detour() -> None:
    """An optional client costs its prize when skipped; skipping it keeps the plan feasible."""
    clients = [Client(loc, (1, 1)) for loc in range(1, 4)]
    clients.append(Client(4, (1, 1), required=False, prize=5))
    solution = solve(line_problem(clients), FAST)

    assert solution.feasible
    assert [(u.client, u.reason) for u in solution.unassigned] == [
        (3, UnassignedReason.PRIZE_TOO_LOW)
    ]
    assert solution.total_cost == 60 + 5


def test_heterogeneous_fleet_picks_the_cheaper_vehicle_type() -> None:
    """Both types can do the job; the plan uses the one with lower fixed and distance cost."""
    fleet = [
        VehicleType(count=1, capacity=(100, 100), name="truk", fixed_cost=500, cost_per_distance=3),
        VehicleType(
            count=1, capacity=(100, 100), name="pikap", fixed_cost=100, cost_per_distance=2
        ),
    ]
    solution = solve(line_problem(fleet=fleet), FAST)

    (route,) = solution.routes
    assert route.vehicle_type == 1
    assert solution.total_cost == 100 + 2 * 80


def test_each_vehicle_type_travels_by_its_own_profile() -> None:
    """An island with no road is served by the boat type; road clients by the cheaper truck."""
    road = line_profile([0, 10, 20, 30])
    no_road = [list(row) for row in road.distance]
    for other in range(3):
        no_road[other][3] = no_road[3][other] = NO_ARC
    road = TravelProfile(as_matrix(no_road), as_matrix(no_road), "road")
    river = line_profile([0, 10, 20, 30], name="river", speed=2)
    problem = RoutingProblem(
        load_dimensions=DIMS,
        depots=(Depot(0),),
        clients=(Client(1, (1, 1)), Client(2, (1, 1)), Client(3, (1, 1), name="pulau")),
        vehicle_types=(
            VehicleType(count=1, capacity=(9, 9), name="truk", profile=0),
            VehicleType(count=1, capacity=(1, 9), name="speedboat", profile=1, fixed_cost=50),
        ),
        profiles=(road, river),
    )
    solution = solve(problem, FAST)

    assert solution.feasible
    by_type = {route.vehicle_type: route for route in solution.routes}
    assert by_type[1].clients == (2,)
    assert by_type[1].duration == 30
    assert sorted(by_type[0].clients) == [0, 1]


def test_reloads_let_one_vehicle_day_make_several_trips() -> None:
    """One small vehicle with a reload depot serves everyone in two trips within capacity."""
    depot_loading = 5
    fleet = [VehicleType(count=1, capacity=(2, 100), reload_depots=(0,), max_reloads=1)]
    problem = dataclasses.replace(
        line_problem(fleet=fleet), depots=(Depot(0, loading_duration=depot_loading),)
    )
    solution = solve(problem, FAST)

    assert solution.feasible
    (route,) = solution.routes
    assert len(route.trips) == 2
    assert all(
        trip.load[0] <= 2 and (trip.start_depot, trip.end_depot) == (0, 0) for trip in route.trips
    )
    assert sorted(route.clients) == [0, 1, 2, 3]
    assert route.distance == 120
    assert route.duration == 120 + 2 * depot_loading


def test_without_reloads_the_same_vehicle_cannot_serve_everyone() -> None:
    """Capacity forces a second trip; with no reload depot the plan is reported infeasible."""
    fleet = [VehicleType(count=1, capacity=(2, 100))]
    solution = solve(line_problem(fleet=fleet), FAST)

    assert not solution.feasible


def test_route_times_follow_the_shift_and_service_durations() -> None:
    """A route starts no earlier than its shift and ends at start plus its duration."""
    clients = [Client(loc, (1, 1), service_duration=3) for loc in range(1, 5)]
    fleet = [VehicleType(count=1, capacity=(100, 100), shift=TimeWindow(1_000, 2_000))]
    (route,) = solve(line_problem(clients, fleet), FAST).routes

    assert route.start_time >= 1_000
    assert route.end_time == route.start_time + route.duration
    assert route.duration == 80 + 4 * 3


def random_problem(seed: int, num_clients: int = 25) -> RoutingProblem:
    """A seeded problem with windows, two load dimensions and a two-type fleet."""
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 1_000, size=(num_clients + 1, 2))
    distance = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)))
    starts = rng.integers(0, 2_000, size=num_clients)
    clients = tuple(
        Client(
            idx + 1,
            (int(rng.integers(1, 20)), int(rng.integers(1, 20))),
            time_window=TimeWindow(int(start), int(start) + 1_500),
            service_duration=10,
        )
        for idx, start in enumerate(starts)
    )
    fleet = (
        VehicleType(count=5, capacity=(60, 50), fixed_cost=200),
        VehicleType(count=5, capacity=(30, 80), cost_per_distance=2),
    )
    matrix = as_matrix(distance.astype(np.int64))
    return RoutingProblem(DIMS, (Depot(0),), clients, fleet, (TravelProfile(matrix, matrix),))


def test_same_seed_gives_the_same_solution() -> None:
    """Iteration-bounded runs are reproducible: same problem and seed, identical plan."""
    problem = random_problem(seed=2024)
    params = SolveParams(seed=11, time_limit_s=None, max_iterations=300)

    assert solve(problem, params) == solve(problem, params)


def test_reported_costs_match_the_routes_they_describe() -> None:
    """Route distance, route cost and total cost agree with the matrices and the fleet prices."""
    problem = random_problem(seed=99)
    solution = solve(problem, SolveParams(seed=1, time_limit_s=None, max_iterations=300))

    assert solution.feasible
    for route in solution.routes:
        vtype = problem.vehicle_types[route.vehicle_type]
        assert route.distance == route_distance(problem, route.vehicle_type, route.clients)
        assert route.cost == vtype.fixed_cost + vtype.cost_per_distance * route.distance
    assert solution.total_cost == sum(route.cost for route in solution.routes)


@pytest.mark.parametrize(
    ("time_limit_s", "max_iterations", "message"),
    [(None, None, "needs time_limit_s or max_iterations"), (-1.0, None, "time_limit_s must be")],
)
def test_solve_params_need_a_sane_stopping_limit(
    time_limit_s: float | None, max_iterations: int | None, message: str
) -> None:
    """A search with no stopping limit, or a negative one, is refused up front."""
    with pytest.raises(ValueError, match=message):
        SolveParams(time_limit_s=time_limit_s, max_iterations=max_iterations)
