"""A regency's network as the disruptions leave it: closed edges and links gone, crossings added.

Closures hold for all the repair plans (the planner's paths do not depend on the hour), which
errs on the safe side for a closure that ends before the deadline. A temporary crossing puts a
jetty at each of its two sites (unless the site is a port already) and a boat link between them,
so the ordinary path search hands kits from truck to boat there, as it does at real ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from salur.errors import SalurError
from salur.planning.disruptions import Closure, Disruptions
from salur.planning.modes import TravelClass
from salur.planning.network import BoolArray, Network, Node, NodeKind
from salur.planning.waterways import LinkSpec


@dataclass
class DisruptedNetwork(Network):
    """A network whose edges between closed sites are not allowed."""

    closures: tuple[Closure, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    """A crossing's jetty -> the site it stands at: closures of the site close it too."""

    def allowed(self, cls: TravelClass, xs: Sequence[str], ys: Sequence[str]) -> BoolArray:
        ok = super().allowed(cls, xs, ys)
        relevant = [c for c in self.closures if c.travel_class == cls]
        if not relevant:
            return ok
        ax = np.array([self.aliases.get(x, x) for x in xs], dtype=object)
        ay = np.array([self.aliases.get(y, y) for y in ys], dtype=object)
        for closure in relevant:
            if len(closure.sites) == 1:
                (site,) = closure.sites
                ok[ax == site, :] = False
                ok[:, ay == site] = False
                continue
            a, b = closure.sites
            ok &= ~(np.outer(ax == a, ay == b) | np.outer(ax == b, ay == a))
        return ok


def disrupt_network(network: Network, disruptions: Disruptions) -> DisruptedNetwork:
    """``network`` less the closures and closed links in force at or after the repair, plus the
    temporary crossings."""
    values = {f.name: getattr(network, f.name) for f in fields(Network)}
    nodes = dict(network.nodes)
    ports = list(network.ports)
    closed = disruptions.closed_links()
    links = [link for link in network.links if link.id not in closed]
    aliases: dict[str, str] = {}
    for crossing in disruptions.crossings:
        if crossing.window.end <= disruptions.at:
            continue
        ends = []
        for suffix, site in zip(("A", "B"), crossing.sites, strict=True):
            node = nodes.get(site)
            if node is None:
                raise SalurError("replan.unknown_site", site=site)
            if node.kind == NodeKind.PORT:
                ends.append(site)
                continue
            code = f"{crossing.id}-{suffix}"
            nodes[code] = Node(
                code,
                NodeKind.PORT,
                f"{crossing.id} ({node.name})",
                node.lat,
                node.lon,
                node.zone,
                node.regency,
            )
            ports.append(code)
            ends.append(code)
            aliases[code] = site
        links.append(
            LinkSpec(crossing.id, ends[0], ends[1], "boat", None, None, None, None, "disruption")
        )
    values.update(nodes=nodes, ports=tuple(ports), links=tuple(links))
    closures = tuple(c for c in disruptions.closures if c.window.end > disruptions.at)
    return DisruptedNetwork(**values, closures=closures, aliases=aliases)
