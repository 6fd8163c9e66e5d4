"""Places each TPS kit's chain (warehouse, PPK, PPS) on the network of its regency.

No PPK or PPS office has public coordinates: a PPS sits at its desa point, and a PPK at the
point of its kecamatan's seat, taken as its kelurahan with the most TPS (else its desa with the
most TPS). TPS sit at their desa point. Where a warehouse has no point, `depots.csv` may give a
labelled proxy; TPS whose chain still cannot be placed are named with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from salur.csvrows import read_rows
from salur.planning.inputs import KitIn, PlanningInputs, VillageIn, WarehouseIn
from salur.planning.modes import ModeTable
from salur.planning.network import (
    Network,
    Node,
    NodeKind,
    Zone,
    village_zone,
    warehouse_node,
)
from salur.planning.travel import TravelSource
from salur.planning.waterways import LinkSpec, Waterways


@dataclass(frozen=True, slots=True)
class DepotOverride:
    """A labelled proxy point (a village's) for a warehouse the reference data cannot place."""

    regency: str
    site_id: str
    village: str
    note: str
    name: str = ""
    """Shown when the store has no warehouse of this site id (a default depot)."""


@dataclass(frozen=True, slots=True)
class Chain:
    """The hops of one TPS kit: warehouse -> PPK -> PPS -> TPS (node codes)."""

    tps: str
    pps: str
    ppk: str
    warehouse: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a TPS cannot be served: an i18n key under ``plan.reason`` and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass
class RegencySites:
    """The network of one regency and where every kit of it starts and ends."""

    regency: str
    network: Network
    chains: dict[str, Chain]
    kits: dict[str, KitIn]
    unserved: dict[str, Reason] = field(default_factory=dict)


def load_depot_overrides(path: Path) -> dict[str, DepotOverride]:
    """depots.csv: regency_code, site_id, village_code, status, note."""
    out = {}
    for row in read_rows(path, ["regency_code", "site_id", "village_code"]):
        regency = row.text("regency_code")
        out[regency] = DepotOverride(
            regency, row.text("site_id"), row.text("village_code"), row.opt_text("note") or ""
        )
    return out


def with_depot_overrides(
    warehouses: Sequence[WarehouseIn],
    villages: Sequence[VillageIn],
    regency: str,
    overrides: dict[str, DepotOverride],
) -> list[WarehouseIn]:
    """The regency's warehouses, with the proxy point of `depots.csv` where none has a point."""
    own = [w for w in warehouses if w.regency == regency]
    if any(w.lat is not None and w.lon is not None for w in own):
        return own
    override = overrides.get(regency)
    village = next((v for v in villages if override and v.code == override.village), None)
    if override is None or village is None or village.lat is None:
        return own
    name = next(
        (w.name for w in own if w.site_id == override.site_id), override.name or override.site_id
    )
    return [
        WarehouseIn(
            override.site_id,
            regency,
            name,
            village.district,
            village.code,
            village.lat,
            village.lon,
        )
    ]


def regency_sites(
    inputs: PlanningInputs,
    ports: Sequence[Node],
    zones: dict[str, Zone],
    waterways: Waterways,
    overrides: dict[str, DepotOverride],
    modes: ModeTable,
    source: TravelSource,
    quay_radius_m: float,
) -> RegencySites:
    """Place one regency (``inputs`` already cut to it) and chain each of its kits."""
    (regency,) = (r.code for r in inputs.regencies)
    nodes = {p.code: p for p in ports}
    tps_count = Counter(k.village for k in inputs.kits)
    warehouses = with_depot_overrides(inputs.warehouses, inputs.villages, regency, overrides)
    warehouse = warehouse_node(warehouses, inputs.villages, waterways)
    if warehouse is not None:
        nodes[warehouse.code] = warehouse
    seats = _ppk_nodes(inputs, tps_count, waterways)
    nodes.update({n.code: n for n in seats.values()})
    villages = {v.code: v for v in inputs.villages}
    for v in inputs.villages:
        if v.lat is not None and v.lon is not None:
            zone = village_zone(v, waterways)
            nodes[v.code] = Node(v.code, NodeKind.PPS, v.name, v.lat, v.lon, zone, regency)
    network = Network(
        nodes=nodes,
        zones=zones,
        ports=tuple(p.code for p in ports),
        links=_usable_links(waterways.links, nodes),
        tides=waterways.tides,
        modes=modes,
        source=source,
        quay_radius_m=quay_radius_m,
    )
    sites = RegencySites(regency, network, {}, {k.tps: k for k in inputs.kits})
    for kit in inputs.kits:
        reason = _chain_problem(kit, villages, seats, warehouse, warehouses)
        if reason is not None:
            sites.unserved[kit.tps] = reason
            continue
        village = villages[kit.village]
        assert warehouse is not None
        sites.chains[kit.tps] = Chain(kit.tps, kit.village, village.district, warehouse.code)
    return sites


def _ppk_nodes(
    inputs: PlanningInputs, tps_count: Counter[str], waterways: Waterways
) -> dict[str, Node]:
    seats: dict[str, Node] = {}
    for district in inputs.districts:
        located = [
            v
            for v in inputs.villages
            if v.district == district.code and v.lat is not None and v.lon is not None
        ]
        if not located:
            continue
        seat = min(located, key=lambda v: (v.kind != "kelurahan", -tps_count[v.code], v.code))
        assert seat.lat is not None and seat.lon is not None
        seats[district.code] = Node(
            district.code,
            NodeKind.PPK,
            district.name,
            seat.lat,
            seat.lon,
            village_zone(seat, waterways),
            district.regency,
        )
    return seats


def _chain_problem(
    kit: KitIn,
    villages: dict[str, VillageIn],
    seats: dict[str, Node],
    warehouse: Node | None,
    warehouses: Sequence[WarehouseIn],
) -> Reason | None:
    village = villages.get(kit.village)
    if village is None or village.lat is None or village.lon is None:
        return Reason("plan.reason.village_without_point", (("site", kit.village),))
    if village.district not in seats:
        return Reason("plan.reason.ppk_without_point", (("site", village.district),))
    if warehouse is None:
        sites = ", ".join(w.site_id for w in warehouses) or "-"
        return Reason("plan.reason.warehouse_without_point", (("site", sites),))
    return None


def _usable_links(links: Sequence[LinkSpec], nodes: dict[str, Node]) -> tuple[LinkSpec, ...]:
    return tuple(link for link in links if link.a in nodes and link.b in nodes)
