"""The kits of a repair: each kit's legs through the routes, which kits lost part of their way,
and where each of them stands (site and time) when it must be planned again.

A kit's legs must follow on: each leaves from where the previous one arrived, not before it
arrived. After routes are given up, cut short or re-timed, a kit whose legs no longer follow
on, or no longer reach its TPS, keeps its legs up to the first break and is taken off every
later one; it is planned again from where it then stands. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from salur.planning.disruptions import FOREVER
from salur.planning.echelons import EchelonId
from salur.planning.plan import RoutePlan
from salur.planning.sites import Chain


@dataclass(frozen=True, slots=True)
class KitLeg:
    """One kit on one trip of one route: loaded at ``frm``, unloaded at ``to``."""

    route: str
    trip: int
    echelon: EchelonId
    frm: str
    to: str
    load_t: int
    unload_t: int


@dataclass(frozen=True, slots=True)
class KitStart:
    """Where a kit stands when it is planned again: ``site`` in ``echelon``, from ``ready``."""

    tps: str
    echelon: EchelonId
    site: str
    ready: int


def kit_legs(routes: Iterable[RoutePlan]) -> dict[str, list[KitLeg]]:
    """Every kit's legs, in the order it travels them."""
    out: dict[str, list[KitLeg]] = defaultdict(list)
    for route in routes:
        loading: dict[str, tuple[int, str, int]] = {}
        for stop in route.stops:
            for tps in stop.loaded:
                loading[tps] = (stop.trip, stop.site, stop.depart)
            for tps in stop.unloaded:
                if tps in loading:
                    trip, site, depart = loading.pop(tps)
                    out[tps].append(
                        KitLeg(
                            route.route_id,
                            trip,
                            route.echelon,
                            site,
                            stop.site,
                            depart,
                            stop.arrive,
                        )
                    )
    for legs in out.values():
        legs.sort(key=lambda leg: (leg.load_t, leg.unload_t))
    return dict(out)


@dataclass(frozen=True)
class Breaks:
    """Kits to plan again with where they stand, and the legs to take them off."""

    starts: dict[str, KitStart]
    removals: dict[tuple[str, int], set[str]]
    """(route id, trip) -> kits to take off that trip."""
    onward: set[str]
    """Kits that keep their legs of later echelons: planned again only up to where those
    legs start (if they still arrive in time to take them)."""


def find_breaks(
    before: Mapping[str, list[KitLeg]],
    after: Mapping[str, list[KitLeg]],
    chains: Mapping[str, Chain],
    at: int,
    lost: Collection[str] = (),
) -> Breaks:
    """Kits whose way changed and no longer follows on to their TPS.

    A kit is taken off its legs of the echelon where its way breaks; its legs of later
    echelons stay, unless the kit is ``lost`` (could not be planned again), when it is taken
    off every leg after the break.
    """
    starts: dict[str, KitStart] = {}
    removals: dict[tuple[str, int], set[str]] = defaultdict(set)
    onward: set[str] = set()
    for tps in sorted(set(before) | set(after)):
        legs, old = after.get(tps, []), before.get(tps, [])
        chain = chains.get(tps)
        if legs == old or chain is None:
            continue
        here, ready, valid = chain.warehouse, -FOREVER, 0
        for leg in legs:
            if leg.frm != here or leg.load_t < ready:
                break
            here, ready, valid = leg.to, leg.unload_t, valid + 1
        rest = legs[valid:]
        reached_before = bool(old) and here == old[-1].to
        if not rest and (here == tps or reached_before or tps in lost):
            continue
        echelon = _echelon_at(here, chain, legs[valid - 1].echelon if valid else None)
        cut = [leg for leg in rest if tps in lost or leg.echelon.number <= echelon.number]
        for leg in cut:
            removals[leg.route, leg.trip].add(tps)
        if len(cut) < len(rest):
            onward.add(tps)
        if tps not in lost:
            starts[tps] = KitStart(tps, echelon, here, max(at, ready))
    return Breaks(starts, dict(removals), onward)


def _echelon_at(site: str, chain: Chain, last: EchelonId | None) -> EchelonId:
    if site == chain.warehouse:
        return EchelonId.WAREHOUSE_PPK
    if site == chain.ppk:
        return EchelonId.PPK_PPS
    if site == chain.pps:
        return EchelonId.PPS_TPS
    return last or EchelonId.WAREHOUSE_PPK


def take_off(route: RoutePlan, trips: Mapping[int, set[str]]) -> RoutePlan:
    """``route`` without the given kits on the given trips (times unchanged)."""
    stops = []
    for stop in route.stops:
        gone = trips.get(stop.trip)
        if gone:
            stop = replace(
                stop,
                loaded=tuple(t for t in stop.loaded if t not in gone),
                unloaded=tuple(t for t in stop.unloaded if t not in gone),
            )
        stops.append(stop)
    return replace(route, stops=tuple(stops))


def carries_nothing(route: RoutePlan) -> bool:
    return not any(stop.loaded or stop.unloaded for stop in route.stops)
