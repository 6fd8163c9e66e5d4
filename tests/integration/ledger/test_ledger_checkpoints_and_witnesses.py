"""Checkpoints signed from the store, witness cosignatures stored with them, receipts carrying
them, and a witness that catches a store restored from backup and rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from salur.errors import ConflictError, NotFoundError
from salur.ledger import cosigning, service
from salur.ledger.checkpoint import open_checkpoint
from salur.ledger.cosignature import CosignatureSigner, add_cosignature
from salur.ledger.errors import KeyFileError, WitnessRefusedError
from salur.ledger.keys import Ed25519Verifier
from salur.ledger.tlogproof import verify_receipt
from salur.ledger.witness import Witness
from salur.uow import UnitOfWork
from tests.integration.ledger.conftest import LogStore, append_many, drop_guards

NOW = 1_707_868_800  # 14 Feb 2024, 00:00 UTC


def sign(store: LogStore) -> tuple[int, int]:
    """Sign the current size; return (checkpoint id, size)."""
    with UnitOfWork(store.engine) as uow:
        checkpoint = service.sign_checkpoint(uow, store.log, keys=store.keys)
        return checkpoint.id, checkpoint.size


def bawaslu(tmp_path: Path, store: LogStore, name: str = "bawaslu.go.id/riau") -> Witness:
    """A witness trusting the log, registered with the log, with a fixed clock."""
    witness = Witness.create(tmp_path / name.replace("/", "_"), name)
    witness.clock = lambda: NOW
    witness.trust(store.log.vkey)
    with UnitOfWork(store.engine) as uow:
        cosigning.register_witness(uow, witness.vkey)
    return witness


def test_a_checkpoint_is_signed_once_per_size_and_verifies(log_store: LogStore) -> None:
    """The note carries the log's signature over origin, size and root; re-signing reuses it."""
    append_many(log_store, 21)
    first, second = sign(log_store), sign(log_store)
    assert first == second and first[1] == 21
    with Session(log_store.engine) as session:
        note = service.latest_checkpoint(session, log_store.log).note.encode()
    opened = open_checkpoint(note, log_verifier=Ed25519Verifier.from_vkey(log_store.log.vkey))
    assert (opened.checkpoint.origin, opened.checkpoint.size) == (log_store.log.origin, 21)


def test_signing_needs_the_logs_own_key_file(log_store: LogStore, tmp_path: Path) -> None:
    """No key file, or another log's key, is a clear KeyFileError, and nothing is signed."""
    with UnitOfWork(log_store.engine) as uow, pytest.raises(KeyFileError, match="tidak ditemukan"):
        service.sign_checkpoint(uow, log_store.log, keys=tmp_path / "empty")
    other = tmp_path / "other"
    with UnitOfWork(log_store.engine) as uow:
        service.create_log(uow, election="pilkada-2024", province_code="14", keys=other)
    other_key = next(other.iterdir()).read_text(encoding="ascii")
    (other / next(log_store.keys.iterdir()).name).write_text(other_key, encoding="ascii")
    with UnitOfWork(log_store.engine) as uow, pytest.raises(KeyFileError, match="bukan kunci log"):
        service.sign_checkpoint(uow, log_store.log, keys=other)
    with Session(log_store.engine) as session, pytest.raises(NotFoundError):
        service.latest_checkpoint(session, log_store.log)


def test_receipts_carry_the_cosignatures_of_the_most_witnessed_checkpoint(
    log_store: LogStore, tmp_path: Path
) -> None:
    """A receipt uses the covering checkpoint with most cosignatures and verifies with them."""
    append_many(log_store, 10)
    witness = bawaslu(tmp_path, log_store)
    with UnitOfWork(log_store.engine) as uow:
        service.sign_checkpoint(uow, log_store.log, keys=log_store.keys)
        cosigning.cosign_latest(uow, witness, log_store.log)
    append_many(log_store, 5)
    sign(log_store)  # newer, not yet cosigned
    with Session(log_store.engine) as session:
        receipt = service.receipt_for(session, log_store.log, 4)
        newest = service.receipt_for(session, log_store.log, 12)
    verified = verify_receipt(
        receipt, log_vkey=log_store.log.vkey, entry=receipt.extra, witness_vkeys=[witness.vkey]
    )
    assert (verified.checkpoint.size, verified.witnesses) == (10, (witness.signer.name,))
    assert b"bawaslu" not in newest.checkpoint


