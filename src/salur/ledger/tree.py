"""Append-only RFC 9162 Merkle tree over stored perfect subtrees, with O(log n) proofs.

Storage keeps only complete (perfect) subtrees, addressed by (level, index): level 0 holds leaf
hashes and the node at (L, i) covers leaves [i * 2**L, (i + 1) * 2**L). A stored node never
changes, so the same rows serve every later tree size; the ragged right edge of a tree whose size
is not a power of two is folded on the fly from the binary decomposition of the range, as
Trillian's compact ranges and C2SP tlog-tiles logs do. The database plugs in as a `NodeStore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from salur.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_TREE_SIZE,
    hash_children,
    split_point,
)

NodeAddress = tuple[int, int]
"""(level, index) of a perfect subtree."""

_Range = tuple[int, int]  # leaves [start, end)


@dataclass(frozen=True, slots=True)
class Node:
    """The hash of one perfect subtree, ready to persist."""

    level: int
    index: int
    hash: bytes

    @property
    def address(self) -> NodeAddress:
        """Where the node is stored."""
        return (self.level, self.index)


class MissingNodeError(LookupError):
    """The store does not hold a node that the tree needs."""


class NodeStore(Protocol):
    """Read access to persisted perfect-subtree hashes; one call per proof, so SQL can batch."""

    def read_nodes(self, addresses: Sequence[NodeAddress]) -> Sequence[bytes]:
        """Hashes at `addresses`, in order; raise MissingNodeError if any is not stored."""
        ...


class MemoryNodeStore:
    """A dict-backed NodeStore for tests and tools; `nodes` is public so tests can tamper."""

    def __init__(self, nodes: Mapping[NodeAddress, bytes] | None = None) -> None:
        self.nodes: dict[NodeAddress, bytes] = dict(nodes or {})

    def read_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        """Hashes at `addresses`, in order."""
        try:
            hashes = [self.nodes[address] for address in addresses]
        except KeyError as missing:
            raise MissingNodeError(f"no node at (level, index) {missing.args[0]}") from None
        return hashes

    def write_nodes(self, nodes: Iterable[Node]) -> None:
        """Persist nodes; a stored node is immutable, so rewriting it with another hash fails."""
        for node in nodes:
            old = self.nodes.setdefault(node.address, node.hash)
            if old != node.hash:
                raise ValueError(f"node {node.address} is already stored with another hash")


def perfect_subtrees(start: int, end: int) -> list[NodeAddress]:
    """The perfect subtrees that tile leaves [start, end), left to right, largest first."""
    if not 0 <= start <= end:
        raise ValueError(f"[{start}, {end}) is not a range of leaves")
    addresses: list[NodeAddress] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)  # stay aligned
        addresses.append((level, start >> level))
        start += 1 << level
    return addresses


class MerkleTree:
    """The growing edge of the log: appends leaves and says which new nodes to persist.

    It keeps only the right frontier (the perfect subtrees of the size's binary decomposition),
    so an append costs O(log n) hashes and no reads; the caller writes the returned nodes in the
    same transaction as the entry they record.
    """

    def __init__(self) -> None:
        self._size = 0
        self._frontier: list[Node] = []

    @classmethod
    def load(cls, store: NodeStore, size: int) -> MerkleTree:
        """Resume a tree of `size` leaves by reading its frontier from `store`."""
        _check_size(size)
        addresses = perfect_subtrees(0, size)
        hashes = _read(store, addresses)
        tree = cls()
        tree._size = size
        tree._frontier = [Node(lv, ix, h) for (lv, ix), h in zip(addresses, hashes, strict=True)]
        return tree

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def root(self) -> bytes:
        """Root hash of the tree at its current size."""
        return _fold([node.hash for node in self._frontier])

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Add one leaf; return it and every perfect subtree it completes, to be persisted."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
        if self._size >= MAX_TREE_SIZE:
            raise OverflowError("the log is full")
        node = Node(0, self._size, leaf_hash)
        created = [node]
        while self._frontier and self._frontier[-1].level == node.level:
            left = self._frontier.pop()
            node = Node(node.level + 1, node.index >> 1, hash_children(left.hash, node.hash))
            created.append(node)
        self._frontier.append(node)
        self._size += 1
        return created


def root_hash(store: NodeStore, size: int) -> bytes:
    """MTH of the first `size` leaves, from popcount(size) stored nodes."""
    _check_size(size)
    return _fold(_read(store, perfect_subtrees(0, size)))


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]), leaf sibling first, from O(log n) stored nodes."""
    return _range_hashes(store, _inclusion_ranges(index, size))


def inclusion_addresses(index: int, size: int) -> list[NodeAddress]:
    """Exactly the nodes `inclusion_proof(store, index, size)` reads, so that a batch of proofs
    can fetch the union of its nodes in one query and then prove from memory."""
    return [address for group in _groups(_inclusion_ranges(index, size)) for address in group]


def _inclusion_ranges(index: int, size: int) -> list[_Range]:
    # The sibling ranges on the way from the root down to leaf `index`, leaf sibling first.
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    ranges: list[_Range] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + split_point(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old_size, D[new_size]) from O(log n) stored nodes."""
    _check_size(new_size)
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    # SUBPROOF(m, D[start:end], whole) unrolled; `m` counts leaves from `start`.
    ranges: list[_Range] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return _range_hashes(store, ranges)


def _range_hashes(store: NodeStore, ranges: Sequence[_Range]) -> list[bytes]:
    # One batched read for the whole proof. At most one range is ragged (the right sibling on
    # the way down the right edge), so the total stays O(log n).
    groups = _groups(ranges)
    hashes = _read(store, [address for group in groups for address in group])
    result: list[bytes] = []
    offset = 0
    for group in groups:
        result.append(_fold(hashes[offset : offset + len(group)]))
        offset += len(group)
    return result


def _groups(ranges: Sequence[_Range]) -> list[list[NodeAddress]]:
    return [perfect_subtrees(start, end) for start, end in ranges]


def _read(store: NodeStore, addresses: Sequence[NodeAddress]) -> Sequence[bytes]:
    if not addresses:
        return []
    hashes = store.read_nodes(addresses)
    if len(hashes) != len(addresses) or any(len(h) != HASH_SIZE for h in hashes):
        raise MissingNodeError("the store returned the wrong number or size of hashes")
    return hashes


def _fold(hashes: Sequence[bytes]) -> bytes:
    # MTH of consecutive perfect subtrees, largest first: RFC 9162 splits at the largest power
    # of two, so the left part is the first subtree and the rest nests to the right.
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = hash_children(left, root)
    return root


def _check_size(size: int) -> None:
    if not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError(f"tree size {size} is not a uint64")
