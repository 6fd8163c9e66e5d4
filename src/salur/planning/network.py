"""The distribution network: sites and ports placed in zones, and which edges each class may use.

A zone is a landmass (roads join any two places on it) or a water-access zone (villages of the
mainland reached only by boat, from gateway ports). Road vehicles travel inside a land zone and
may ride the ro-ro links between ports; boats travel inside a water zone, from a gateway into
it, along boat links between ports, and to any site within the quay radius of a port. A village
on another landmass than its hub is therefore reached by a water leg with a transfer at a port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from salur.planning.inputs import PlanningInputs, VillageIn, WarehouseIn
from salur.planning.modes import FloatArray, Mode, ModeTable, TravelClass, great_circle_m
from salur.planning.timetable import Windows
from salur.planning.travel import TravelSource
from salur.planning.waterways import LinkSpec, Waterways

DEFAULT_ZONE = "land"
"""The zone of villages when the data has no landmasses (one road network)."""

BoolArray = npt.NDArray[np.bool_]


class NodeKind(StrEnum):
    WAREHOUSE = "warehouse"
    PPK = "ppk"
    PPS = "pps"
    PORT = "port"


@dataclass(frozen=True, slots=True)
class Node:
    """A place kits start from, pass through or are delivered to."""

    code: str
    kind: NodeKind
    name: str
    lat: float
    lon: float
    zone: str
    regency: str


@dataclass(frozen=True, slots=True)
class Zone:
    """A landmass (``LAND``) or a water-access zone (``WATER``) with its gateway ports."""

    id: str
    travel_class: TravelClass
    gateways: tuple[str, ...] = ()
    tide: str | None = None


@dataclass
class Network:
    """Nodes of one regency plus every port, with the rules of movement between them."""

    nodes: dict[str, Node]
    zones: dict[str, Zone]
    ports: tuple[str, ...]
    links: tuple[LinkSpec, ...]
    tides: dict[str, Windows]
    modes: ModeTable
    source: TravelSource
    quay_radius_m: float

    def zone_of(self, code: str) -> Zone:
        return self.zones[self.nodes[code].zone]

    def allowed(self, cls: TravelClass, xs: Sequence[str], ys: Sequence[str]) -> BoolArray:
        """Which direct edges ``x -> y`` a vehicle of class ``cls`` may travel (no links)."""
        zx = [self.nodes[x].zone for x in xs]
        zy = [self.nodes[y].zone for y in ys]
        same = np.array(zx, dtype=object)[:, None] == np.array(zy, dtype=object)[None, :]
        same = same.reshape(len(xs), len(ys)).astype(bool)
        if cls == TravelClass.LAND:
            land = np.array(
                [self.zones[z].travel_class == TravelClass.LAND for z in zx], dtype=bool
            )
            road: BoolArray = np.asarray(same & land.reshape(-1, 1), dtype=bool)
            return road
        water_x = np.array(
            [self.zones[z].travel_class == TravelClass.WATER for z in zx], dtype=bool
        )
        result: BoolArray = same & water_x.reshape(-1, 1)
        result |= self._gateway(xs, zy) | self._gateway(ys, zx).T
        return result | self._quay(xs, ys)

    def tide_of_edge(self, x: str, y: str) -> str | None:
        """The tide windows a boat must start in to go between a port and a tidal water zone.

        Only the crossing between a port and the zone waits for the tide; once in, a boat keeps
        going from desa to desa on the same water.
        """
        for port, other in ((x, y), (y, x)):
            zone = self.zone_of(other)
            if (
                self.nodes[port].kind == NodeKind.PORT
                and zone.travel_class == TravelClass.WATER
                and zone.tide
            ):
                return zone.tide
        return None

    def tide_waits(self, xs: Sequence[str], ys: Sequence[str]) -> FloatArray:
        """Expected tide wait of each boat edge ``x -> y`` (see `tide_of_edge`)."""

        def zone_wait(codes: Sequence[str]) -> FloatArray:
            waits = np.zeros(len(codes))
            for i, code in enumerate(codes):
                zone = self.zone_of(code)
                if zone.travel_class == TravelClass.WATER and zone.tide:
                    waits[i] = self.tides[zone.tide].expected_wait_s()
            return waits

        def is_port(codes: Sequence[str]) -> BoolArray:
            return np.array([self.nodes[c].kind == NodeKind.PORT for c in codes], dtype=bool)

        wx, wy = zone_wait(xs), zone_wait(ys)
        px, py = is_port(xs), is_port(ys)
        waits: FloatArray = np.where(px[:, None], wy[None, :], 0.0)
        return np.maximum(waits, np.where(py[None, :], wx[:, None], 0.0))

    def class_links(self, cls: TravelClass) -> tuple[LinkSpec, ...]:
        """Ro-ro links carry road vehicles; boat links are sailed by boats."""
        kind = "roro" if cls == TravelClass.LAND else "boat"
        return tuple(link for link in self.links if link.kind == kind)

    def table(
        self, cls: TravelClass, mode: Mode, xs: Sequence[str], ys: Sequence[str]
    ) -> tuple[FloatArray, FloatArray]:
        """Distance and duration of every allowed direct edge (inf where not allowed)."""
        ok = self.allowed(cls, xs, ys)
        distance = np.full(ok.shape, np.inf)
        duration = np.full(ok.shape, np.inf)
        if ok.any():
            rows = np.flatnonzero(ok.any(axis=1))
            cols = np.flatnonzero(ok.any(axis=0))
            d, t = self.source.table(
                mode,
                [self.nodes[xs[int(i)]] for i in rows],
                [self.nodes[ys[int(j)]] for j in cols],
            )
            sub = np.ix_(rows, cols)
            distance[sub] = np.where(ok[sub], d, np.inf)
            duration[sub] = np.where(ok[sub], t, np.inf)
        self._check_holes(mode, xs, ys, distance)
        return distance, duration

    def link_travel(self, link: LinkSpec, mode: Mode) -> tuple[float, float, float]:
        """Distance, duration and expected wait of a link for a vehicle of ``mode``."""
        a, b = self.nodes[link.a], self.nodes[link.b]
        if link.kind == "roro":
            ferry = self.modes.modes.get("roro", mode)
            distance = link.distance_m or float(
                ferry.estimate(great_circle_m(a.lat, a.lon, b.lat, b.lon))[0]
            )
            wait = link.timetable.expected_wait_s() if link.timetable else 0.0
            return distance, float(link.crossing_s or ferry.duration_s(distance)), wait
        distance = link.distance_m or float(
            mode.estimate(great_circle_m(a.lat, a.lon, b.lat, b.lon))[0]
        )
        wait = self.tides[link.tide].expected_wait_s() if link.tide else 0.0
        return distance, mode.duration_s(distance), wait

    def _gateway(self, xs: Sequence[str], zy: Sequence[str]) -> BoolArray:
        out = np.zeros((len(xs), len(zy)), dtype=bool)
        for j, zone in enumerate(zy):
            gateways = self.zones[zone].gateways
            if gateways:
                out[:, j] = [x in gateways for x in xs]
        return out

    def _quay(self, xs: Sequence[str], ys: Sequence[str]) -> BoolArray:
        px = np.array([self.nodes[x].kind == NodeKind.PORT for x in xs], dtype=bool)
        py = np.array([self.nodes[y].kind == NodeKind.PORT for y in ys], dtype=bool)
        pair: BoolArray = np.asarray(px[:, None] ^ py[None, :], dtype=bool)
        if not pair.any() or self.quay_radius_m <= 0:
            return np.zeros_like(pair)
        lat1 = np.array([self.nodes[x].lat for x in xs], dtype=np.float64)[:, None]
        lon1 = np.array([self.nodes[x].lon for x in xs], dtype=np.float64)[:, None]
        lat2 = np.array([self.nodes[y].lat for y in ys], dtype=np.float64)[None, :]
        lon2 = np.array([self.nodes[y].lon for y in ys], dtype=np.float64)[None, :]
        near: BoolArray = great_circle_m(lat1, lon1, lat2, lon2) <= self.quay_radius_m
        return np.asarray(pair & near, dtype=bool)

    def _check_holes(
        self, mode: Mode, xs: Sequence[str], ys: Sequence[str], distance: FloatArray
    ) -> None:
        holes = np.argwhere(np.isnan(distance))
        if len(holes):
            from salur.errors import SalurError

            pairs = [f"{xs[int(i)]} -> {ys[int(j)]}" for i, j in holes[:5]]
            raise SalurError(
                "plan.matrix_holes",
                count=len(holes),
                mode=mode.id,
                pairs="; ".join(pairs),
                source=self.source.name,
            )


def village_zone(village: VillageIn, waterways: Waterways) -> str:
    """A village's zone: its water-access zone if listed and not on an island, else its landmass."""
    for spec in waterways.zones:
        if (
            spec.district == village.district
            and village.code not in spec.except_villages
            and not village.on_island
        ):
            return spec.id
    return village.landmass or DEFAULT_ZONE


