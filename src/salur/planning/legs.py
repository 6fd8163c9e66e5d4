"""Splits each echelon's kit movements into leg problems: one per place and vehicle class.

Each kit of an echelon travels from its origin (warehouse, PPK) to its destination (PPK, PPS)
along its fastest path; where the path changes class (truck to boat at a jetty) a new leg
starts. All kits leaving the same place by the same class, for the same origin, form one leg
problem: a routing problem with that place as depot. Legs are solved independently and
scheduled in path order, so a boat leaves only once its kits have come in by truck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from salur.planning.echelons import EchelonId
from salur.planning.escorts import Vulnerability
from salur.planning.fleet import Fleet
from salur.planning.modes import TravelClass
from salur.planning.network import Network, NodeKind
from salur.planning.paths import kit_paths
from salur.planning.sites import Chain, Reason, RegencySites

BASE_OF_KIND = {
    NodeKind.WAREHOUSE: "warehouse",
    NodeKind.PPK: "ppk",
    NodeKind.PPS: "pps",
    NodeKind.PORT: "port",
}


@dataclass(frozen=True, slots=True)
class Move:
    """One kit on one leg: dropped at ``next``, bound for ``final`` (``remaining_s`` further)."""

    tps: str
    weight_g: int
    volume_cm3: int
    level: str
    final: str
    next: str
    remaining_s: float


@dataclass
class LegProblem:
    """Kits leaving ``depot`` by ``travel_class`` for one origin of one echelon."""

    echelon: EchelonId
    regency: str
    origin: str
    depot: str
    travel_class: TravelClass
    depth: int
    moves: list[Move] = field(default_factory=list)

    @property
    def key(self) -> str:
        return (
            f"E{self.echelon.number}/{self.regency}/{self.origin}/{self.depot}/{self.travel_class}"
        )

    def base_kind(self, network: Network) -> str:
        return BASE_OF_KIND[network.nodes[self.depot].kind]


def leg_problems(
    echelon: EchelonId,
    sites: RegencySites,
    chains: Sequence[Chain],
    ends: Callable[[Chain], tuple[str, str]],
    fleet: Fleet,
    vulnerability: Vulnerability,
    transfer_s: float,
) -> tuple[list[LegProblem], dict[str, Reason]]:
    """Leg problems of one echelon of one regency, in path order; and kits with no path."""
    network = sites.network
    by_origin: dict[str, list[Chain]] = {}
    for chain in chains:
        by_origin.setdefault(ends(chain)[0], []).append(chain)
    problems: dict[str, LegProblem] = {}
    unserved: dict[str, Reason] = {}
    for origin in sorted(by_origin):
        group = by_origin[origin]
        base = BASE_OF_KIND[network.nodes[origin].kind]
        starts = [
            c
            for c in (TravelClass.LAND, TravelClass.WATER)
            if fleet.at(sites.regency, base, origin, network.modes, c)
        ]
        destinations = sorted({ends(chain)[1] for chain in group})
        paths = kit_paths(network, origin, destinations, starts, transfer_s) if starts else {}
        for chain in group:
            final = ends(chain)[1]
            path = paths.get(final)
            if path is None:
                unserved[chain.tps] = Reason(
                    "plan.reason.no_path", (("origin", origin), ("site", final))
                )
                continue
            kit = sites.kits[chain.tps]
            level = vulnerability.level(chain.tps, chain.pps)
            for depth, hop in enumerate(path.hops):
                later = path.hops[depth + 1 :]
                remaining = path.total_s - later[0].offset_s + transfer_s if later else 0.0
                problem = LegProblem(
                    echelon, sites.regency, origin, hop.frm, hop.travel_class, depth
                )
                problem = problems.setdefault(problem.key, problem)
                problem.depth = max(problem.depth, depth)
                problem.moves.append(
                    Move(chain.tps, kit.weight_g, kit.volume_cm3, level, final, hop.to, remaining)
                )
    ordered = sorted(problems.values(), key=lambda p: (p.depth, p.key))
    return ordered, unserved
