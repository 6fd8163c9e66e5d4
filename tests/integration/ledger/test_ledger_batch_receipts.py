"""Receipts issued in a batch: byte for byte the receipts issued one at a time, from a fixed
number of queries, and refused just the same when the store was tampered with."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from salur.errors import NotFoundError
from salur.ledger import cosigning, service
from salur.ledger.errors import StoreMismatchError
from salur.ledger.models import LedgerCheckpoint
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tlogproof import Receipt, issue_receipt
from salur.uow import UnitOfWork
from tests.integration.ledger.conftest import LogStore, append_many, drop_guards
from tests.integration.ledger.test_ledger_checkpoints_and_witnesses import bawaslu
from tests.integration.ledger.test_ledger_proofs import counted_queries
from tests.integration.ledger.test_ledger_tamper import tamper


def signed(store: LogStore) -> LedgerCheckpoint:
    with UnitOfWork(store.engine) as uow:
        return service.sign_checkpoint(uow, store.log, keys=store.keys)


def one_by_one(
    session: Session, store: LogStore, index: int, checkpoint: LedgerCheckpoint, with_entry: bool
) -> Receipt:
    """The receipt as issued before batches: proof and root check from the SQL node store."""
    entry = service.entry_bytes(session, store.log, index)
    note = service.checkpoint_note(session, checkpoint)
    store_of_log = SqlNodeStore(session, store.log.id)
    return issue_receipt(store_of_log, index, note, entry if with_entry else None)


def test_batch_receipts_are_byte_identical_to_single_ones(
    log_store: LogStore, tmp_path: Path
) -> None:
    """Under a cosigned checkpoint and a later plain one, with and without the entry, for
    every index, in any order and with repeats."""
    append_many(log_store, 150, per_transaction=50)
    witness = bawaslu(tmp_path, log_store)
    with UnitOfWork(log_store.engine) as uow:
        cosigned = service.sign_checkpoint(uow, log_store.log, keys=log_store.keys)
        cosigning.cosign_latest(uow, witness, log_store.log)
    append_many(log_store, 37)
    plain = signed(log_store)
    rng = random.Random(9162)
    with Session(log_store.engine) as session:
        for checkpoint in (cosigned, plain):
            indices = list(range(checkpoint.size))
            rng.shuffle(indices)
            indices += indices[:5]
            for with_entry in (True, False):
                batch = service.receipts_for(
                    session, log_store.log, indices, checkpoint=checkpoint, with_entry=with_entry
                )
                assert list(batch) == list(dict.fromkeys(indices))
                for index, receipt in batch.items():
                    alone = one_by_one(session, log_store, index, checkpoint, with_entry)
                    assert receipt.to_bytes() == alone.to_bytes()
                    again = service.receipt_for(
                        session, log_store.log, index, checkpoint=checkpoint, with_entry=with_entry
                    )
                    assert again.to_bytes() == alone.to_bytes()
        assert b"bawaslu" in service.receipt_for(session, log_store.log, 3).checkpoint
        assert service.receipts_for(session, log_store.log, [], checkpoint=plain) == {}


def test_a_batch_costs_the_same_few_queries_whatever_its_size(log_store: LogStore) -> None:
    """Cosignatures, entries and nodes: three statements for 3 receipts or 300."""
    append_many(log_store, 300)
    checkpoint = signed(log_store)
    counts = []
    with Session(log_store.engine) as session:
        session.connection()  # begin outside the count
        for indices in ([7, 150, 299], list(range(300))):
            with counted_queries(log_store.engine) as statements:
                service.receipts_for(session, log_store.log, indices, checkpoint=checkpoint)
            counts.append(len(statements))
    assert counts == [3, 3]


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 17", "ledger.audit_leaf"),
        ("UPDATE ledger_entry SET entry = :e WHERE idx = 17", "ledger.audit_leaf"),
        ("DELETE FROM ledger_node WHERE level = 0 AND idx = 17", "ledger.audit_leaf"),
        ("UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 1", "ledger.tree_disagrees"),
        ("UPDATE ledger_node SET hash = :h WHERE level = 3 AND idx = 4", "ledger.tree_disagrees"),
        ("DELETE FROM ledger_node WHERE level = 1 AND idx = 9", "ledger.tree_disagrees"),
    ],
)
def test_a_tampered_store_makes_the_batch_refuse(
    log_store: LogStore, statement: str, refusal: str
) -> None:
    """A changed or lost leaf, entry, interior node or frontier node: no receipt at all."""
    append_many(log_store, 40)
    checkpoint = signed(log_store)
    drop_guards(log_store.engine)
    tamper(log_store.engine, statement, h=b"\x01" * 32, e=b'{"kotak":"forged"}')
    with Session(log_store.engine) as session, pytest.raises(StoreMismatchError) as refused:
        service.receipts_for(session, log_store.log, range(40), checkpoint=checkpoint)
    assert refused.value.key == refusal


def test_an_index_the_checkpoint_does_not_cover_is_not_found(log_store: LogStore) -> None:
    """The whole batch is refused when one index lies past the checkpoint."""
    append_many(log_store, 10)
    checkpoint = signed(log_store)
    append_many(log_store, 2)
    with Session(log_store.engine) as session, pytest.raises(NotFoundError) as missing:
        service.receipts_for(session, log_store.log, [3, 10], checkpoint=checkpoint)
    assert missing.value.key == "ledger.no_checkpoint_covers"
