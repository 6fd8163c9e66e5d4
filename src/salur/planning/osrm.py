"""Road distances and times from an OSRM server (`salur plan --osrm URL`), as a `TravelSource`.

Uses the table service of the OSRM HTTP API (v5): ``GET {url}/table/v1/{profile}/{lon},{lat};...
?sources=..&destinations=..&annotations=duration,distance``, which answers ``durations`` (s) and
``distances`` (m), ``null`` where no road joins two points. Large tables go in blocks that keep
each request within the server's ``--max-table-size`` (100 locations unless raised); a server
that answers ``TooBig`` gets smaller blocks. Answers are cached by site code, so the planner's
repeated tables cost one request per new pair.

OSRM gives free-flow car times between the points it snapped to the road; an escorted convoy is
slower, so a leg takes the longer of OSRM's time and the road distance at the mode's speed, and is
never shorter than the straight line between the two sites. Unroutable pairs (an island) are
infinite: no road edge, so water legs or a named reason follow. Boats use ``fallback``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

from salur.errors import SalurError
from salur.planning.modes import FloatArray, Mode, TravelClass, great_circle_m
from salur.planning.travel import EstimateSource, Place, TravelSource

DEFAULT_MAX_LOCATIONS = 100
"""osrm-routed's default --max-table-size."""

SHOWN_PLACES = 5
_COORDINATE_INDEX = re.compile(r"coordinate (\d+)", re.IGNORECASE)