def all_zones(villages: Sequence[VillageIn], waterways: Waterways) -> dict[str, Zone]:
    """Land zones of every landmass seen, plus the water zones of the data."""
    zones = {DEFAULT_ZONE: Zone(DEFAULT_ZONE, TravelClass.LAND)}
    for v in villages:
        if v.landmass:
            zones.setdefault(v.landmass, Zone(v.landmass, TravelClass.LAND))
    for spec in waterways.zones:
        zones[spec.id] = Zone(spec.id, TravelClass.WATER, spec.gateways, spec.tide)
    return zones


def port_nodes(inputs: PlanningInputs, waterways: Waterways) -> tuple[list[Node], list[str]]:
    """Ports at their own point, or their village's (a proxy, labelled in ports.csv); and the
    ids of ports that have neither."""
    villages = {v.code: v for v in (*inputs.villages, *inputs.port_villages)}
    nodes, unplaced = [], []
    for spec in waterways.ports:
        village = villages.get(spec.village or "")
        lat = spec.lat if spec.lat is not None else (village.lat if village else None)
        lon = spec.lon if spec.lon is not None else (village.lon if village else None)
        if lat is None or lon is None:
            unplaced.append(spec.id)
            continue
        zone = village_zone(village, waterways) if village else DEFAULT_ZONE
        nodes.append(Node(spec.id, NodeKind.PORT, spec.name, lat, lon, zone, spec.regency))
    return nodes, unplaced


def warehouse_node(
    warehouses: Sequence[WarehouseIn],
    villages: Sequence[VillageIn],
    waterways: Waterways,
) -> Node | None:
    """The regency's warehouse with a point (first by site id); zone from the nearest village."""
    located = sorted(
        (w for w in warehouses if w.lat is not None and w.lon is not None), key=lambda w: w.site_id
    )
    if not located:
        return None
    site = located[0]
    assert site.lat is not None and site.lon is not None
    own = [v for v in villages if v.code == site.village and v.lat is not None]
    pool = own or [v for v in villages if v.district == site.district and v.lat is not None]
    pool = pool or [v for v in villages if v.lat is not None]
    zone = DEFAULT_ZONE
    if pool:
        lats = np.array([v.lat for v in pool], dtype=np.float64)
        lons = np.array([v.lon for v in pool], dtype=np.float64)
        nearest = pool[int(np.argmin(great_circle_m(site.lat, site.lon, lats, lons)))]
        zone = village_zone(nearest, waterways)
    return Node(site.site_id, NodeKind.WAREHOUSE, site.name, site.lat, site.lon, zone, site.regency)
