"""Where travel distances and times come from: the built-in estimate, or a user's matrix file.

The planner asks a `TravelSource` for whole tables (origins x destinations) per mode, the shape
of OSRM's ``/table`` service; the third implementation, an OSRM server for road legs, is
`osrm.OsrmSource`. Unknown entries are NaN; the network turns NaN into a clear error naming the
missing pairs (infinite entries are simply no edge).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from salur.csvrows import read_rows
from salur.errors import InputError
from salur.planning.modes import FloatArray, Mode, ModeTable, great_circle_m


class Place(Protocol):
    """Anything with a code and a point: sites, ports."""

    @property
    def code(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


class TravelSource(Protocol):
    """Distances (m) and durations (s) from each origin to each destination for one mode."""

    @property
    def name(self) -> str:
        """Shown in messages and kept in the plan summary ("estimate", "matrix")."""
        ...

    def table(
        self, mode: Mode, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True)
class EstimateSource:
    """Great-circle distance x the mode's detour factor, at the mode's speed."""

    name: str = "estimate"

    def table(
        self, mode: Mode, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[FloatArray, FloatArray]:
        lat1 = np.array([o.lat for o in origins], dtype=np.float64)[:, None]
        lon1 = np.array([o.lon for o in origins], dtype=np.float64)[:, None]
        lat2 = np.array([d.lat for d in destinations], dtype=np.float64)[None, :]
        lon2 = np.array([d.lon for d in destinations], dtype=np.float64)[None, :]
        return mode.estimate(great_circle_m(lat1, lon1, lat2, lon2))


@dataclass
class MatrixSource:
    """Travel from a CSV file (from_code, to_code, mode, distance_km, duration_min).

    Pairs between two codes the file names for a mode must all be present (a missing one is a
    hole, reported by the network); pairs involving a code the file never names fall back to
    ``fallback`` (the estimate), so a file of road times need not list ports or boats.
    """

    path: Path
    fallback: TravelSource = field(default_factory=EstimateSource)
    name: str = "matrix"
    _entries: dict[tuple[str, str, str], tuple[float, float]] = field(default_factory=dict)
    _codes: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path, modes: ModeTable) -> MatrixSource:
        """Read and check the file: every value present, numeric, not negative."""
        source = cls(path)
        columns = ["from_code", "to_code", "mode", "distance_km", "duration_min"]
        for row in read_rows(path, columns):
            mode = row.text("mode")
            if mode not in modes.modes:
                raise row.fail("mode", "input.unknown_value", allowed=", ".join(modes.modes))
            values = []
            for column in ("distance_km", "duration_min"):
                value = row.opt_float(column)
                if value is None or not math.isfinite(value):
                    raise row.fail(column, "plan.matrix_value_missing")
                if value < 0:
                    raise row.fail(column, "input.negative")
                values.append(value)
            frm, to = row.text("from_code"), row.text("to_code")
            source._entries[frm, to, mode] = (values[0] * 1000, values[1] * 60)
            source._codes.setdefault(mode, set()).update((frm, to))
        if not source._entries:
            raise InputError("input.empty_file", file=path)
        return source

    def known_codes(self) -> set[str]:
        """Every site code the file names, for any mode."""
        return set().union(*self._codes.values()) if self._codes else set()

    def table(
        self, mode: Mode, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[FloatArray, FloatArray]:
        distance, duration = self.fallback.table(mode, origins, destinations)
        covered = self._codes.get(mode.id, set())
        for i, origin in enumerate(origins):
            if origin.code not in covered:
                continue
            for j, destination in enumerate(destinations):
                if destination.code not in covered:
                    continue
                if origin.code == destination.code:
                    distance[i, j] = duration[i, j] = 0.0
                    continue
                entry = self._entries.get((origin.code, destination.code, mode.id))
                distance[i, j], duration[i, j] = entry if entry else (math.nan, math.nan)
        return distance, duration
