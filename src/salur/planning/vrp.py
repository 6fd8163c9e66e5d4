"""Turns a leg problem into a generic routing problem, solves it, and reads back vehicle tours.

Kits bound for the same next stop are packed, in destination order, into chunks no larger than
the leg's reference vehicle (the largest owned one, else the largest): full loads go straight,
remainders share trucks. Each vehicle type offers ``units x days`` vehicle-days, each with
several trips (reloads at the depot) inside its shift; owned vehicles have a low fixed cost and
hired ones a high one, so the solver hires only when it must. Distances in metres, times in
seconds; cost in rupiah. Loads go to the solver in whole kilograms and litres (each kit rounded
up, each capacity down, so a load the solver accepts fits exactly too): gram and cm3 figures
are so large beside the costs that the solver's penalties cannot enforce them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyvrp.exceptions import PenaltyBoundWarning

from salur.planning.echelons import Schedule
from salur.planning.fleet import VehicleSpec
from salur.planning.legs import LegProblem, Move
from salur.planning.network import Network
from salur.planning.paths import ClassPaths
from salur.planning.routing import (
    NO_ARC,
    Client,
    Depot,
    RoutingProblem,
    SolveParams,
    TimeWindow,
    TravelProfile,
    UnassignedReason,
    VehicleType,
    as_matrix,
    solve,
)
from salur.planning.sites import Reason


def kit_units(move: Move) -> tuple[int, int]:
    """A kit's load in the solver's units: kilograms and litres, rounded up."""
    return -(-move.weight_g // 1000), -(-move.volume_cm3 // 1000)


def capacity_units(spec: VehicleSpec) -> tuple[int, int]:
    """A vehicle's capacity in kilograms and litres, rounded down."""
    return spec.capacity_g // 1000, spec.capacity_cm3 // 1000


