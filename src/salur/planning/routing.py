"""Generic vehicle routing for salur: plain problem and solution records over the PyVRP solver.

The election planner speaks in warehouses, TPS and boats; this module speaks only in depots,
clients, vehicle types and matrices, so the same core can be checked against published instances.

Conventions (every quantity is an integer, because PyVRP works in integers):

- Locations are the rows/columns of the matrices, numbered from 0. Depots and clients each name a
  location, and several may share one (two TPS in the same school yard).
- Distances are in one unit throughout a problem (salur's planner uses metres), durations and times
  in another (the planner uses seconds since the start of the planning day). Time windows are
  inclusive ``[early, late]`` intervals in which *service must start*.
- Loads are vectors with one entry per `RoutingProblem.load_dimensions`, e.g. ``("weight_g",
  "volume_cm3")``; pick units small enough that every demand is a whole number.
- Costs are in one currency unit (the planner uses rupiah): ``fixed_cost`` per vehicle used,
  ``cost_per_distance`` per distance unit and ``cost_per_duration`` per time unit of route
  duration. The objective is the sum of these over all routes plus the prizes of optional clients
  left unserved, as in PyVRP.
- An arc that does not exist (no road to an island) is `NO_ARC`; NaN, infinity and negative
  entries are rejected, so a gap in a travel-time table never silently becomes a free arc.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import numpy as np
import numpy.typing as npt
import pyvrp
from pyvrp.constants import MAX_VALUE
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from salur.planning.pyvrp_bridge import build_problem_data
from salur.planning.reachability import unreachable_clients
from salur.planning.routing_solution import (
    Route,
    RoutingSolution,
    SolverStats,
    Trip,
    UnassignedClient,
    UnassignedReason,
    Visit,
    read_solution,
)
from salur.planning.routing_validation import RoutingProblemError, check_problem

NO_LIMIT: Final = int(np.iinfo(np.int64).max)
"""Unbounded time (window end) or amount (max duration, max distance); PyVRP's own default."""

NO_ARC: Final = int(MAX_VALUE)
"""Matrix entry for an arc that cannot be travelled; the largest value PyVRP accepts safely."""

