"""The direct-dispatch baseline: a dedicated round trip per PPK, per PPS and per TPS.

What a plan is measured against. Each PPK gets its own trips from the warehouse, each PPS its
own from its PPK, each TPS its own from its PPS, along the same network paths (boats where the
plan needs boats) in the largest vehicle of each base, as many trips as its kits need. The
largest vehicle makes the baseline as short as direct dispatch can be, so the comparison is
conservative.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.inputs import PlanningInputs
from salur.planning.legs import BASE_OF_KIND
from salur.planning.local import FROM_CENTRE, MAX_RADIUS_M, local_radii
from salur.planning.modes import TravelClass
from salur.planning.network import all_zones, port_nodes
from salur.planning.paths import ClassPaths, kit_paths
from salur.planning.sites import RegencySites, regency_sites
from salur.planning.travel import EstimateSource, TravelSource


@dataclass
class Baseline:
    """Vehicle-km and dedicated trips per echelon."""

    vehicle_km: dict[EchelonId, float] = field(default_factory=lambda: defaultdict(float))
    trips: dict[EchelonId, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Baseline) -> None:
        """Fold another region's baseline into this one."""
        for echelon in EchelonId:
            self.vehicle_km[echelon] += other.vehicle_km[echelon]
            self.trips[echelon] += other.trips[echelon]

    @property
    def total_km(self) -> float:
        return sum(self.vehicle_km.values())

    @property
    def total_trips(self) -> int:
        return sum(self.trips.values())


def direct_dispatch(
    inputs: PlanningInputs, data: PlanningData, source: TravelSource | None = None
) -> Baseline:
    """The baseline of every TPS kit of the region whose chain can be placed."""
    travel: TravelSource = source or EstimateSource()
    ports, _ = port_nodes(inputs, data.waterways)
    zones = all_zones((*inputs.villages, *inputs.port_villages), data.waterways)
    radii = local_radii(inputs.villages)
    result = Baseline()
    for regency in inputs.regencies:
        sites = regency_sites(
            inputs.for_regency(regency.code),
            ports,
            zones,
            data.waterways,
            data.depots,
            data.modes,
            travel,
            data.schedule.quay_radius_m,
        )
        result.add(regency_baseline(sites, data, radii))
    return result


def regency_baseline(sites: RegencySites, data: PlanningData, radii: dict[str, float]) -> Baseline:
    """The baseline of one placed regency."""
    result = Baseline()
    _routed(sites, data, EchelonId.WAREHOUSE_PPK, result)
    _routed(sites, data, EchelonId.PPK_PPS, result)
    _local(sites, data, radii, result)
    return result


def _routed(sites: RegencySites, data: PlanningData, echelon: EchelonId, out: Baseline) -> None:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for chain in sites.chains.values():
        pair = (
            (chain.warehouse, chain.ppk)
            if echelon == EchelonId.WAREHOUSE_PPK
            else (chain.ppk, chain.pps)
        )
        groups[pair].append(chain.tps)
    net = sites.network
    by_origin: dict[str, list[str]] = defaultdict(list)
    for origin, destination in groups:
        by_origin[origin].append(destination)
    for origin, destinations in sorted(by_origin.items()):
        base = BASE_OF_KIND[net.nodes[origin].kind]
        starts = [
            c
            for c in TravelClass
            if c != TravelClass.FERRY and data.fleet.at(sites.regency, base, origin, net.modes, c)
        ]
        paths = kit_paths(net, origin, sorted(destinations), starts, data.schedule.transfer_s)
        for destination in destinations:
            path = paths.get(destination)
            if path is None:
                continue
            kits = [sites.kits[t] for t in groups[origin, destination]]
            for hop in path.hops:
                hop_base = BASE_OF_KIND[net.nodes[hop.frm].kind]
                specs = data.fleet.at(
                    sites.regency, hop_base, hop.frm, net.modes, hop.travel_class, len(kits)
                )
                if not specs:
                    continue
                spec = max(specs, key=lambda s: (s.capacity_cm3, s.capacity_g))
                mode = net.modes.with_speed(spec.mode, spec.speed_kmh)
                paths_ = ClassPaths(net, hop.travel_class, mode, [hop.frm, hop.to])
                there_back = float(paths_.distance[0, 1] + paths_.distance[1, 0])
                trips = max(
                    math.ceil(sum(k.weight_g for k in kits) / spec.capacity_g),
                    math.ceil(sum(k.volume_cm3 for k in kits) / spec.capacity_cm3),
                )
                out.trips[echelon] += trips
                out.vehicle_km[echelon] += trips * there_back / 1000


def _local(sites: RegencySites, data: PlanningData, radii: dict[str, float], out: Baseline) -> None:
    net = sites.network
    for chain in sites.chains.values():
        cls = net.zone_of(chain.pps).travel_class
        specs = data.fleet.at(sites.regency, "pps", chain.pps, net.modes, cls, 1)
        if not specs:
            continue
        mode = net.modes[specs[0].mode]
        radius = radii.get(chain.pps, MAX_RADIUS_M)
        out.trips[EchelonId.PPS_TPS] += 1
        out.vehicle_km[EchelonId.PPS_TPS] += 2 * radius * FROM_CENTRE * mode.detour / 1000
