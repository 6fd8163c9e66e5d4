"""Reads published VRPLIB/Solomon instances into `routing.RoutingProblem`, to benchmark the core.

Distances are made integral the way PyVRP's own reader does with ``round_func`` (`pyvrp.read`):
CVRPLIB X rounds Euclidean distances to the nearest integer; Solomon and Gehring-Homberger
truncate distances and times to one decimal (the DIMACS rule), i.e. scale by 10 and truncate.
Every value is scaled alike (loads too), so costs on the problem are in instance units times
`Rounding.scale`, and PyVRP sees exactly the numbers its own reader would give it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import vrplib

from salur.planning.routing import (
    Client,
    Depot,
    RoutingProblem,
    TimeWindow,
    TravelProfile,
    VehicleType,
    as_matrix,
)

_METADATA = {"name", "type", "comment", "dimension", "edge_weight_type", "edge_weight_format"}
_SUPPORTED = _METADATA | {
    "vehicles",
    "capacity",
    "service_time",
    "node_coord",
    "demand",
    "time_window",
    "depot",
    "edge_weight",
}


class Rounding(StrEnum):
    """How real-valued distances and times become PyVRP's integers (names as in `pyvrp.read`)."""

    ROUND = "round"
    """Round to the nearest integer: CVRPLIB X, whose published costs use rounded distances."""
    DIMACS = "dimacs"
    """Scale by 10 and truncate, i.e. truncate to one decimal: Solomon and Gehring-Homberger."""

    @property
    def scale(self) -> int:
        """Problem units per instance unit."""
        return 10 if self is Rounding.DIMACS else 1

    def apply(self, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The integer values PyVRP's reader would produce."""
        array = np.asarray(values, dtype=np.float64)
        if self is Rounding.DIMACS:
            return (10 * array).astype(np.int64)
        return np.round(array).astype(np.int64)


@dataclass(frozen=True, slots=True)
class BenchmarkInstance:
    """A published instance as a routing problem, with its best-known solution if supplied.

    ``best_known_routes`` lists client indices (into ``problem.clients``) per route;
    ``best_known_cost`` is in the instance's own units (e.g. 827.3 for C101).
    """

    name: str
    problem: RoutingProblem
    rounding: Rounding
    best_known_cost: float | None = None
    best_known_routes: tuple[tuple[int, ...], ...] = ()

    def in_instance_units(self, cost: int) -> float:
        """Convert a problem cost back to the units the instance's best-known cost uses."""
        return cost / self.rounding.scale


def read_instance(
    vrp_path: str | Path, sol_path: str | Path | None = None, rounding: Rounding | None = None
) -> BenchmarkInstance:
    """Read ``vrp_path``, and the ``.sol`` next to it unless ``sol_path`` names another.

    The rounding defaults to `detect_rounding`. Fields outside plain CVRP/VRPTW (backhauls,
    pickups, per-vehicle data) raise `ValueError` rather than being silently dropped.
    """
    vrp_path = Path(vrp_path)
    data: dict[str, Any] = vrplib.read_instance(str(vrp_path))
    unsupported = sorted(set(data) - _SUPPORTED)
    if unsupported:
        raise ValueError(f"{vrp_path.name}: unsupported VRPLIB fields {unsupported}")
    rounding = detect_rounding(data) if rounding is None else rounding
    sol = vrp_path.with_suffix(".sol") if sol_path is None else Path(sol_path)
    cost, routes = _read_solution(sol, _num_depots(data)) if sol.exists() else (None, ())
    return BenchmarkInstance(
        name=str(data.get("name", vrp_path.stem)).strip(),
        problem=_problem(data, rounding),
        rounding=rounding,
        best_known_cost=cost,
        best_known_routes=routes,
    )


def detect_rounding(data: dict[str, Any]) -> Rounding:
    """DIMACS for instances with time windows (Solomon-style sets), nearest-integer otherwise."""
    return Rounding.DIMACS if "time_window" in data else Rounding.ROUND


def _num_depots(data: dict[str, Any]) -> int:
    return int(np.asarray(data.get("depot", [0])).size)


def _problem(data: dict[str, Any], rounding: Rounding) -> RoutingProblem:
    size = int(data["dimension"])
    num_depots = _num_depots(data)
    if list(np.asarray(data.get("depot", [0]))) != list(range(num_depots)):
        raise ValueError("depots must be the first locations of the instance")
    distance = as_matrix(rounding.apply(data["edge_weight"]))
    windows = _windows(data, rounding, size)
    service = _service_durations(data, rounding, size, num_depots)
    # Loads are scaled too, as pyvrp.read does: PyVRP derives its penalty weights from the data,
    # so only identical numbers make the search (and the benchmark against it) identical.
    demand = rounding.apply(data.get("demand", np.zeros(size)))
    capacity = int(rounding.apply(data["capacity"])) if "capacity" in data else None
    depots = tuple(Depot(location=idx) for idx in range(num_depots))
    clients = tuple(
        Client(
            location=idx,
            demand=(int(demand[idx]),),
            service_duration=int(service[idx]),
            time_window=windows[idx],
        )
        for idx in range(num_depots, size)
    )
    # As in pyvrp.read: without per-vehicle fields every vehicle works from the first depot, in
    # its time window, and an instance without VEHICLES has one vehicle per client.
    fleet = VehicleType(
        count=int(data.get("vehicles", len(clients))),
        capacity=(capacity if capacity is not None else int(demand.sum()),),
        shift=windows[0],
    )
    # VRPLIB sets without a duration field take travel time equal to distance, as pyvrp.read does.
    profile = TravelProfile(distance=distance, duration=distance, name="euclidean")
    return RoutingProblem(("demand",), depots, clients, (fleet,), (profile,))


def _windows(data: dict[str, Any], rounding: Rounding, size: int) -> list[TimeWindow]:
    if "time_window" not in data:
        return [TimeWindow() for _ in range(size)]
    scaled = rounding.apply(data["time_window"])
    return [TimeWindow(int(early), int(late)) for early, late in scaled]


def _service_durations(
    data: dict[str, Any], rounding: Rounding, size: int, num_depots: int
) -> npt.NDArray[np.int64]:
    raw = data.get("service_time", 0)
    if np.ndim(raw) > 0:
        return rounding.apply(raw)
    service = rounding.apply(np.full(size, raw))
    service[:num_depots] = 0  # a single SERVICE_TIME value applies to clients only
    return service


def _read_solution(path: Path, num_depots: int) -> tuple[float, tuple[tuple[int, ...], ...]]:
    solution: dict[str, Any] = vrplib.read_solution(str(path))
    routes: Sequence[Sequence[int]] = solution["routes"]
    return float(solution["cost"]), tuple(
        tuple(int(visit) - num_depots for visit in route) for route in routes if len(route) > 0
    )