Matrix = tuple[tuple[int, ...], ...]
"""A square matrix indexed ``[from_location][to_location]``."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """An inclusive interval ``[early, late]`` of integer time units."""

    early: int = 0
    late: int = NO_LIMIT


@dataclass(frozen=True, slots=True)
class Depot:
    """A place vehicles start, end or reload at (KPU warehouse, PPK hall).

    ``loading_duration`` is spent at the depot at the start of every trip, reloads included.
    """

    location: int
    name: str = ""
    loading_duration: int = 0


@dataclass(frozen=True, slots=True)
class Client:
    """A stop that receives a delivery (a PPS or TPS).

    ``demand`` has one entry per load dimension. Service must start inside ``time_window`` and
    takes ``service_duration``. A client with ``required=False`` is served only when its ``prize``
    outweighs the cost of the detour; an unserved optional client adds its prize to the cost.
    """

    location: int
    demand: tuple[int, ...]
    name: str = ""
    service_duration: int = 0
    time_window: TimeWindow = TimeWindow()
    required: bool = True
    prize: int = 0


@dataclass(frozen=True, slots=True)
class VehicleType:
    """``count`` identical vehicles (trucks, pick-ups, motorbikes, boats), one route each.

    ``capacity`` has one entry per load dimension and bounds the load of each trip. Vehicles leave
    ``start_depot`` and return to ``end_depot`` (the start depot when None), both depot indices,
    within ``shift``. ``max_duration`` and ``max_distance`` bound the whole route. With
    ``reload_depots`` a vehicle may return mid-route to reload, at most ``max_reloads`` times
    (unbounded when None), so one vehicle-day can make several trips. ``profile`` indexes
    `RoutingProblem.profiles`, the matrices this vehicle travels by.
    """

    count: int
    capacity: tuple[int, ...]
    name: str = ""
    start_depot: int = 0
    end_depot: int | None = None
    fixed_cost: int = 0
    cost_per_distance: int = 1
    cost_per_duration: int = 0
    shift: TimeWindow = TimeWindow()
    max_duration: int = NO_LIMIT
    max_distance: int = NO_LIMIT
    reload_depots: tuple[int, ...] = ()
    max_reloads: int | None = None
    profile: int = 0

    @property
    def return_depot(self) -> int:
        """The depot index where routes of this type end."""
        return self.start_depot if self.end_depot is None else self.end_depot


@dataclass(frozen=True, slots=True)
class TravelProfile:
    """Distance and duration matrices for one way of travelling (road by truck, river by boat)."""

    distance: Matrix
    duration: Matrix
    name: str = ""


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """A complete routing problem. Construction validates it and raises `RoutingProblemError`."""

    load_dimensions: tuple[str, ...]
    depots: tuple[Depot, ...]
    clients: tuple[Client, ...]
    vehicle_types: tuple[VehicleType, ...]
    profiles: tuple[TravelProfile, ...]

    def __post_init__(self) -> None:
        check_problem(self)

    @property
    def num_locations(self) -> int:
        """How many locations the matrices cover."""
        return len(self.profiles[0].distance) if self.profiles else 0


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long to search, and from which seed.

    The search stops at whichever limit comes first. Runs stopped by ``max_iterations`` alone are
    reproducible: the same problem and seed give the same solution. A time limit makes the number
    of iterations, hence possibly the answer, depend on machine speed.
    """

    seed: int = 0
    time_limit_s: float | None = 10.0
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s is None and self.max_iterations is None:
            raise ValueError("SolveParams needs time_limit_s or max_iterations (or both)")
        if self.time_limit_s is not None and not self.time_limit_s >= 0:
            raise ValueError(f"time_limit_s must be >= 0, got {self.time_limit_s}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError(f"max_iterations must be >= 0, got {self.max_iterations}")


def as_matrix(values: npt.ArrayLike) -> Matrix:
    """Turn a 2-D array of whole numbers into a `Matrix`; validation happens in the problem."""
    rows: list[list[int]] = np.asarray(values).tolist()
    return tuple(tuple(row) for row in rows)


def solve(problem: RoutingProblem, params: SolveParams | None = None) -> RoutingSolution:
    """Plan routes for ``problem``.

    Clients that no vehicle could ever serve are set aside first (see `UnassignedReason`), so one
    impossible time window does not spoil the whole plan.
    """
    params = SolveParams() if params is None else params
    unreachable = unreachable_clients(problem)
    kept = tuple(idx for idx in range(len(problem.clients)) if idx not in unreachable)
    data = build_problem_data(problem, kept)
    result = pyvrp.solve(
        data, _stopping_criterion(params), seed=params.seed, collect_stats=False, display=False
    )
    return read_solution(problem, kept, result)


def _stopping_criterion(params: SolveParams) -> StoppingCriterion:
    criteria: list[StoppingCriterion] = []
    if params.time_limit_s is not None:
        criteria.append(MaxRuntime(params.time_limit_s))
    if params.max_iterations is not None:
        criteria.append(MaxIterations(params.max_iterations))
    return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)


def route_distance(problem: RoutingProblem, vehicle_type: int, clients: tuple[int, ...]) -> int:
    """Distance of a single-trip route visiting ``clients`` in order, by the type's profile.

    Useful to check a solution or a published route against the matrices.
    """
    vtype = problem.vehicle_types[vehicle_type]
    matrix = problem.profiles[vtype.profile].distance
    stops = [
        problem.depots[vtype.start_depot].location,
        *(problem.clients[idx].location for idx in clients),
        problem.depots[vtype.return_depot].location,
    ]
    return sum(matrix[frm][to] for frm, to in pairwise(stops))


__all__ = [
    "NO_ARC",
    "NO_LIMIT",
    "Client",
    "Depot",
    "Matrix",
    "Route",
    "RoutingProblem",
    "RoutingProblemError",
    "RoutingSolution",
    "SolveParams",
    "SolverStats",
    "TimeWindow",
    "TravelProfile",
    "Trip",
    "UnassignedClient",
    "UnassignedReason",
    "VehicleType",
    "Visit",
    "as_matrix",
    "route_distance",
    "solve",
]
