"""Tampering with stored rows is refused by the database and, if forced, detected."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from salur.ledger import service
from salur.ledger.audit import audit_log
from salur.ledger.errors import ReceiptRejectedError, StoreMismatchError
from salur.ledger.merkle import hash_leaf
from salur.ledger.verify import check_receipt
from salur.uow import UnitOfWork
from tests.integration.ledger.conftest import LogStore, append_many, drop_guards


def tamper(engine: Engine, statement: str, **params: object) -> None:
    """Run one forced edit."""
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def signed_log(store: LogStore, size: int = 40) -> None:
    """`size` entries under a signed checkpoint."""
    append_many(store, size)
    with UnitOfWork(store.engine) as uow:
        service.sign_checkpoint(uow, store.log, keys=store.keys)


def problems(store: LogStore) -> list[str]:
    """The audit's findings, as message keys."""
    with Session(store.engine) as session:
        return [p.key for p in audit_log(session, store.log).problems]


FORBIDDEN = (
    "UPDATE ledger_entry SET entry = :raw WHERE idx = 3",
    "DELETE FROM ledger_entry WHERE idx = 3",
    "UPDATE ledger_node SET hash = :raw WHERE level = 1 AND idx = 0",
    "DELETE FROM ledger_node WHERE level = 0",
    "UPDATE ledger_checkpoint SET note = 'x'",
    "DELETE FROM ledger_checkpoint",
)


def test_the_database_refuses_to_rewrite_or_delete_history(log_store: LogStore) -> None:
    """Append-only triggers reject UPDATE and DELETE on entries, nodes and checkpoints."""
    signed_log(log_store, 8)
    for statement in FORBIDDEN:
        with pytest.raises(DBAPIError, match="append-only"):
            tamper(log_store.engine, statement, raw=b"\x00" * 32)
    assert problems(log_store) == []


def test_an_altered_entry_is_caught_by_audit_receipts_and_verifiers(log_store: LogStore) -> None:
    """Changing an entry's bytes fails the audit, stops receipts, and fails its old receipt."""
    signed_log(log_store)
    with Session(log_store.engine) as session:
        receipt = service.receipt_for(session, log_store.log, 17, with_entry=False).to_bytes()
    drop_guards(log_store.engine)
    forged = b'{"event":"serah-terima","kotak":"14.05.9999"}'
    tamper(log_store.engine, "UPDATE ledger_entry SET entry = :e WHERE idx = 17", e=forged)
    assert problems(log_store) == ["ledger.audit_entry_hash"]
    with Session(log_store.engine) as session, pytest.raises(StoreMismatchError):
        service.receipt_for(session, log_store.log, 17)
    with pytest.raises(ReceiptRejectedError) as rejected:
        check_receipt(receipt, log_vkey=log_store.log.vkey, entry=forged)
    assert rejected.value.key == "ledger.verify_not_included"


def test_an_entry_altered_with_its_leaf_hash_column_is_still_caught(log_store: LogStore) -> None:
    """Rewriting the entry and its leaf_hash together still disagrees with the tree's leaf."""
    signed_log(log_store)
    drop_guards(log_store.engine)
    tamper(
        log_store.engine,
        "UPDATE ledger_entry SET entry = :e, leaf_hash = :h WHERE idx = 5",
        e=b"{}",
        h=hash_leaf(b"{}"),
    )
    assert problems(log_store) == ["ledger.audit_leaf"]


def test_an_altered_node_is_caught_and_no_receipt_or_new_checkpoint_is_issued(
    log_store: LogStore,
) -> None:
    """A changed interior node fails the audit and receipt issuance; a changed frontier node
    makes the log refuse to sign a checkpoint inconsistent with the one it signed before."""
    signed_log(log_store)
    drop_guards(log_store.engine)
    tamper(
        log_store.engine,
        "UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 1",
        h=b"\x01" * 32,
    )
    assert "ledger.audit_node" in problems(log_store)
    with Session(log_store.engine) as session, pytest.raises(StoreMismatchError):
        service.receipt_for(session, log_store.log, 0)
    tamper(
        log_store.engine,
        "UPDATE ledger_node SET hash = :h WHERE level = 5 AND idx = 0",
        h=b"2" * 32,
    )
    append_many(log_store, 1)
    with UnitOfWork(log_store.engine) as uow, pytest.raises(StoreMismatchError) as refused:
        service.sign_checkpoint(uow, log_store.log, keys=log_store.keys)
    assert refused.value.key == "ledger.fork"


def test_an_altered_checkpoint_note_fails_the_audit(log_store: LogStore) -> None:
    """A checkpoint whose note no longer carries a valid log signature is reported."""
    signed_log(log_store)
    drop_guards(log_store.engine)
    tamper(
        log_store.engine, "UPDATE ledger_checkpoint SET note = replace(note, '\n40\n', '\n39\n')"
    )
    assert problems(log_store) == ["ledger.audit_checkpoint_signature"]
