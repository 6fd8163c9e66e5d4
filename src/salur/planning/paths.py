"""Shortest travel over the network: per-class matrices for routing, and kit paths with transfers.

`ClassPaths` gives, for one vehicle class and mode, the fastest way between any two of a set of
places, directly or through ports (a truck riding the Dumai - Rupat ro-ro), and expands any leg
into its segments for the timetable. `kit_paths` chooses where kits change class (truck to boat
at a jetty), paying the transfer time, so water legs emerge from the data, not from a list.
Planning times include the expected wait for a ferry or a tide; segments keep the bare crossing
time so the schedule can add the actual wait.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from salur.planning.modes import FloatArray, Mode, TravelClass
from salur.planning.network import Network

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a leg: ``kind`` road, boat or roro; ``link`` names a water link."""

    frm: str
    to: str
    mode: str
    distance_m: float
    duration_s: float
    kind: str
    link: str | None = None
    tide: str | None = None


@dataclass(frozen=True, slots=True)
class Hop:
    """Part of a kit's path in one class; ``offset_s`` is the planned time at its start."""

    frm: str
    to: str
    travel_class: TravelClass
    offset_s: float


@dataclass(frozen=True, slots=True)
class KitPath:
    hops: tuple[Hop, ...]
    total_s: float


class ClassPaths:
    """Fastest paths between ``codes`` for vehicles of one class and mode, through the ports."""

    def __init__(self, network: Network, cls: TravelClass, mode: Mode, codes: Sequence[str]):
        self.network, self.cls, self.mode = network, cls, mode
        self.codes = list(codes)
        self.ports = list(network.ports)
        n, ports = self.codes, self.ports
        self._d, self._b, self._t = self._direct(n, n)
        np.fill_diagonal(self._d, 0.0)
        np.fill_diagonal(self._b, 0.0)
        np.fill_diagonal(self._t, 0.0)
        self._np = self._direct(n, ports)
        self._pn = self._direct(ports, n)
        for i, code in enumerate(n):
            if code in ports:
                k = ports.index(code)
                for arr in self._np:
                    arr[i, k] = 0.0
                for arr in self._pn:
                    arr[k, i] = 0.0
        self._port_graph()
        self._via()

    @property
    def time(self) -> FloatArray:
        """Planned seconds between codes (inf where no path)."""
        fastest: FloatArray = np.minimum(self._t, self._via_t)
        return fastest

    @property
    def distance(self) -> FloatArray:
        """Metres along the fastest path."""
        chosen: FloatArray = np.where(self._t <= self._via_t, self._d, self._via_d)
        return chosen

    def segments(self, frm: str, to: str) -> list[Segment]:
        """The fastest path from ``frm`` to ``to`` (two of ``codes``) as segments."""
        i, j = self.codes.index(frm), self.codes.index(to)
        if i == j:
            return []
        if self._t[i, j] <= self._via_t[i, j]:
            return [self._edge(frm, to, float(self._d[i, j]), float(self._b[i, j]))]
        p, q = int(self._via_p[i, j]), int(self._via_q[i, j])
        out = []
        if self.ports[p] != frm:
            out.append(self._edge(frm, self.ports[p], self._np[0][i, p], self._np[1][i, p]))
        out.extend(self._port_path(p, q))
        if self.ports[q] != to:
            out.append(self._edge(self.ports[q], to, self._pn[0][q, j], self._pn[1][q, j]))
        return out

    def _direct(self, xs: Sequence[str], ys: Sequence[str]) -> tuple[FloatArray, ...]:
        distance, base = self.network.table(self.cls, self.mode, xs, ys)
        if self.cls == TravelClass.LAND:
            return distance, base, base
        return distance, base, base + self.network.tide_waits(xs, ys)

    def _port_graph(self) -> None:
        ports = self.ports
        d, b, t = self._direct(ports, ports)
        link = np.full(d.shape, -1, dtype=np.int64)
        links = self.network.class_links(self.cls)
        for idx, spec in enumerate(links):
            dist, base, wait = self.network.link_travel(spec, self.mode)
            for a, c in ((spec.a, spec.b), (spec.b, spec.a)):
                i, j = ports.index(a), ports.index(c)
                if base + wait < t[i, j]:
                    d[i, j], b[i, j], t[i, j], link[i, j] = dist, base, base + wait, idx
        np.fill_diagonal(t, 0.0)
        np.fill_diagonal(d, 0.0)
        np.fill_diagonal(b, 0.0)
        self._links, self._hop_link = links, link
        nxt = np.tile(np.arange(len(ports)), (len(ports), 1))
        for k in range(len(ports)):
            through = t[:, k : k + 1] + t[k : k + 1, :]
            better = through < t
            t = np.where(better, through, t)
            d = np.where(better, d[:, k : k + 1] + d[k : k + 1, :], d)
            b = np.where(better, b[:, k : k + 1] + b[k : k + 1, :], b)
            nxt = np.where(better, nxt[:, k : k + 1], nxt)
        self._pp = (d, b, t)
        self._next = nxt

    def _via(self) -> None:
        n = len(self.codes)
        if not self.ports:
            self._via_t = np.full((n, n), INF)
            self._via_d = self._via_t.copy()
            self._via_p = self._via_q = np.zeros((n, n), dtype=np.int64)
            return
        pd, _, pt = self._pp
        first = self._np[2][:, :, None] + pt[None, :, :]  # node -> p -> q
        best_p = np.argmin(first, axis=1)  # (n, P): best p for each q
        to_q = np.take_along_axis(first, best_p[:, None, :], axis=1)[:, 0, :]
        total = to_q[:, :, None] + self._pn[2][None, :, :]  # node -> q -> node
        best_q = np.argmin(total, axis=1)
        self._via_t = np.take_along_axis(total, best_q[:, None, :], axis=1)[:, 0, :]
        rows = np.arange(n)[:, None]
        self._via_q = best_q
        self._via_p = best_p[rows, best_q]
        p, q = self._via_p, self._via_q
        self._via_d = self._np[0][rows, p] + pd[p, q] + self._pn[0][q, np.arange(n)[None, :]]

    def _port_path(self, p: int, q: int) -> list[Segment]:
        out = []
        while p != q:
            step = int(self._next[p, q])
            out.extend(self._port_hop(p, step))
            p = step
        return out

    def _port_hop(self, p: int, q: int) -> list[Segment]:
        frm, to = self.ports[p], self.ports[q]
        idx = int(self._hop_link[p, q])
        if idx < 0:
            d, b = self._direct([frm], [to])[:2]
            return [self._edge(frm, to, float(d[0, 0]), float(b[0, 0]))]
        spec = self._links[idx]
        dist, base, _ = self.network.link_travel(spec, self.mode)
        if spec.kind == "roro":
            return [Segment(frm, to, "roro", dist, base, "roro", spec.id)]
        return [Segment(frm, to, self.mode.id, dist, base, "boat", spec.id, spec.tide)]

    def _edge(self, frm: str, to: str, distance: float, base: float) -> Segment:
        if self.cls == TravelClass.LAND:
            return Segment(frm, to, self.mode.id, float(distance), float(base), "road")
        tide = self.network.tide_of_edge(frm, to)
        return Segment(frm, to, self.mode.id, float(distance), float(base), "boat", None, tide)