def _fits(move: Move, spec: VehicleSpec) -> bool:
    load, cap = kit_units(move), capacity_units(spec)
    return load[0] <= cap[0] and load[1] <= cap[1]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Kits delivered together at one stop by one trip."""

    node: str
    moves: tuple[Move, ...]

    @property
    def units(self) -> tuple[int, int]:
        """Load in kilograms and litres (see `kit_units`)."""
        loads = [kit_units(m) for m in self.moves]
        return sum(w for w, _ in loads), sum(v for _, v in loads)


@dataclass(frozen=True)
class Tour:
    """One vehicle-day (or multi-day boat tour) of a leg: trips of chunks, in order."""

    problem: LegProblem
    spec: VehicleSpec
    paths: ClassPaths
    trips: tuple[tuple[Chunk, ...], ...]
    planned_offsets: dict[str, float]

    @property
    def moves(self) -> list[Move]:
        return [m for trip in self.trips for chunk in trip for m in chunk.moves]


@dataclass
class LegSolution:
    problem: LegProblem
    tours: list[Tour]
    unserved: dict[str, Reason]


def chunk_moves(moves: Sequence[Move], capacity: tuple[int, int]) -> list[Chunk]:
    """Greedy packing per next stop, in (stop, destination, TPS) order (kg and litres)."""
    chunks: list[Chunk] = []
    ordered = sorted(moves, key=lambda m: (m.next, m.final, m.tps))
    current: list[Move] = []
    weight = volume = 0
    for move in ordered:
        kg, litres = kit_units(move)
        fits = weight + kg <= capacity[0] and volume + litres <= capacity[1]
        if current and (move.next != current[0].next or not fits):
            chunks.append(Chunk(current[0].next, tuple(current)))
            current, weight, volume = [], 0, 0
        current.append(move)
        weight, volume = weight + kg, volume + litres
    if current:
        chunks.append(Chunk(current[0].next, tuple(current)))
    return chunks


@dataclass(frozen=True)
class Search:
    """The search budget of one leg: a time limit, or iterations growing with its clients, or
    (``cap``) those iterations stopped early by the time limit."""

    seed: int
    time_limit_s: float | None
    per_client: int
    floor: int
    ceiling: int
    cap: bool = False

    def params(self, clients: int) -> SolveParams:
        iterations = max(self.floor, min(self.ceiling, self.per_client * clients))
        if self.time_limit_s is not None and self.cap:
            return SolveParams(self.seed, self.time_limit_s, max_iterations=iterations)
        if self.time_limit_s is not None:
            return SolveParams(seed=self.seed, time_limit_s=self.time_limit_s)
        return SolveParams(seed=self.seed, time_limit_s=None, max_iterations=iterations)


def solve_leg(
    problem: LegProblem,
    network: Network,
    specs: Sequence[VehicleSpec],
    schedule: Schedule,
    days: int,
    search: Search,
) -> LegSolution:
    """Route one leg problem; kits that no vehicle can take are named with the reason.

    Kits are packed in chunks of the largest vehicle whose class can carry the whole leg
    (`chunk_sizes`); if the solver cannot fit those chunks into the fleet's time, the next
    smaller size is tried, down to the smallest vehicle.
    """
    if not specs:
        reason = Reason(
            "plan.reason.no_vehicle",
            (("site", problem.depot), ("travel_class", str(problem.travel_class))),
        )
        return LegSolution(problem, [], {m.tps: reason for m in problem.moves})
    fitting, too_big = [], {}
    for move in problem.moves:
        if any(_fits(move, s) for s in specs):
            fitting.append(move)
        else:
            too_big[move.tps] = Reason("plan.reason.kit_too_big", (("site", problem.depot),))
    if not fitting:
        return LegSolution(problem, [], too_big)
    stops = sorted({m.next for m in fitting})
    codes = [problem.depot, *stops]
    paths = {
        mode: ClassPaths(network, problem.travel_class, network.modes.with_speed(*mode), codes)
        for mode in sorted({(s.mode, s.speed_kmh) for s in specs}, key=str)
    }
    solution = LegSolution(problem, [], {})
    for size in chunk_sizes(fitting, specs, days):
        chunks = chunk_moves(fitting, size)
        spec = next(s for s in specs if capacity_units(s) == size)
        shuttles, rest = _shuttles(problem, chunks, spec, paths, schedule, days)
        solution = _route(
            problem, rest, codes, paths, specs, schedule, days, search, {spec: len(shuttles)}
        )
        solution.tours[:0] = shuttles
        if not solution.unserved:
            break
    solution.unserved.update(too_big)
    return solution


def _shuttles(
    problem: LegProblem,
    chunks: list[Chunk],
    spec: VehicleSpec,
    paths: dict[tuple[str, float | None], ClassPaths],
    schedule: Schedule,
    days: int,
) -> tuple[list[Tour], list[Chunk]]:
    """Full loads go straight out and back; pack those trips into vehicle tours first-fit.

    A full load (nine tenths of the vehicle or more) shares its trip with nothing, so routing
    it would only decide which trips share a vehicle-day; packing them here keeps the solver's
    problem to the partial loads, which is where routing saves kilometres.
    """
    size = capacity_units(spec)
    mode_paths = paths[(spec.mode, spec.speed_kmh)]
    time = mode_paths.time
    index = {code: i for i, code in enumerate(mode_paths.codes)}

    def trip_s(chunk: Chunk) -> float:
        i = index[chunk.node]
        return float(
            schedule.load_s_per_trip + time[0, i] + _service_s(chunk, schedule) + time[i, 0]
        )

    full = [c for c in chunks if c.units[0] >= 0.9 * size[0] or c.units[1] >= 0.9 * size[1]]
    full = [c for c in full if trip_s(c) <= spec.work_s]
    full.sort(key=lambda c: (-trip_s(c), c.node, c.moves[0].tps))
    available = spec.count * max(1, days // spec.days_per_tour)
    tours: list[list[Chunk]] = []
    busy: list[float] = []
    chosen = {id(c) for c in full}
    rest = [c for c in chunks if id(c) not in chosen]
    for chunk in full:
        need = trip_s(chunk)
        slot = next(
            (
                k
                for k, trips in enumerate(tours)
                if busy[k] + need <= spec.work_s and len(trips) < spec.max_trips
            ),
            None,
        )
        if slot is None and len(tours) < available:
            tours.append([])
            busy.append(0.0)
            slot = len(tours) - 1
        if slot is None:
            rest.append(chunk)
            continue
        tours[slot].append(chunk)
        busy[slot] += need
    out = []
    for trips in tours:
        offsets: dict[str, float] = {}
        start = 0.0
        for chunk in trips:
            arrive = start + schedule.load_s_per_trip + float(time[0, index[chunk.node]])
            offsets.update(dict.fromkeys((m.tps for m in chunk.moves), arrive))
            start += trip_s(chunk)
        out.append(Tour(problem, spec, mode_paths, tuple((c,) for c in trips), offsets))
    return out, rest


def chunk_sizes(
    moves: Sequence[Move], specs: Sequence[VehicleSpec], days: int
) -> list[tuple[int, int]]:
    """Chunk sizes to try, largest first: a vehicle size qualifies when the vehicles at least
    that large could carry every kit of the leg (with a fifth to spare) in the window."""
    need = sum(kit_units(m)[1] for m in moves) * 1.2
    sizes = sorted({capacity_units(s) for s in specs}, key=lambda c: (c[1], c[0]), reverse=True)
    out = []
    for size in sizes:
        room = sum(
            capacity_units(s)[1] * s.count * max(1, days // s.days_per_tour) * s.max_trips
            for s in specs
            if capacity_units(s)[1] >= size[1]
        )
        if room >= need or size == sizes[-1]:
            out.append(size)
    return out


def _route(
    problem: LegProblem,
    chunks: list[Chunk],
    codes: list[str],
    paths: dict[tuple[str, float | None], ClassPaths],
    specs: Sequence[VehicleSpec],
    schedule: Schedule,
    days: int,
    search: Search,
    taken: dict[VehicleSpec, int],
) -> LegSolution:
    if not chunks:
        return LegSolution(problem, [], {})
    profiles = tuple(_profile(paths[mode]) for mode in paths)
    profile_of = {mode: idx for idx, mode in enumerate(paths)}
    usable = [
        s
        for s in specs
        if any(_chunk_fits(c, s) for c in chunks) and _tours(s, days) > taken.get(s, 0)
    ]
    if not usable:
        return LegSolution(
            problem,
            [],
            {
                m.tps: Reason(
                    "plan.reason.fleet_too_small", (("site", problem.depot), ("to", c.node))
                )
                for c in chunks
                for m in c.moves
            },
        )
    routing = RoutingProblem(
        load_dimensions=("weight_kg", "volume_l"),
        depots=(Depot(0, problem.depot, schedule.load_s_per_trip),),
        clients=tuple(_client(c, codes.index(c.node), schedule) for c in chunks),
        vehicle_types=tuple(
            _vehicle_type(s, _tours(s, days) - taken.get(s, 0), profile_of[(s.mode, s.speed_kmh)])
            for s in usable
        ),
        profiles=profiles,
    )
    with warnings.catch_warnings():
        # An infeasible leg (too few vehicles) is expected input; its routes are rejected below.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        solution = solve(routing, search.params(len(chunks)))
    tours: list[Tour] = []
    unserved: dict[str, Reason] = {}
    for route in solution.routes:
        if route.time_warp or any(route.excess_load) or route.excess_distance:
            for trip in route.trips:
                for v in trip.visits:
                    chunk = chunks[v.client]
                    reason = Reason(
                        "plan.reason.fleet_too_small", (("site", problem.depot), ("to", chunk.node))
                    )
                    unserved.update({m.tps: reason for m in chunk.moves})
            continue
        spec = usable[route.vehicle_type]
        trips = tuple(tuple(chunks[v.client] for v in trip.visits) for trip in route.trips)
        offsets = {
            m.tps: float(v.service_start - route.start_time)
            for trip in route.trips
            for v in trip.visits
            for m in chunks[v.client].moves
        }
        tours.append(Tour(problem, spec, paths[(spec.mode, spec.speed_kmh)], trips, offsets))
    for item in solution.unassigned:
        key = (
            "plan.reason.unreachable"
            if item.reason == UnassignedReason.UNREACHABLE
            else "plan.reason.fleet_too_small"
        )
        reason = Reason(key, (("site", problem.depot), ("to", chunks[item.client].node)))
        unserved.update({m.tps: reason for m in chunks[item.client].moves})
    return LegSolution(problem, tours, unserved)


def _chunk_fits(chunk: Chunk, spec: VehicleSpec) -> bool:
    load, cap = chunk.units, capacity_units(spec)
    return load[0] <= cap[0] and load[1] <= cap[1]


def _size(spec: VehicleSpec) -> tuple[int, int]:
    return (spec.capacity_cm3, spec.capacity_g)


def _profile(paths: ClassPaths) -> TravelProfile:
    time, distance = paths.time, paths.distance
    finite = np.isfinite(time)
    duration = np.where(finite, np.ceil(np.where(finite, time, 0)), NO_ARC)
    metres = np.where(finite, np.round(np.where(finite, distance, 0)), NO_ARC)
    return TravelProfile(
        as_matrix(metres.astype(np.int64)), as_matrix(duration.astype(np.int64)), paths.mode.id
    )


def _client(chunk: Chunk, location: int, schedule: Schedule) -> Client:
    return Client(
        location=location,
        demand=chunk.units,
        name=chunk.node,
        service_duration=_service_s(chunk, schedule),
    )


def _tours(spec: VehicleSpec, days: int) -> int:
    """Vehicle-tours a type offers in a window of ``days``."""
    return spec.count * max(1, days // spec.days_per_tour)


def _service_s(chunk: Chunk, schedule: Schedule) -> int:
    return math.ceil(schedule.unload_s_per_stop + schedule.unload_s_per_kit * len(chunk.moves))


def _vehicle_type(spec: VehicleSpec, tours: int, profile: int) -> VehicleType:
    return VehicleType(
        count=tours,
        capacity=capacity_units(spec),
        name=spec.vehicle_type,
        fixed_cost=spec.fixed_cost,
        cost_per_distance=max(1, round(spec.cost_per_km / 1000)),
        shift=TimeWindow(0, spec.work_s),
        max_duration=spec.work_s,
        reload_depots=(0,) if spec.max_trips > 1 else (),
        max_reloads=spec.max_trips - 1 if spec.max_trips > 1 else None,
        profile=profile,
    )
