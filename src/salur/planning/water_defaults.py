"""Default boat crossings to landmasses that no port or water link of the data reaches.

A regency's desa on another landmass than its warehouse need a water leg; where ports.csv and
water_links.csv give none (every province beyond Riau), each such landmass is joined to the
landmasses already reached by one default boat link between the nearest pair of desa, with a
default jetty at each desa point (nearest first, as in Prim's spanning tree). The links carry no
timetable, tide or measured distance: the boat's estimate applies. Labelled ``default``.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from salur.planning.config import PlanningData
from salur.planning.inputs import PlanningInputs, VillageIn
from salur.planning.modes import great_circle_m
from salur.planning.network import Node, port_nodes, village_zone, warehouse_node
from salur.planning.sites import with_depot_overrides
from salur.planning.waterways import LinkSpec, PortSpec, Waterways

PORT_PREFIX = "PD-"
LINK_PREFIX = "LD-"


def default_crossings(
    inputs: PlanningInputs, data: PlanningData, by_regency: dict[str, list[VillageIn]]
) -> Waterways:
    """``data.waterways`` plus a default jetty pair and boat link for each unreached landmass."""
    waterways = data.waterways
    ports, _ = port_nodes(inputs, waterways)
    new_ports: dict[str, PortSpec] = {}
    new_links: list[LinkSpec] = []
    for regency in inputs.regencies:
        villages = [
            v for v in by_regency.get(regency.code, []) if v.lat is not None and v.lon is not None
        ]
        warehouses = with_depot_overrides(inputs.warehouses, villages, regency.code, data.depots)
        depot = warehouse_node(warehouses, villages, waterways)
        if depot is None:
            continue
        zones = {v.code: village_zone(v, waterways) for v in villages}
        water = {z.id for z in waterways.zones}
        land = {z for z in zones.values() if z not in water}
        if not land - {depot.zone}:
            continue
        nearby = [p for p in ports if p.regency[:2] == regency.code[:2]]
        reached = _reached(depot.zone, ports, nearby, villages, zones, waterways, data)
        pending = {z: [v for v in villages if zones[v.code] == z] for z in sorted(land - reached)}
        joined = [v for v in villages if zones[v.code] in reached]
        for a, b in _spanning_pairs(joined, pending):
            for v in (a, b):
                new_ports.setdefault(PORT_PREFIX + v.code, _jetty(v, regency.code))
            new_links.append(_crossing(a, b))
    if not new_links:
        return waterways
    return replace(
        waterways,
        ports=(*waterways.ports, *new_ports.values()),
        links=(*waterways.links, *new_links),
    )


def _reached(
    start: str,
    ports: Sequence[Node],
    nearby: Sequence[Node],
    villages: Sequence[VillageIn],
    zones: dict[str, str],
    waterways: Waterways,
    data: PlanningData,
) -> set[str]:
    """Zones a kit can reach from ``start`` over the data's links, gateways and quays."""
    zone_of = {p.code: p.zone for p in ports}
    edges: dict[str, set[str]] = defaultdict(set)

    def join(a: str, b: str) -> None:
        edges[a].add(b)
        edges[b].add(a)

    for link in waterways.links:
        if link.a in zone_of and link.b in zone_of:
            join(zone_of[link.a], zone_of[link.b])
    for spec in waterways.zones:
        for gateway in spec.gateways:
            if gateway in zone_of:
                join(zone_of[gateway], spec.id)
    radius = data.schedule.quay_radius_m
    if nearby and villages and radius > 0:
        lat = np.array([v.lat for v in villages], dtype=np.float64)
        lon = np.array([v.lon for v in villages], dtype=np.float64)
        for port in nearby:
            close = great_circle_m(port.lat, port.lon, lat, lon) <= radius
            for k in np.flatnonzero(close):
                join(port.zone, zones[villages[int(k)].code])
    seen, queue = {start}, deque([start])
    while queue:
        for other in edges[queue.popleft()] - seen:
            seen.add(other)
            queue.append(other)
    return seen


def _spanning_pairs(
    joined: list[VillageIn], pending: dict[str, list[VillageIn]]
) -> list[tuple[VillageIn, VillageIn]]:
    """Join each pending landmass by its desa nearest to a desa already joined, nearest first."""
    pairs: list[tuple[VillageIn, VillageIn]] = []
    joined = list(joined)
    while pending and joined:
        lat1 = np.array([v.lat for v in joined], dtype=np.float64)[:, None]
        lon1 = np.array([v.lon for v in joined], dtype=np.float64)[:, None]
        best: tuple[float, str, VillageIn, VillageIn] | None = None
        for zone, members in pending.items():
            lat2 = np.array([v.lat for v in members], dtype=np.float64)[None, :]
            lon2 = np.array([v.lon for v in members], dtype=np.float64)[None, :]
            distance = great_circle_m(lat1, lon1, lat2, lon2)
            i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
            found = float(distance[i, j])
            if best is None or found < best[0]:
                best = (found, zone, joined[int(i)], members[int(j)])
        assert best is not None
        _, zone, a, b = best
        pairs.append((a, b))
        joined.extend(pending.pop(zone))
    return pairs


def _jetty(village: VillageIn, regency: str) -> PortSpec:
    return PortSpec(
        id=PORT_PREFIX + village.code,
        name=f"{village.name} (default jetty)",
        kind="default_jetty",
        regency=regency,
        village=village.code,
        lat=None,
        lon=None,
        status="default",
        note="Default jetty at the desa point: no port of this landmass is in ports.csv",
    )


def _crossing(a: VillageIn, b: VillageIn) -> LinkSpec:
    return LinkSpec(
        id=f"{LINK_PREFIX}{a.code}-{b.code}",
        a=PORT_PREFIX + a.code,
        b=PORT_PREFIX + b.code,
        kind="boat",
        distance_m=None,
        crossing_s=None,
        timetable=None,
        tide=None,
        status="default",
    )
