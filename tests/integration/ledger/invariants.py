"""The invariants every stored log must satisfy, checked from the database alone."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from salur.ledger import repository as repo
from salur.ledger.audit import audit_log
from salur.ledger.merkle import hash_leaf, verify_inclusion
from salur.ledger.models import LedgerLog
from salur.ledger.repository import SqlNodeStore
from salur.ledger.service import canonical_entry
from salur.ledger.tree import MemoryNodeStore, MerkleTree, inclusion_proof, root_hash
from tests.integration.ledger.crash_appender import EVENTS


def check_log(engine: Engine, log: LedgerLog) -> int:
    """Audit passes, the stored root is the root of the entries, every inclusion proof verifies.

    Returns the log's size.
    """
    with Session(engine) as session:
        size = repo.log_size(session, log.id)
        report = audit_log(session, log)
        assert report.ok, [str(problem) for problem in report.problems]
        entries = repo.entries_between(session, log.id, 0, size)
        assert [index for index, _ in entries] == list(range(size))
        assert repo.count_nodes(session, log.id, level=0) == size
        tree, memory = MerkleTree(), MemoryNodeStore()
        for _, entry in entries:
            memory.write_nodes(tree.append(hash_leaf(entry)))
        stored, root = SqlNodeStore(session, log.id), tree.root()
        assert root_hash(stored, size) == root
        for index, entry in entries:
            proof = inclusion_proof(stored, index, size)
            verify_inclusion(hash_leaf(entry), index=index, size=size, proof=proof, root=root)
    return size


def check_events_match_entries(engine: Engine, log: LedgerLog) -> int:
    """Every test custody event has exactly its entry, and every entry has its event."""
    with Session(engine) as session:
        size = repo.log_size(session, log.id)
        entries = dict(repo.entries_between(session, log.id, 0, size))
        events = session.execute(select(EVENTS.c.log_index, EVENTS.c.payload)).all()
    assert sorted(index for index, _ in events) == sorted(entries)
    for index, payload in events:
        assert entries[index] == canonical_entry(json.loads(payload))
    return len(events)
