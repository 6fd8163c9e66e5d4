"""Proofs from the SQL node store: the same as the in-memory store's, one query each."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from salur.errors import NotFoundError
from salur.ledger import repository as repo
from salur.ledger import service
from salur.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    root_hash,
)
from tests.integration.ledger.conftest import LogStore, append_many, handover

SIZE = 300


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements run on `engine` inside the block."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def memory_copy(leaves: list[bytes]) -> MemoryNodeStore:
    """The same tree, built in memory by the pure core."""
    store, tree = MemoryNodeStore(), MerkleTree()
    for leaf in leaves:
        store.write_nodes(tree.append(leaf))
    return store


def test_sql_and_memory_stores_give_identical_roots_and_proofs(log_store: LogStore) -> None:
    """On random sizes, indices and size pairs, the SQL store answers exactly like memory."""
    leaves = append_many(log_store, SIZE, per_transaction=100)
    memory = memory_copy(leaves)
    rng = random.Random(6962)
    with Session(log_store.engine) as session:
        sql = SqlNodeStore(session, log_store.log.id)
        for _ in range(80):
            size = rng.randint(1, SIZE)
            index = rng.randrange(size)
            old = rng.randint(1, size)
            assert root_hash(sql, size) == root_hash(memory, size)
            assert inclusion_proof(sql, index, size) == inclusion_proof(memory, index, size)
            assert consistency_proof(sql, old, size) == consistency_proof(memory, old, size)
            proof = service.inclusion_proof(session, log_store.log, index, size)
            root = root_hash(memory, size)
            verify_inclusion(leaves[index], index=index, size=size, proof=proof, root=root)
            hashes = service.consistency_proof(session, log_store.log, old, size)
            verify_consistency(
                old_size=old,
                new_size=size,
                old_root=root_hash(memory, old),
                new_root=root,
                proof=hashes,
            )


def test_each_proof_reads_its_nodes_in_one_query(log_store: LogStore) -> None:
    """An inclusion or consistency proof is a single batched SELECT, whatever the tree size."""
    append_many(log_store, SIZE)
    with Session(log_store.engine) as session:
        sql = SqlNodeStore(session, log_store.log.id)
        session.connection()  # begin outside the count
        with counted_queries(log_store.engine) as statements:
            inclusion_proof(sql, 137, SIZE - 1)
        assert len(statements) == 1
        with counted_queries(log_store.engine) as statements:
            consistency_proof(sql, 77, SIZE - 3)
        assert len(statements) == 1


def test_proofs_outside_the_tree_are_refused_clearly(log_store: LogStore) -> None:
    """Indices and sizes beyond the log are a NotFoundError, not a crash or a wrong proof."""
    append_many(log_store, 5)
    with Session(log_store.engine) as session:
        log = log_store.log
        with pytest.raises(NotFoundError, match="entri #5 tidak ada"):
            service.inclusion_proof(session, log, 5)
        with pytest.raises(NotFoundError, match="melebihi ukuran log"):
            service.inclusion_proof(session, log, 0, 6)
        with pytest.raises(NotFoundError, match="ukuran lama 0"):
            service.consistency_proof(session, log, 0, 5)
        with pytest.raises(NotFoundError, match="entri #9"):
            service.entry_bytes(session, log, 9)
        leaf = hash_leaf(service.canonical_entry(handover(4)))
        assert repo.read_node_map(session, log.id, [(0, 4), (3, 0)]) == {(0, 4): leaf}
