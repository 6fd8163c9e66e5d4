"""Translates a validated `routing.RoutingProblem` into PyVRP's `ProblemData`, field by field.

Kept apart from `routing` so the only place that knows PyVRP's parameter names is this file and
the solution reader; a PyVRP upgrade that renames a field touches nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyvrp
from pyvrp.constants import MAX_SIZE

if TYPE_CHECKING:
    from salur.planning.routing import Client, Depot, RoutingProblem, VehicleType


def build_problem_data(problem: RoutingProblem, clients: tuple[int, ...]) -> pyvrp.ProblemData:
    """PyVRP data for ``problem`` restricted to the given client indices (kept in that order).

    Coordinates are not part of a `RoutingProblem`; PyVRP 0.14 searches on the matrices alone,
    so every location is placed at the origin.
    """
    # PyVRP's stubs spell the matrix type as ndarray[int]; any int64 2-D array is what it takes.
    distances: list[Any] = [np.asarray(p.distance, dtype=np.int64) for p in problem.profiles]
    durations: list[Any] = [np.asarray(p.duration, dtype=np.int64) for p in problem.profiles]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(x=0, y=0) for _ in range(problem.num_locations)],
        clients=[_client(problem.clients[idx]) for idx in clients],
        depots=[_depot(depot) for depot in problem.depots],
        vehicle_types=[_vehicle_type(vtype) for vtype in problem.vehicle_types],
        distance_matrices=distances,
        duration_matrices=durations,
    )


def _depot(depot: Depot) -> pyvrp.Depot:
    return pyvrp.Depot(
        location=depot.location, service_duration=depot.loading_duration, name=depot.name
    )


def _client(client: Client) -> pyvrp.Client:
    return pyvrp.Client(
        location=client.location,
        delivery=list(client.demand),
        service_duration=client.service_duration,
        tw_early=client.time_window.early,
        tw_late=client.time_window.late,
        prize=client.prize,
        required=client.required,
        name=client.name,
    )


def _vehicle_type(vtype: VehicleType) -> pyvrp.VehicleType:
    return pyvrp.VehicleType(
        num_available=vtype.count,
        capacity=list(vtype.capacity),
        start_depot=vtype.start_depot,
        end_depot=vtype.return_depot,
        fixed_cost=vtype.fixed_cost,
        tw_early=vtype.shift.early,
        tw_late=vtype.shift.late,
        # With no overtime allowed, PyVRP's nominal shift duration is a hard maximum.
        shift_duration=vtype.max_duration,
        max_distance=vtype.max_distance,
        unit_distance_cost=vtype.cost_per_distance,
        unit_duration_cost=vtype.cost_per_duration,
        profile=vtype.profile,
        reload_depots=list(vtype.reload_depots),
        max_reloads=MAX_SIZE if vtype.max_reloads is None else vtype.max_reloads,
        name=vtype.name,
    )
