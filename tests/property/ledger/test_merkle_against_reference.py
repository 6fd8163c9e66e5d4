"""The stored, frontier-based Merkle tree agrees with the naive RFC 9162 definitions everywhere.

One tree of 1,100 seeded entries serves every smaller size (stored perfect subtrees never
change), so Hypothesis can probe thousands of (size, index) pairs cheaply; small trees are also
checked exhaustively, and fresh trees over Hypothesis-chosen entries check the append path.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from merkle_reference import ReferenceTree

from salur.ledger.merkle import (
    ProofError,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    NodeAddress,
    consistency_proof,
    inclusion_proof,
    root_hash,
)

BIG = 1100
SMALL = 64
# Each example checks a batch of 10 probes: 300 examples give 3,000 (size, index) pairs per
# property while keeping Hypothesis' per-example overhead out of the suite's runtime.
PROBES = settings(max_examples=300, deadline=None, derandomize=True)
BATCH = 10


class CountingStore:
    """Wraps a store and records every batched read, to check the O(log n) read bound."""

    def __init__(self, inner: MemoryNodeStore) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def read_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        self.calls.append(len(addresses))
        return self.inner.read_nodes(addresses)


@cache
def big_tree() -> tuple[MemoryNodeStore, ReferenceTree]:
    rng = random.Random(14_02_2024)
    entries = [rng.randbytes(rng.randrange(0, 40)) for _ in range(BIG)]
    store = MemoryNodeStore()
    tree = MerkleTree()
    for entry in entries:
        store.write_nodes(tree.append(hash_leaf(entry)))
    return store, ReferenceTree(entries)


def build(entries: Sequence[bytes]) -> tuple[MemoryNodeStore, MerkleTree]:
    store = MemoryNodeStore()
    tree = MerkleTree()
    for entry in entries:
        store.write_nodes(tree.append(hash_leaf(entry)))
    return store, tree


def read_bound(size: int) -> int:
    """At most one ragged sibling, so 2 * ceil(log2 n) + 1 nodes is a generous O(log n) cap."""
    return 2 * max(size - 1, 1).bit_length() + 1


sizes = st.integers(min_value=1, max_value=BIG)
_pairs = st.lists(st.tuples(sizes, st.integers(0, 2**32 - 1)), min_size=BATCH, max_size=BATCH)
size_batches = st.lists(sizes, min_size=BATCH, max_size=BATCH)
# (index, size) with 0 <= index < size
index_batches = _pairs.map(lambda pairs: [(r % n, n) for n, r in pairs])
# (old, new) with 0 < old <= new
growth_batches = _pairs.map(lambda pairs: [(1 + r % n, n) for n, r in pairs])


def test_frontier_root_matches_reference_after_every_append() -> None:
    """After each of 1,100 appends the tree's root equals MTH of the entries so far."""
    store, reference = big_tree()
    tree = MerkleTree()
    assert tree.root() == reference.root(0)
    for size in range(1, BIG + 1):
        tree.append(reference.leaf_hash(size - 1))
        assert tree.root() == reference.root(size)
        assert root_hash(store, size) == reference.root(size)


@PROBES
@given(size_batches)
def test_stored_root_matches_reference(batch: list[int]) -> None:
    """root_hash(size) is MTH(D[0:size]) and reads only popcount(size) nodes in one batch."""
    store, reference = big_tree()
    for size in batch:
        counting = CountingStore(store)
        assert root_hash(counting, size) == reference.root(size)
        assert counting.calls == [size.bit_count()]


@PROBES
@given(index_batches)
def test_inclusion_proof_matches_reference(batch: list[tuple[int, int]]) -> None:
    """inclusion_proof is PATH(m, D[n]), verifies, and reads O(log n) nodes in one batch."""
    for index, size in batch:
        check_inclusion_against_reference(index, size)


