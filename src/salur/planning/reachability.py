"""Finds clients no vehicle could ever serve, so the solver plans the rest instead of failing whole.

A client is unreachable when, for every vehicle type that can carry its demand, even the fastest
possible out-and-back trip misses its time window, the shift, the duration or the distance limit,
or needs an arc marked `routing.NO_ARC`. Travel is bounded by shortest paths over the matrices
(ignoring service at intermediate stops), so the test never rejects a client that could be served,
even when a travel-time table breaks the triangle inequality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pyvrp.constants import MAX_VALUE

if TYPE_CHECKING:
    from salur.planning.routing import Client, RoutingProblem, VehicleType

_UNREACHED = np.iinfo(np.int64).max // 4
"""Shortest-path placeholder for "no path yet"; far above NO_ARC and safe from overflow."""

IntArray = npt.NDArray[np.int64]


def unreachable_clients(problem: RoutingProblem) -> frozenset[int]:
    """Indices of the clients that no vehicle type can serve on any route."""
    paths = _ShortestPaths(problem)
    return frozenset(
        idx
        for idx, client in enumerate(problem.clients)
        if not any(_can_serve(problem, paths, vtype, client) for vtype in problem.vehicle_types)
    )


def _can_serve(
    problem: RoutingProblem, paths: _ShortestPaths, vtype: VehicleType, client: Client
) -> bool:
    if any(amount > cap for amount, cap in zip(client.demand, vtype.capacity, strict=True)):
        return False
    start = problem.depots[vtype.start_depot]
    end = problem.depots[vtype.return_depot]
    here = client.location
    out = int(paths.get(vtype.profile, "duration", start.location, outbound=True)[here])
    back = int(paths.get(vtype.profile, "duration", end.location, outbound=False)[here])
    distance = int(paths.get(vtype.profile, "distance", start.location, outbound=True)[here]) + int(
        paths.get(vtype.profile, "distance", end.location, outbound=False)[here]
    )
    if max(out, back, distance) >= MAX_VALUE or distance > vtype.max_distance:
        return False
    arrival = vtype.shift.early + start.loading_duration + out
    if arrival > client.time_window.late:
        return False
    finish = max(arrival, client.time_window.early) + client.service_duration + back
    busy = start.loading_duration + out + client.service_duration + back
    return finish <= vtype.shift.late and busy <= vtype.max_duration


@dataclass
class _ShortestPaths:
    """Shortest travel from (outbound) or to (inbound) a location, per profile, computed lazily."""

    problem: RoutingProblem
    _matrices: dict[tuple[int, str], IntArray] = field(default_factory=dict)
    _paths: dict[tuple[int, str, int, bool], IntArray] = field(default_factory=dict)

    def get(self, profile: int, kind: str, location: int, *, outbound: bool) -> IntArray:
        key = (profile, kind, location, outbound)
        if key not in self._paths:
            matrix = self._matrix(profile, kind)
            self._paths[key] = _dijkstra(matrix if outbound else matrix.T, location)
        return self._paths[key]

    def _matrix(self, profile: int, kind: str) -> IntArray:
        if (profile, kind) not in self._matrices:
            travel = self.problem.profiles[profile]
            values = travel.distance if kind == "distance" else travel.duration
            self._matrices[profile, kind] = np.asarray(values, dtype=np.int64)
        return self._matrices[profile, kind]


def _dijkstra(matrix: IntArray, source: int) -> IntArray:
    """Dense Dijkstra: O(n^2) time, O(n) extra memory; matrices are complete graphs."""
    size = len(matrix)
    dist = np.full(size, _UNREACHED, dtype=np.int64)
    dist[source] = 0
    done = np.zeros(size, dtype=bool)
    for _ in range(size):
        node = int(np.argmin(np.where(done, _UNREACHED + 1, dist)))
        if done[node]:
            break
        done[node] = True
        np.minimum(dist, dist[node] + matrix[node], out=dist)
    return dist