def test_only_valid_cosignatures_of_registered_witnesses_for_that_checkpoint_are_stored(
    log_store: LogStore, tmp_path: Path
) -> None:
    """Unknown witnesses, bad signatures and notes for another checkpoint are refused."""
    append_many(log_store, 3)
    checkpoint_id, _ = sign(log_store)
    with Session(log_store.engine) as session:
        note = service.checkpoint_note(session, service.latest_checkpoint(session, log_store.log))
    stranger = CosignatureSigner.generate("stranger.example/w")
    with UnitOfWork(log_store.engine) as uow, pytest.raises(NotFoundError):
        cosigning.add_witness_cosignature(uow, checkpoint_id, add_cosignature(note, stranger, NOW))
    witness = bawaslu(tmp_path, log_store)
    good = add_cosignature(note, witness.signer, NOW)
    broken = good[:-10] + (b"A" if good[-10:-9] != b"A" else b"B") + good[-9:]
    with UnitOfWork(log_store.engine) as uow, pytest.raises(ConflictError, match="tidak sah"):
        cosigning.add_witness_cosignature(uow, checkpoint_id, broken)
    other = good.replace(b"\n3\n", b"\n2\n", 1)
    with UnitOfWork(log_store.engine) as uow, pytest.raises(ConflictError, match="checkpoint lain"):
        cosigning.add_witness_cosignature(uow, checkpoint_id, other)
    for timestamp in (NOW, NOW + 60, NOW + 30):  # a newer cosignature replaces an older one
        with UnitOfWork(log_store.engine) as uow:
            cosigned = add_cosignature(note, witness.signer, timestamp)
            cosigning.add_witness_cosignature(uow, checkpoint_id, cosigned)
    with Session(log_store.engine) as session:
        stored = service.checkpoint_note(session, service.latest_checkpoint(session, log_store.log))
    assert stored == add_cosignature(note, witness.signer, NOW + 60)


def test_a_witness_catches_a_store_restored_from_backup_and_rewritten(
    log_store: LogStore, tmp_path: Path
) -> None:
    """After cosigning size 15, the witness refuses the restored size 10, then a different 15."""
    witness = bawaslu(tmp_path, log_store)
    for count in (10, 5):
        append_many(log_store, count)
        with UnitOfWork(log_store.engine) as uow:
            service.sign_checkpoint(uow, log_store.log, keys=log_store.keys)
            cosigning.cosign_latest(uow, witness, log_store.log)
    assert witness.logs()[log_store.log.origin].size == 15
    drop_guards(log_store.engine)
    with log_store.engine.begin() as conn:  # "restore" the backup taken at size 10
        later = "SELECT id FROM ledger_checkpoint WHERE size > 10"
        conn.execute(text(f"DELETE FROM ledger_cosignature WHERE checkpoint_id IN ({later})"))
        conn.execute(text("DELETE FROM ledger_checkpoint WHERE size > 10"))
        conn.execute(text("DELETE FROM ledger_entry WHERE idx >= 10"))
        conn.execute(text("DELETE FROM ledger_node WHERE (idx + 1) * (1 << level) > 10"))
        conn.execute(text("UPDATE ledger_log SET size = 10"))
    with UnitOfWork(log_store.engine) as uow, pytest.raises(WitnessRefusedError) as rollback:
        cosigning.cosign_latest(uow, witness, log_store.log)
    assert (rollback.value.key, rollback.value.status) == ("ledger.witness_rollback", 400)
    with UnitOfWork(log_store.engine) as uow:
        for i in range(5):
            service.append_entry(uow.session, log_store.log, {"dipalsukan": i})
        uow.commit()
    sign(log_store)
    with UnitOfWork(log_store.engine) as uow, pytest.raises(WitnessRefusedError) as fork:
        cosigning.cosign_latest(uow, witness, log_store.log)
    assert (fork.value.key, fork.value.status) == ("ledger.witness_fork", 409)
    assert len(list((witness.directory / "evidence").iterdir())) == 1
