"""Unit tests for the stored Merkle tree: what an append persists and how proofs read the store."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from salur.ledger.merkle import hash_children, hash_leaf
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    MissingNodeError,
    Node,
    NodeAddress,
    consistency_proof,
    inclusion_proof,
    perfect_subtrees,
    root_hash,
)

LEAVES = [hash_leaf(bytes([i])) for i in range(16)]


def grown(size: int) -> tuple[MemoryNodeStore, MerkleTree]:
    store = MemoryNodeStore()
    tree = MerkleTree()
    for leaf in LEAVES[:size]:
        store.write_nodes(tree.append(leaf))
    return store, tree


def test_append_persists_the_leaf_and_every_subtree_it_completes() -> None:
    """The fourth leaf completes (1, 1) and (2, 0), so three nodes come back to persist."""
    _, tree = grown(3)
    created = tree.append(LEAVES[3])
    assert [node.address for node in created] == [(0, 3), (1, 1), (2, 0)]
    ab = hash_children(LEAVES[0], LEAVES[1])
    cd = hash_children(LEAVES[2], LEAVES[3])
    assert created[1].hash == cd
    assert created[2].hash == hash_children(ab, cd)


def test_each_append_writes_one_plus_the_trailing_ones_of_the_old_size() -> None:
    """Appends cost O(log n): after n leaves exactly 2n - popcount(n) nodes are stored."""
    store = MemoryNodeStore()
    tree = MerkleTree()
    for size, leaf in enumerate(LEAVES):
        created = tree.append(leaf)
        trailing_ones = (size ^ (size + 1)).bit_length() - 1
        assert len(created) == 1 + trailing_ones
        store.write_nodes(created)
        assert len(store.nodes) == 2 * (size + 1) - (size + 1).bit_count()


def test_append_rejects_a_leaf_hash_of_the_wrong_length() -> None:
    """Only 32-byte leaf hashes enter the tree."""
    with pytest.raises(ValueError):
        MerkleTree().append(b"not a hash")


def test_stored_nodes_are_immutable() -> None:
    """Rewriting a node with the same hash is harmless; with another hash it is refused."""
    store, _ = grown(2)
    store.write_nodes([Node(0, 1, LEAVES[1])])
    with pytest.raises(ValueError):
        store.write_nodes([Node(0, 1, LEAVES[2])])


def test_unpersisted_nodes_make_proofs_fail_loudly() -> None:
    """If the caller forgets to persist an append, reading the tree raises MissingNodeError."""
    store, tree = grown(4)
    tree.append(LEAVES[4])  # nodes not written
    with pytest.raises(MissingNodeError):
        root_hash(store, 5)
    with pytest.raises(MissingNodeError):
        inclusion_proof(store, 0, 5)


def test_a_store_returning_the_wrong_hashes_is_refused() -> None:
    """A NodeStore that answers with too few or mis-sized hashes is treated as missing data."""

    class ShortStore:
        def read_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
            return [b"\x00" * 31 for _ in addresses]

    with pytest.raises(MissingNodeError):
        root_hash(ShortStore(), 3)


def test_load_resumes_the_frontier_from_the_store() -> None:
    """A tree loaded at size n has the root and the next append of an uninterrupted tree."""
    store, tree = grown(6)
    resumed = MerkleTree.load(store, 6)
    assert resumed.size == 6
    assert resumed.root() == tree.root() == root_hash(store, 6)
    assert resumed.append(LEAVES[6]) == tree.append(LEAVES[6])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, []),
        (0, 6, [(2, 0), (1, 2)]),
        (0, 7, [(2, 0), (1, 2), (0, 6)]),
        (4, 7, [(1, 2), (0, 6)]),
        (8, 16, [(3, 1)]),
        (1, 4, [(0, 1), (1, 1)]),
    ],
)
def test_perfect_subtrees_tile_a_range(start: int, end: int, expected: list[NodeAddress]) -> None:
    """A range splits into aligned perfect subtrees, largest first."""
    assert perfect_subtrees(start, end) == expected


def test_perfect_subtrees_reject_backward_ranges() -> None:
    """A range must have 0 <= start <= end."""
    with pytest.raises(ValueError):
        perfect_subtrees(5, 4)


def test_proof_generation_rejects_impossible_requests() -> None:
    """Indices outside the tree and consistency from size 0 or to a smaller size are errors."""
    store, _ = grown(8)
    for index, size in [(8, 8), (-1, 8), (0, 0)]:
        with pytest.raises(ValueError):
            inclusion_proof(store, index, size)
    for old, new in [(0, 8), (5, 4), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_proof(store, old, new)


def test_consistency_of_a_tree_with_itself_is_empty() -> None:
    """PROOF(n, D[n]) is the empty list."""
    store, _ = grown(8)
    assert consistency_proof(store, 5, 5) == []


def test_proofs_for_old_sizes_still_work_after_growth() -> None:
    """Stored subtrees never change, so a grown store still proves every smaller tree."""
    small_store, small_tree = grown(5)
    big_store, _ = grown(16)
    assert root_hash(big_store, 5) == small_tree.root()
    assert inclusion_proof(big_store, 3, 5) == inclusion_proof(small_store, 3, 5)