@dataclass
class OsrmSource:
    """Road tables from the OSRM server at ``url`` (e.g. ``http://localhost:5000``)."""

    url: str
    fallback: TravelSource = field(default_factory=EstimateSource)
    profile: str = "driving"
    max_locations: int = DEFAULT_MAX_LOCATIONS
    timeout_s: float = 30.0
    name: str = "osrm"
    requests: int = 0
    _cache: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise SalurError("plan.osrm_bad_url", server=self.url)
        if self.max_locations < 2:
            raise SalurError("plan.osrm_bad_url", server=self.url)

    def table(
        self, mode: Mode, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[FloatArray, FloatArray]:
        if mode.travel_class != TravelClass.LAND:
            return self.fallback.table(mode, origins, destinations)
        road_m, road_s = self.road_table(origins, destinations)
        crow = great_circle_m(
            np.array([o.lat for o in origins], dtype=np.float64)[:, None],
            np.array([o.lon for o in origins], dtype=np.float64)[:, None],
            np.array([d.lat for d in destinations], dtype=np.float64)[None, :],
            np.array([d.lon for d in destinations], dtype=np.float64)[None, :],
        )
        distance: FloatArray = np.maximum(road_m, crow)
        duration: FloatArray = np.maximum(road_s, distance / (mode.speed_kmh / 3.6))
        return distance, duration

    def road_table(
        self, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[FloatArray, FloatArray]:
        """OSRM's distances (m) and durations (s); inf where it finds no road."""
        missing_from = [
            o for o in _unique(origins) if any(not self._known(o, d) for d in destinations)
        ]
        missing_to = [
            d for d in _unique(destinations) if any(not self._known(o, d) for o in missing_from)
        ]
        if missing_from and missing_to:
            with httpx.Client(timeout=self.timeout_s) as client:
                self._fetch(client, missing_from, missing_to)
        distance = np.empty((len(origins), len(destinations)))
        duration = np.empty_like(distance)
        for i, o in enumerate(origins):
            for j, d in enumerate(destinations):
                distance[i, j], duration[i, j] = (
                    (0.0, 0.0) if o.code == d.code else self._cache[o.code, d.code]
                )
        return distance, duration

    def _known(self, origin: Place, destination: Place) -> bool:
        return origin.code == destination.code or (origin.code, destination.code) in self._cache

    def _fetch(self, client: httpx.Client, origins: list[Place], destinations: list[Place]) -> None:
        pending = [(origins, destinations)]
        while pending:
            rows_of, cols_of = pending.pop()
            rows, cols = _block_sizes(len(rows_of), len(cols_of), self.max_locations)
            if rows < len(rows_of) or cols < len(cols_of):
                pending.extend(
                    (rows_of[i : i + rows], cols_of[j : j + cols])
                    for i in range(0, len(rows_of), rows)
                    for j in range(0, len(cols_of), cols)
                )
            elif not self._block(client, rows_of, cols_of):
                # TooBig: this server allows fewer locations; halve the blocks from now on
                self.max_locations = max(2, (len(rows_of) + len(cols_of)) // 2)
                pending.append((rows_of, cols_of))

    def _block(self, client: httpx.Client, origins: list[Place], destinations: list[Place]) -> bool:
        """Fetch one block into the cache; False if the server finds it too big."""
        places = [*origins, *destinations]
        answer = self._get(client, places, len(origins))
        if answer is None:
            return False
        durations = _matrix(answer, "durations", len(origins), len(destinations), self, places)
        distances = _matrix(answer, "distances", len(origins), len(destinations), self, places)
        for i, o in enumerate(origins):
            for j, d in enumerate(destinations):
                t, m = durations[i][j], distances[i][j]
                self._cache[o.code, d.code] = (
                    (math.inf, math.inf) if t is None or m is None else (float(m), float(t))
                )
        return True

    def _get(
        self, client: httpx.Client, places: list[Place], sources: int
    ) -> dict[str, Any] | None:
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)
        params = {
            "sources": ";".join(str(k) for k in range(sources)),
            "destinations": ";".join(str(k) for k in range(sources, len(places))),
            "annotations": "duration,distance",
        }
        address = f"{self.url}/table/v1/{self.profile}/{coordinates}"
        self.requests += 1
        try:
            response = client.get(address, params=params)
        except httpx.TimeoutException:
            raise SalurError(
                "plan.osrm_timeout",
                server=self.url,
                seconds=self.timeout_s,
                places=_named(places),
            ) from None
        except httpx.HTTPError as exc:
            raise SalurError("plan.osrm_unreachable", server=self.url, reason=str(exc)) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SalurError(
                "plan.osrm_bad_response",
                server=self.url,
                reason=f"HTTP {response.status_code}, not a JSON object",
            )
        code = body.get("code")
        if code == "TooBig" and len(places) > 2:
            return None
        if response.status_code != 200 or code != "Ok":
            message = str(body.get("message") or "")
            raise SalurError(
                "plan.osrm_error",
                server=self.url,
                code=str(code or f"HTTP {response.status_code}"),
                message=message,
                places=_failing(message, places),
            )
        return body


def _unique(places: Sequence[Place]) -> list[Place]:
    seen: dict[str, Place] = {}
    for place in places:
        seen.setdefault(place.code, place)
    return list(seen.values())


def _block_sizes(origins: int, destinations: int, limit: int) -> tuple[int, int]:
    """Rows and columns of a block within ``limit`` locations, filling the smaller side first."""
    half = max(1, limit // 2)
    if origins <= half:
        return origins, max(1, limit - origins)
    if destinations <= half:
        return max(1, limit - destinations), destinations
    return half, max(1, limit - half)


def _matrix(
    answer: dict[str, Any],
    key: str,
    rows: int,
    cols: int,
    source: OsrmSource,
    places: list[Place],
) -> list[list[float | None]]:
    matrix = answer.get(key)
    if (
        not isinstance(matrix, list)
        or len(matrix) != rows
        or any(not isinstance(row, list) or len(row) != cols for row in matrix)
        or any(v is not None and not isinstance(v, int | float) for row in matrix for v in row)
    ):
        raise SalurError(
            "plan.osrm_bad_response",
            server=source.url,
            reason=f"'{key}' is not a {rows} x {cols} table of numbers for {_named(places)}",
        )
    return matrix


def _named(places: Sequence[Place]) -> str:
    shown = ", ".join(f"{p.code} ({p.lat:.5f}, {p.lon:.5f})" for p in places[:SHOWN_PLACES])
    more = len(places) - SHOWN_PLACES
    return shown + (f" and {more} more" if more > 0 else "")


def _failing(message: str, places: list[Place]) -> str:
    """The coordinate OSRM names in its message ("... coordinate 3"), else the whole block."""
    found = _COORDINATE_INDEX.search(message)
    if found and int(found.group(1)) < len(places):
        return _named([places[int(found.group(1))]])
    return _named(places)