def check_inclusion_against_reference(index: int, size: int) -> None:
    store, reference = big_tree()
    counting = CountingStore(store)
    proof = inclusion_proof(counting, index, size)
    assert proof == reference.path(index, size)
    assert len(counting.calls) <= 1
    assert sum(counting.calls) <= read_bound(size)
    verify_inclusion(
        reference.leaf_hash(index), index=index, size=size, proof=proof, root=reference.root(size)
    )


@PROBES
@given(growth_batches)
def test_consistency_proof_matches_reference(batch: list[tuple[int, int]]) -> None:
    """consistency_proof is PROOF(m, D[n]), verifies, and reads O(log n) nodes in one batch."""
    for old, new in batch:
        check_consistency_against_reference(old, new)


def check_consistency_against_reference(old: int, new: int) -> None:
    store, reference = big_tree()
    counting = CountingStore(store)
    proof = consistency_proof(counting, old, new)
    assert proof == reference.proof(old, new)
    assert len(counting.calls) <= 1
    assert sum(counting.calls) <= read_bound(new) + 1
    verify_consistency(
        old_size=old,
        new_size=new,
        old_root=reference.root(old),
        new_root=reference.root(new),
        proof=proof,
    )


def test_all_small_trees_exhaustively() -> None:
    """Every (index, size) and (old, new) pair up to 64 leaves matches the reference."""
    store, reference = big_tree()
    checked = 0
    for size in range(1, SMALL + 1):
        for index in range(size):
            assert inclusion_proof(store, index, size) == reference.path(index, size)
            assert consistency_proof(store, index + 1, size) == reference.proof(index + 1, size)
            checked += 1
    assert checked == SMALL * (SMALL + 1) // 2


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=40))
def test_fresh_trees_over_arbitrary_entries_match_reference(entries: list[bytes]) -> None:
    """For any entries, appending builds the tree the RFC defines, with every proof equal."""
    store, tree = build(entries)
    reference = ReferenceTree(entries)
    size = len(entries)
    assert tree.root() == reference.root(size)
    for index in range(size):
        assert inclusion_proof(store, index, size) == reference.path(index, size)
        assert consistency_proof(store, index + 1, size) == reference.proof(index + 1, size)


@PROBES
@given(index_batches, st.integers(0, 2**32 - 1))
def test_any_single_change_to_a_valid_inclusion_proof_is_rejected(
    batch: list[tuple[int, int]], seed: int
) -> None:
    """Flipping a bit, dropping, adding a hash or moving the index makes verification fail."""
    rng = random.Random(seed)
    for index, size in batch:
        check_mutations_rejected(index, size, rng)


def check_mutations_rejected(index: int, size: int, rng: random.Random) -> None:
    store, reference = big_tree()
    proof = inclusion_proof(store, index, size)
    leaf, root = reference.leaf_hash(index), reference.root(size)
    mutations: list[tuple[int, list[bytes]]] = [(index, [*proof, root]), ((index + 1), proof)]
    if proof:
        position = rng.randrange(len(proof))
        bit = rng.randrange(256)
        flipped = bytearray(proof[position])
        flipped[bit // 8] ^= 1 << (bit % 8)
        mutations.append((index, [*proof[:position], bytes(flipped), *proof[position + 1 :]]))
        mutations.append((index, proof[:-1]))
    for bad_index, bad_proof in mutations:
        try:
            verify_inclusion(leaf, index=bad_index, size=size, proof=bad_proof, root=root)
        except ProofError:
            continue
        raise AssertionError(f"accepted a mutated proof for leaf {index} of {size}")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(0, BIG), st.integers(1, 30))
def test_resumed_tree_continues_like_an_uninterrupted_one(size: int, more: int) -> None:
    """MerkleTree.load(store, n) then appending gives the same nodes as never stopping."""
    store, reference = big_tree()
    more = min(more, BIG - size)
    resumed = MerkleTree.load(store, size)
    assert resumed.size == size
    assert resumed.root() == reference.root(size)
    for index in range(size, size + more):
        for node in resumed.append(reference.leaf_hash(index)):
            assert store.nodes[node.address] == node.hash
    assert resumed.root() == reference.root(size + more)
