"""Tampering with stored nodes or leaves is always caught by proof verification.

The threat is an insider editing the log's database after a checkpoint was signed and
cosigned. An auditor holding that checkpoint and the logged entries asks the store for the root
and for every leaf's inclusion proof; any altered, removed or reordered node must make one of
those checks fail. Trials are seeded, so a failure reproduces.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import cache

import pytest

from salur.ledger.merkle import ProofError, hash_leaf, verify_inclusion
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    MissingNodeError,
    NodeAddress,
    inclusion_proof,
    root_hash,
)

MAX_SIZE = 40
TRIALS = 1000
Tamper = Callable[[MemoryNodeStore, Sequence[NodeAddress], random.Random], None]


@cache
def pristine() -> tuple[MemoryNodeStore, tuple[bytes, ...], tuple[bytes, ...]]:
    """A store of MAX_SIZE leaves, the expected leaf hashes, and the signed root of each size."""
    rng = random.Random(2024_02_14)
    leaves = tuple(hash_leaf(rng.randbytes(16)) for _ in range(MAX_SIZE))
    store = MemoryNodeStore()
    tree = MerkleTree()
    roots = []
    for leaf in leaves:
        store.write_nodes(tree.append(leaf))
        roots.append(tree.root())
    return store, leaves, tuple(roots)


def audit(store: MemoryNodeStore, size: int) -> bool:
    """Whether the store still proves the signed root and every logged leaf of a `size` tree."""
    _, leaves, roots = pristine()
    signed_root = roots[size - 1]
    try:
        if root_hash(store, size) != signed_root:
            return False
        for index in range(size):
            proof = inclusion_proof(store, index, size)
            verify_inclusion(leaves[index], index=index, size=size, proof=proof, root=signed_root)
    except (ProofError, MissingNodeError):
        return False
    return True


def nodes_in_tree(size: int) -> list[NodeAddress]:
    """Addresses of every stored perfect subtree that lies inside the first `size` leaves."""
    store, _, _ = pristine()
    return sorted((level, index) for level, index in store.nodes if (index + 1) << level <= size)


def alter(store: MemoryNodeStore, targets: Sequence[NodeAddress], rng: random.Random) -> None:
    address = rng.choice(targets)
    changed = bytearray(store.nodes[address])
    bit = rng.randrange(len(changed) * 8)
    changed[bit // 8] ^= 1 << (bit % 8)
    store.nodes[address] = bytes(changed)


def remove(store: MemoryNodeStore, targets: Sequence[NodeAddress], rng: random.Random) -> None:
    del store.nodes[rng.choice(targets)]


def reorder(store: MemoryNodeStore, targets: Sequence[NodeAddress], rng: random.Random) -> None:
    levels = {level for level, _ in targets if sum(lv == level for lv, _ in targets) > 1}
    level = rng.choice(sorted(levels))
    first, second = rng.sample([a for a in targets if a[0] == level], 2)
    store.nodes[first], store.nodes[second] = store.nodes[second], store.nodes[first]


def reorder_leaves(
    store: MemoryNodeStore, targets: Sequence[NodeAddress], rng: random.Random
) -> None:
    first, second = rng.sample([a for a in targets if a[0] == 0], 2)
    store.nodes[first], store.nodes[second] = store.nodes[second], store.nodes[first]


def test_untouched_store_passes_the_audit_at_every_size() -> None:
    """The audit accepts an honest store, so detections below are not false alarms."""
    store, _, _ = pristine()
    assert all(audit(store, size) for size in range(1, MAX_SIZE + 1))


@pytest.mark.parametrize(
    ("tamper", "min_size"),
    [(alter, 1), (remove, 1), (reorder, 2), (reorder_leaves, 2)],
    ids=["alter", "remove", "reorder-nodes", "reorder-leaves"],
)
def test_every_tampering_is_detected(tamper: Tamper, min_size: int) -> None:
    """1,000 seeded trials per kind of tampering: every one makes the audit fail."""
    base, _, _ = pristine()
    rng = random.Random(f"salur-tamper-{tamper.__name__}")
    detected = 0
    for _ in range(TRIALS):
        size = rng.randint(min_size, MAX_SIZE)
        store = MemoryNodeStore(base.nodes)
        tamper(store, nodes_in_tree(size), rng)
        assert store.nodes != base.nodes
        detected += not audit(store, size)
    assert detected == TRIALS
