"""A small synthetic network for the planning unit tests: a mainland, an island, a river zone.

    mainland (L0): warehouse W, village V0, port P0 (gateway of the tidal river zone WZ)
    island   (L1): port P1, village V1        river zone WZ: village V2 (boats only, tide T)

P0 and P1 are joined by one water link, a boat link or a ro-ro ferry as the test asks.
"""

from __future__ import annotations

from salur.planning.config import PACKAGE_DATA
from salur.planning.modes import ModeTable, TravelClass, load_modes
from salur.planning.network import Network, Node, NodeKind, Zone
from salur.planning.timetable import Timetable, Windows
from salur.planning.travel import EstimateSource
from salur.planning.waterways import LinkSpec

MODES: ModeTable = load_modes(PACKAGE_DATA / "modes.toml")
TIDE = Windows(((6 * 3600, 10 * 3600), (18 * 3600, 22 * 3600)))
FERRY = Timetable((8 * 3600, 14 * 3600))


def node(code: str, kind: NodeKind, lat: float, lon: float, zone: str) -> Node:
    return Node(code, kind, code, lat, lon, zone, "99.01")


def network(link: str = "boat", quay_radius_m: float = 1000.0) -> Network:
    """The synthetic network, with a ``boat`` or ``roro`` link between P0 and P1."""
    nodes = [
        node("W", NodeKind.WAREHOUSE, 0.0, 101.0, "L0"),
        node("V0", NodeKind.PPK, 0.1, 101.2, "L0"),
        node("P0", NodeKind.PORT, 0.0, 101.5, "L0"),
        node("P1", NodeKind.PORT, 0.0, 101.7, "L1"),
        node("V1", NodeKind.PPK, 0.05, 101.8, "L1"),
        node("V2", NodeKind.PPK, 0.3, 101.6, "WZ"),
    ]
    zones = {
        "L0": Zone("L0", TravelClass.LAND),
        "L1": Zone("L1", TravelClass.LAND),
        "WZ": Zone("WZ", TravelClass.WATER, ("P0",), "T"),
    }
    water = (
        LinkSpec("K", "P0", "P1", "roro", None, 3600, FERRY, None, "assumption")
        if link == "roro"
        else LinkSpec("K", "P0", "P1", "boat", None, None, None, None, "assumption")
    )
    return Network(
        nodes={n.code: n for n in nodes},
        zones=zones,
        ports=("P0", "P1"),
        links=(water,),
        tides={"T": TIDE},
        modes=MODES,
        source=EstimateSource(),
        quay_radius_m=quay_radius_m,
    )
