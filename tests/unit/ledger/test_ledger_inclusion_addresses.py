"""`inclusion_addresses` names exactly the nodes `inclusion_proof` reads, so a batch of receipts
can fetch them all in one query and prove from memory."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from salur.ledger.merkle import hash_leaf
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    NodeAddress,
    inclusion_addresses,
    inclusion_proof,
)

SIZE = 70  # past 64, so sizes with long ragged right edges are covered


class RecordingStore(MemoryNodeStore):
    """A memory store that remembers every address it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[NodeAddress] = []

    def read_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        self.read.extend(addresses)
        return super().read_nodes(addresses)


def full_store() -> RecordingStore:
    store, tree = RecordingStore(), MerkleTree()
    for i in range(SIZE):
        store.write_nodes(tree.append(hash_leaf(i.to_bytes(2, "big"))))
    return store


def test_the_addresses_are_exactly_those_the_proof_reads_in_order() -> None:
    """For every index of every size up to 70, same addresses, same order, nothing extra."""
    store = full_store()
    for size in range(1, SIZE + 1):
        for index in range(size):
            store.read.clear()
            inclusion_proof(store, index, size)
            assert inclusion_addresses(index, size) == store.read, (index, size)


def test_a_proof_from_only_those_nodes_is_the_same_proof() -> None:
    """A store holding nothing but the named nodes yields the identical proof."""
    store = full_store()
    for size, index in [(1, 0), (2, 1), (7, 6), (13, 5), (64, 63), (65, 64), (70, 33)]:
        only = MemoryNodeStore({a: store.nodes[a] for a in inclusion_addresses(index, size)})
        assert inclusion_proof(only, index, size) == inclusion_proof(store, index, size)


def test_a_single_leaf_needs_no_node_and_an_index_outside_is_refused() -> None:
    """Leaf 0 of a one-leaf tree is its own root; an index at or past the size is an error."""
    assert inclusion_addresses(0, 1) == []
    for index, size in [(1, 1), (-1, 4), (5, 5)]:
        with pytest.raises(ValueError):
            inclusion_addresses(index, size)
