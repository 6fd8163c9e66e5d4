"""Solution records returned by `routing.solve`, and how they are read off a PyVRP result.

Plain frozen dataclasses, so the planner can store, compare and render a plan without PyVRP.
All indices refer back to the `routing.RoutingProblem` that was solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyvrp

    from salur.planning.routing import Client, RoutingProblem


@dataclass(frozen=True, slots=True)
class Visit:
    """One client served: arrival at ``service_start - wait``, service until ``service_end``."""

    client: int
    service_start: int
    service_end: int
    wait: int


@dataclass(frozen=True, slots=True)
class Trip:
    """A depot-to-depot leg of a route and the load it carries (sum of its clients' demands)."""

    start_depot: int
    end_depot: int
    visits: tuple[Visit, ...]
    load: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """The day of one vehicle: its trips in order, times, totals and any constraint violation.

    ``load`` is the total delivered over all trips; ``cost`` is the fixed, distance and duration
    cost. A feasible route has zero ``time_warp`` (lateness summed over visits), zero
    ``excess_load`` in every dimension and zero ``excess_distance``.
    """

    vehicle_type: int
    trips: tuple[Trip, ...]
    start_time: int
    end_time: int
    distance: int
    duration: int
    load: tuple[int, ...]
    cost: int
    time_warp: int = 0
    excess_load: tuple[int, ...] = ()
    excess_distance: int = 0

    @property
    def clients(self) -> tuple[int, ...]:
        """Client indices in visiting order, across trips."""
        return tuple(visit.client for trip in self.trips for visit in trip.visits)


class UnassignedReason(StrEnum):
    """Why a client is in no route."""

    UNREACHABLE = "unreachable"
    """No vehicle type that can carry its demand can serve it within the windows and limits."""
    PRIZE_TOO_LOW = "prize_too_low"
    """Optional client whose prize did not pay for the detour."""
    NOT_PLANNED = "not_planned"
    """Required client the solver left out; the solution is infeasible."""


@dataclass(frozen=True, slots=True)
class UnassignedClient:
    """A client no route serves, and why."""

    client: int
    reason: UnassignedReason


@dataclass(frozen=True, slots=True)
class SolverStats:
    """What the search did; varies between machines, so it is left out of solution equality."""

    iterations: int
    runtime_s: float


@dataclass(frozen=True, slots=True)
class RoutingSolution:
    """The best plan found.

    ``feasible`` is true when every required client is served and no route violates a time
    window, shift, capacity, duration or distance limit.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[UnassignedClient, ...]
    total_cost: int
    feasible: bool
    stats: SolverStats = field(compare=False, default=SolverStats(0, 0.0))

    @property
    def total_distance(self) -> int:
        """Distance summed over all routes."""
        return sum(route.distance for route in self.routes)


def read_solution(
    problem: RoutingProblem, kept: tuple[int, ...], result: pyvrp.Result
) -> RoutingSolution:
    """Solution records for ``result``, mapping PyVRP's client numbers back through ``kept``."""
    best = result.best
    routes = tuple(_read_route(problem, kept, route) for route in best.routes())
    served = {client for route in routes for client in route.clients}
    offered = set(kept)
    unassigned = tuple(
        UnassignedClient(idx, _unassigned_reason(problem.clients[idx], idx in offered))
        for idx in range(len(problem.clients))
        if idx not in served
    )
    lost_prizes = sum(
        problem.clients[item.client].prize
        for item in unassigned
        if not problem.clients[item.client].required
    )
    feasible = best.is_feasible() and not any(
        problem.clients[item.client].required for item in unassigned
    )
    return RoutingSolution(
        routes=routes,
        unassigned=unassigned,
        total_cost=sum(route.cost for route in routes) + lost_prizes,
        feasible=feasible,
        stats=SolverStats(result.num_iterations, result.runtime),
    )


def _unassigned_reason(client: Client, was_offered: bool) -> UnassignedReason:
    if not was_offered:
        return UnassignedReason.UNREACHABLE
    return UnassignedReason.NOT_PLANNED if client.required else UnassignedReason.PRIZE_TOO_LOW


def _read_route(problem: RoutingProblem, kept: tuple[int, ...], route: pyvrp.Route) -> Route:
    trips: list[Trip] = []
    schedule = route.schedule()
    start_depot = schedule[0].idx
    visits: list[Visit] = []
    for activity in schedule[1:]:
        if activity.is_depot():
            trips.append(Trip(start_depot, activity.idx, tuple(visits), _load(problem, visits)))
            start_depot, visits = activity.idx, []
            continue
        visits.append(
            Visit(
                client=kept[activity.idx],
                service_start=activity.start_time,
                service_end=activity.end_time,
                wait=activity.wait_duration,
            )
        )
    return Route(
        vehicle_type=route.vehicle_type(),
        trips=tuple(trips),
        start_time=route.start_time(),
        end_time=route.end_time(),
        distance=route.distance(),
        duration=route.duration(),
        load=tuple(route.delivery()),
        cost=route.fixed_vehicle_cost() + route.distance_cost() + route.duration_cost(),
        time_warp=route.time_warp(),
        excess_load=tuple(route.excess_load()),
        excess_distance=route.excess_distance(),
    )


def _load(problem: RoutingProblem, visits: list[Visit]) -> tuple[int, ...]:
    totals = [0] * len(problem.load_dimensions)
    for visit in visits:
        for dim, amount in enumerate(problem.clients[visit.client].demand):
            totals[dim] += amount
    return tuple(totals)
