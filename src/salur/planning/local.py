"""The PPS -> TPS echelon as local rounds from the PPS, rather than a routing problem.

The data has no TPS locations (SOURCES.md: TPS sit at their desa point), so a road or river
network between TPS would be invented. Instead each PPS sends its kits out in rounds of one
local vehicle: leave the PPS, hand each kit to its KPPS at the TPS, come back. TPS are taken as
spread over a disc of radius R around the PPS, R being half the distance to the nearest other
desa point. A round through n places (the PPS and its TPS) is estimated with the tour-length law
L = k sqrt(n A) over the disc's area A (Beardwood, Halton and Hammersley 1959, whose asymptotic
constant is about 0.7124); k = 0.9 is a labelled assumption allowing for the few stops of a
round, whose tours are relatively longer. For very short rounds the law overstates, so a round
is never taken longer than visiting its TPS in random order: 2R/3 out and back (the mean
distance from a disc's centre) plus 128R/(45 pi), the mean distance between two points of the
disc, per further TPS. Every kit is still carried on a named round, so the plan and the checker
see each one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from salur.planning.inputs import VillageIn
from salur.planning.legs import Move
from salur.planning.modes import EARTH_RADIUS_M, Mode, TravelClass, great_circle_m
from salur.planning.paths import Segment

MIN_RADIUS_M = 300.0
MAX_RADIUS_M = 5_000.0
FROM_CENTRE = 2 / 3
BETWEEN_POINTS = 128 / (45 * math.pi)
TOUR_CONSTANT = 0.9


@dataclass(frozen=True)
class LocalPaths:
    """The stretches of one PPS round of ``stops`` TPS, each an equal share of the tour."""

    pps: str
    radius_m: float
    mode: Mode
    stops: int

    @property
    def tour_m(self) -> float:
        """Expected length of the round, road detour included."""
        area = math.pi * self.radius_m**2
        tour = TOUR_CONSTANT * math.sqrt((self.stops + 1) * area)
        in_any_order = (2 * FROM_CENTRE + BETWEEN_POINTS * (self.stops - 1)) * self.radius_m
        return min(tour, in_any_order) * self.mode.detour

    def segments(self, frm: str, to: str) -> list[Segment]:
        if frm == to:
            return []
        distance = self.tour_m / (self.stops + 1)
        kind = "boat" if self.mode.travel_class == TravelClass.WATER else "road"
        return [Segment(frm, to, self.mode.id, distance, self.mode.duration_s(distance), kind)]


def local_radii(villages: Sequence[VillageIn]) -> dict[str, float]:
    """Half the distance from each located desa point to the nearest other one, clamped.

    Only desa closer than twice `MAX_RADIUS_M` can matter, so each desa is compared with those
    of its own and the eight surrounding grid cells, cells being at least that wide: linear in
    the number of desa (83,731 nationally) rather than quadratic.
    """
    located = [v for v in villages if v.lat is not None and v.lon is not None]
    if len(located) < 2:
        return {v.code: MAX_RADIUS_M for v in located}
    lat = np.array([v.lat for v in located], dtype=np.float64)
    lon = np.array([v.lon for v in located], dtype=np.float64)
    reach_m = 2 * MAX_RADIUS_M * 1.01
    widest = min(80.0, float(np.abs(lat).max()))
    cell_lat = math.degrees(reach_m / EARTH_RADIUS_M)
    cell_lon = cell_lat / math.cos(math.radians(widest))
    cells: dict[tuple[int, int], list[int]] = {}
    keys = list(zip((lat // cell_lat).astype(int), (lon // cell_lon).astype(int), strict=True))
    for index, key in enumerate(keys):
        cells.setdefault(key, []).append(index)
    out: dict[str, float] = {}
    for (row, col), members in cells.items():
        around = [
            i for dr in (-1, 0, 1) for dc in (-1, 0, 1) for i in cells.get((row + dr, col + dc), ())
        ]
        block = great_circle_m(
            lat[members, None], lon[members, None], lat[None, around], lon[None, around]
        )
        for offset, index in enumerate(members):
            block[offset, around.index(index)] = np.inf
            nearest = float(block[offset].min()) / 2
            out[located[index].code] = min(MAX_RADIUS_M, max(MIN_RADIUS_M, nearest))
    return {v.code: out[v.code] for v in located}


def rounds(moves: Sequence[Move], capacity: tuple[int, int]) -> list[tuple[Move, ...]]:
    """Kits of one PPS in TPS order, cut into vehicle loads."""
    out: list[tuple[Move, ...]] = []
    current: list[Move] = []
    weight = volume = 0
    for move in sorted(moves, key=lambda m: m.tps):
        if current and (
            weight + move.weight_g > capacity[0] or volume + move.volume_cm3 > capacity[1]
        ):
            out.append(tuple(current))
            current, weight, volume = [], 0, 0
        current.append(move)
        weight, volume = weight + move.weight_g, volume + move.volume_cm3
    if current:
        out.append(tuple(current))
    return out
