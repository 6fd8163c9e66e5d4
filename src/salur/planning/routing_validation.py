"""Input checks for `routing.RoutingProblem`: bad data fails at the boundary with a clear message.

PyVRP either rejects such data with terse C++ errors or, worse, accepts it (a NaN travel time read
as a huge integer); every message here names the matrix entry, client, depot or vehicle type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pyvrp.constants import MAX_VALUE

if TYPE_CHECKING:
    from salur.planning.routing import (
        Client,
        Depot,
        Matrix,
        RoutingProblem,
        TimeWindow,
        TravelProfile,
        VehicleType,
    )


class RoutingProblemError(ValueError):
    """A routing problem whose data cannot be solved as given; the message names the culprit."""


def check_problem(problem: RoutingProblem) -> None:
    """Raise `RoutingProblemError` at the first inconsistency in ``problem``."""
    for kind, items in (
        ("depot", problem.depots),
        ("vehicle type", problem.vehicle_types),
        ("travel profile", problem.profiles),
    ):
        if not items:
            raise RoutingProblemError(f"a routing problem needs at least one {kind}")
    size = _check_profiles(problem.profiles)
    for idx, depot in enumerate(problem.depots):
        _check_depot(_label("depot", idx, depot.name), depot, size)
    for idx, vtype in enumerate(problem.vehicle_types):
        _check_vehicle_type(_label("vehicle type", idx, vtype.name), vtype, problem)
    for idx, client in enumerate(problem.clients):
        _check_client(_label("client", idx, client.name), client, problem, size)


def _label(kind: str, idx: int, name: str) -> str:
    return f"{kind} {idx} ({name!r})" if name else f"{kind} {idx}"


def _check_profiles(profiles: Sequence[TravelProfile]) -> int:
    size = len(profiles[0].distance)
    for idx, profile in enumerate(profiles):
        label = _label("profile", idx, profile.name)
        _check_matrix(f"{label} distance", profile.distance, size)
        _check_matrix(f"{label} duration", profile.duration, size)
    return size


def _check_matrix(label: str, matrix: Matrix, size: int) -> None:
    if len(matrix) != size:
        raise RoutingProblemError(
            f"{label} matrix has {len(matrix)} rows; expected {size} like profile 0's distance"
        )
    for row_idx, row in enumerate(matrix):
        if len(row) != size:
            raise RoutingProblemError(
                f"{label} matrix row {row_idx} has {len(row)} entries; expected {size}"
            )
    try:
        values = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RoutingProblemError(f"{label} matrix holds a non-numeric entry") from exc
    _reject(label, values, ~np.isfinite(values), "is missing (NaN) or infinite")
    _reject(label, values, values < 0, "is negative")
    _reject(label, values, values != np.floor(values), "is not a whole number of units")
    _reject(label, values, values > MAX_VALUE, f"exceeds NO_ARC ({MAX_VALUE}); rescale")
    diagonal = np.zeros_like(values, dtype=bool)
    np.fill_diagonal(diagonal, np.diagonal(values) != 0)
    _reject(label, values, diagonal, "is on the diagonal and must be 0")


def _reject(
    label: str, values: npt.NDArray[np.float64], bad: npt.NDArray[np.bool_], why: str
) -> None:
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise RoutingProblemError(
            f"{label}[{row}][{col}] = {values[row, col]} {why} (row = from, column = to location)"
        )


def _check_depot(label: str, depot: Depot, size: int) -> None:
    _check_location(label, depot.location, size)
    _check_non_negative(label, "loading_duration", depot.loading_duration)


def _check_vehicle_type(label: str, vtype: VehicleType, problem: RoutingProblem) -> None:
    if vtype.count < 1:
        raise RoutingProblemError(f"{label} count must be at least 1, got {vtype.count}")
    _check_vector(label, "capacity", vtype.capacity, problem.load_dimensions)
    for role, depot in (("start_depot", vtype.start_depot), ("end_depot", vtype.return_depot)):
        _check_depot_index(label, role, depot, len(problem.depots))
    for depot in vtype.reload_depots:
        _check_depot_index(label, "reload_depots", depot, len(problem.depots))
    if not 0 <= vtype.profile < len(problem.profiles):
        raise RoutingProblemError(
            f"{label} uses unknown profile {vtype.profile}; "
            f"there are {len(problem.profiles)} (0..{len(problem.profiles) - 1})"
        )
    for name in ("fixed_cost", "cost_per_distance", "cost_per_duration"):
        _check_non_negative(label, name, getattr(vtype, name))
    for name in ("max_duration", "max_distance"):
        _check_non_negative(label, name, getattr(vtype, name))
    _check_window(f"{label} shift", vtype.shift)
    if vtype.max_reloads is not None:
        _check_non_negative(label, "max_reloads", vtype.max_reloads)
        if not vtype.reload_depots:
            raise RoutingProblemError(f"{label} sets max_reloads but has no reload_depots")


def _check_client(label: str, client: Client, problem: RoutingProblem, size: int) -> None:
    _check_location(label, client.location, size)
    _check_vector(label, "demand", client.demand, problem.load_dimensions)
    _check_non_negative(label, "service_duration", client.service_duration)
    _check_non_negative(label, "prize", client.prize)
    _check_window(f"{label} time window", client.time_window)
    if not any(_fits(client.demand, vtype.capacity) for vtype in problem.vehicle_types):
        largest = [
            max(v.capacity[dim] for v in problem.vehicle_types)
            for dim in range(len(problem.load_dimensions))
        ]
        over = [
            f"{dim} {amount} > {cap}"
            for dim, amount, cap in zip(
                problem.load_dimensions, client.demand, largest, strict=True
            )
            if amount > cap
        ]
        detail = "; ".join(over) if over else "no single vehicle type holds every dimension"
        raise RoutingProblemError(
            f"{label} demand exceeds the capacity of every vehicle type ({detail})"
        )


def _fits(demand: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    return all(amount <= cap for amount, cap in zip(demand, capacity, strict=True))


def _check_location(label: str, location: int, size: int) -> None:
    if not 0 <= location < size:
        raise RoutingProblemError(
            f"{label} is at unknown location {location}; the matrices cover 0..{size - 1}"
        )


def _check_depot_index(label: str, role: str, depot: int, num_depots: int) -> None:
    if not 0 <= depot < num_depots:
        raise RoutingProblemError(
            f"{label} {role} names unknown depot {depot}; "
            f"there are {num_depots} (0..{num_depots - 1})"
        )


def _check_vector(label: str, name: str, vector: tuple[int, ...], dims: tuple[str, ...]) -> None:
    if len(vector) != len(dims):
        raise RoutingProblemError(
            f"{label} {name} has {len(vector)} entries; expected {len(dims)} ({', '.join(dims)})"
        )
    for dim, amount in zip(dims, vector, strict=True):
        _check_non_negative(label, f"{name} {dim}", amount)


def _check_non_negative(label: str, name: str, value: int) -> None:
    if value < 0:
        raise RoutingProblemError(f"{label} {name} must be >= 0, got {value}")


def _check_window(label: str, window: TimeWindow) -> None:
    if not 0 <= window.early <= window.late:
        raise RoutingProblemError(
            f"{label} [{window.early}, {window.late}] must satisfy 0 <= early <= late"
        )