def kit_paths(
    network: Network,
    origin: str,
    destinations: Sequence[str],
    start_classes: Sequence[TravelClass],
    transfer_s: float,
) -> dict[str, KitPath | None]:
    """The fastest way from ``origin`` to each destination, changing class only at ports."""
    classes = (TravelClass.LAND, TravelClass.WATER)
    states = [origin, *(p for p in network.ports if p != origin)]
    graphs = {c: ClassPaths(network, c, network.modes.default(c), states) for c in classes}
    dist: dict[tuple[int, TravelClass], float] = {}
    prev: dict[tuple[int, TravelClass], tuple[int, TravelClass] | None] = {}
    heap: list[tuple[float, int, int, TravelClass]] = []
    for c in start_classes:
        dist[0, c], prev[0, c] = 0.0, None
        heapq.heappush(heap, (0.0, 0, classes.index(c), c))
    while heap:
        cost, s, _, c = heapq.heappop(heap)
        if cost > dist.get((s, c), INF):
            continue
        moves = [(t, c, float(graphs[c].time[s, t])) for t in range(len(states)) if t != s]
        if s > 0:
            other = classes[1 - classes.index(c)]
            moves.append((s, other, transfer_s))
        for t, tc, w in moves:
            if np.isfinite(w) and cost + w < dist.get((t, tc), INF):
                dist[t, tc], prev[t, tc] = cost + w, (s, c)
                heapq.heappush(heap, (cost + w, t, classes.index(tc), tc))
    final = {
        c: ClassPaths(network, c, network.modes.default(c), [*states, *destinations])
        for c in classes
    }
    return {
        dest: _best_path(dest, len(states) + k, states, dist, prev, final)
        for k, dest in enumerate(destinations)
    }


def _best_path(
    dest: str,
    column: int,
    states: list[str],
    dist: dict[tuple[int, TravelClass], float],
    prev: dict[tuple[int, TravelClass], tuple[int, TravelClass] | None],
    final: dict[TravelClass, ClassPaths],
) -> KitPath | None:
    best: tuple[float, tuple[int, TravelClass]] | None = None
    for (s, c), cost in sorted(dist.items(), key=lambda item: (item[0][0], item[0][1])):
        total = cost + float(final[c].time[s, column])
        if np.isfinite(total) and (best is None or total < best[0]):
            best = (total, (s, c))
    if best is None:
        return None
    chain: list[tuple[int, TravelClass]] = []
    state: tuple[int, TravelClass] | None = best[1]
    while state is not None:
        chain.append(state)
        state = prev[state]
    chain.reverse()
    hops: list[Hop] = []
    start, cls = chain[0]
    for s, c in chain[1:]:
        if c != cls:
            hops.append(Hop(states[start], states[s], cls, dist[start, cls]))
            start, cls = s, c
    hops.append(Hop(states[start], dest, cls, dist[start, cls]))
    return KitPath(tuple(hops), best[0])
