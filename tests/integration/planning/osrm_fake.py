"""A small OSRM table service on 127.0.0.1 for the tests (no network), in the shape of the OSRM
HTTP API v5: ``GET /table/v1/{profile}/{lon},{lat};...?sources=..&destinations=..&annotations=..``
answers ``{"code": "Ok", "durations": [[s]], "distances": [[m]], "sources": [...],
"destinations": [...]}``, with ``null`` where no road joins two points; errors are HTTP 400 with
``{"code": ..., "message": ...}`` (``TooBig`` past the table size, ``NoSegment`` for a point it
cannot snap, ``InvalidQuery`` for a bad request).

Its road model is a toy a test can compute itself: 1.25 x the great-circle distance at 50 km/h;
points east of ``island_lon`` have no road to points west of it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROAD_DETOUR = 1.25
ROAD_SPEED_MS = 50 / 3.6
EARTH_RADIUS_M = 6_371_008.8


def road_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The toy road distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return ROAD_DETOUR * 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


@dataclass
class FakeOsrm:
    """Serves the table service until the ``with`` block ends; records every request."""

    max_locations: int = 100
    island_lon: float | None = None
    delay_s: float = 0.0
    unsnappable: tuple[float, float] | None = None
    """A (lon, lat) point (6 decimals) answered with NoSegment."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeOsrm:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = fake.answer(self.path)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, target: str) -> tuple[int, dict[str, Any]]:
        """The status and JSON body OSRM would give for ``target`` (path and query)."""
        parts = urlsplit(target)
        pieces = parts.path.strip("/").split("/")
        if len(pieces) != 4 or pieces[0] != "table" or pieces[1] != "v1":
            return 400, {"code": "InvalidUrl", "message": f"URL string malformed: {parts.path}"}
        try:
            points = [
                (float(lon), float(lat))
                for lon, lat in (p.split(",") for p in pieces[3].split(";"))
            ]
        except ValueError:
            return 400, {"code": "InvalidQuery", "message": "Query string malformed"}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append({"points": len(points), **query})
        if len(points) > self.max_locations:
            return 400, {"code": "TooBig", "message": "Too many table coordinates"}
        for index, point in enumerate(points):
            if self.unsnappable is not None and all(
                abs(a - b) < 5e-7 for a, b in zip(point, self.unsnappable, strict=True)
            ):
                return 400, {
                    "code": "NoSegment",
                    "message": f"Could not find a matching segment for coordinate {index}",
                }
        sources = _indices(query.get("sources", "all"), len(points))
        destinations = _indices(query.get("destinations", "all"), len(points))
        annotations = query.get("annotations", "duration").split(",")
        distances = [[self.road(points[i], points[j]) for j in destinations] for i in sources]
        body: dict[str, Any] = {
            "code": "Ok",
            "sources": [_waypoint(points[i]) for i in sources],
            "destinations": [_waypoint(points[j]) for j in destinations],
        }
        if "duration" in annotations:
            body["durations"] = [
                [None if d is None else round(d / ROAD_SPEED_MS, 1) for d in row]
                for row in distances
            ]
        if "distance" in annotations:
            body["distances"] = [
                [None if d is None else round(d, 1) for d in row] for row in distances
            ]
        return 200, body

    def road(self, a: tuple[float, float], b: tuple[float, float]) -> float | None:
        if self.island_lon is not None and (a[0] > self.island_lon) != (b[0] > self.island_lon):
            return None
        return road_m(a, b)


def _indices(text: str, count: int) -> list[int]:
    return list(range(count)) if text == "all" else [int(k) for k in text.split(";")]


def _waypoint(point: tuple[float, float]) -> dict[str, Any]:
    return {"hint": "", "distance": 0.0, "name": "", "location": [point[0], point[1]]}
