"""Use cases of witness cosignatures: register a witness, store its cosignatures, have a local
witness cosign the latest checkpoint straight from the store.

Cosignatures are verified before they are stored: one bad line on a checkpoint would make every
receipt carrying it fail for whoever trusts that witness.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from salur.errors import ConflictError, NotFoundError, SalurError
from salur.ledger import repository as repo
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.cosignature import CosignatureVerifier, cosignature_timestamp
from salur.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerLog, LedgerWitness
from salur.ledger.note import NoteError, NoteSignature, parse_note
from salur.ledger.service import (
    checkpoint_at,
    checkpoint_note,
    consistency_proof,
    latest_checkpoint,
)
from salur.ledger.witness import ConsistencyProof, Witness
from salur.uow import UnitOfWork


def register_witness(
    uow: UnitOfWork, vkey: str, *, now: dt.datetime | None = None
) -> LedgerWitness:
    """Accept cosignatures from this witness (a type 0x04 verifier key); commits."""
    try:
        verifier = CosignatureVerifier.from_vkey(vkey.strip())
    except ValueError:
        raise SalurError("ledger.bad_witness_vkey", vkey=vkey) from None
    s = uow.session
    witness = repo.witness_by_vkey(s, verifier.vkey)
    if witness is None:
        witness = LedgerWitness(name=verifier.name, vkey=verifier.vkey, added_at=now or _now())
        s.add(witness)
        uow.commit()
    return witness


def add_witness_cosignature(uow: UnitOfWork, checkpoint_id: int, cosigned_note: bytes) -> list[str]:
    """Store the registered witnesses' cosignatures found on `cosigned_note`; commits.

    The note must be the stored checkpoint's text, and every cosignature from a registered
    witness must verify (one bad one refuses all: a receipt carrying it would fail). A newer
    cosignature by the same witness replaces the older. Returns the witnesses' names.
    """
    s = uow.session
    checkpoint = repo.checkpoint_by_id(s, checkpoint_id)
    if checkpoint is None:
        raise NotFoundError("ledger.no_checkpoint_id", id=checkpoint_id)
    try:
        note = parse_note(cosigned_note)
    except NoteError as exc:
        raise SalurError("ledger.cosigned_note_malformed", reason=str(exc)) from None
    if note.text != parse_note(checkpoint.note).text:
        raise ConflictError("ledger.cosigned_other_checkpoint", size=checkpoint.size)
    known = {}
    for witness in repo.witnesses(s):
        verifier = CosignatureVerifier.from_vkey(witness.vkey)
        known[(verifier.name, verifier.key_id)] = (witness, verifier)
    found = [(sig, *known[sig.key]) for sig in note.signatures if sig.key in known]
    if not found:
        raise NotFoundError("ledger.no_known_cosignature")
    for sig, witness, verifier in found:
        if not verifier.verify(note.text.encode("utf-8"), sig.signature):
            raise ConflictError("ledger.cosignature_invalid", witness=witness.name)
    for sig, witness, _ in found:
        _store_cosignature(s, checkpoint.id, witness.id, sig.to_line().rstrip("\n"), sig)
    uow.commit()
    return [witness.name for _, witness, _ in found]


def add_cosigned_note(
    uow: UnitOfWork, log: LedgerLog, cosigned_note: bytes
) -> tuple[LedgerCheckpoint, list[str]]:
    """`add_witness_cosignature` for the stored checkpoint of the note's size; commits."""
    try:
        size = parse_checkpoint(parse_note(cosigned_note).text).size
    except NoteError as exc:
        raise SalurError("ledger.cosigned_note_malformed", reason=str(exc)) from None
    checkpoint = checkpoint_at(uow.session, log, size)
    return checkpoint, add_witness_cosignature(uow, checkpoint.id, cosigned_note)


def cosign_latest(
    uow: UnitOfWork, witness: Witness, log: LedgerLog
) -> tuple[LedgerCheckpoint, list[str]]:
    """Have `witness` cosign the log's latest checkpoint and store its cosignature; commits.

    The consistency proof starts where the witness last cosigned, as tlog-witness asks; the
    witness verifies it itself, so a store that forked or rolled back gets refused here.
    """
    s = uow.session
    checkpoint = latest_checkpoint(s, log)
    state = witness.logs().get(log.origin)
    old_size = state.size if state is not None else 0
    hashes: list[bytes] = []
    if 0 < old_size < checkpoint.size:
        hashes = consistency_proof(s, log, old_size, checkpoint.size)
    note = checkpoint_note(s, checkpoint)
    cosigned = witness.cosign(note, ConsistencyProof(old_size, tuple(hashes)))
    return checkpoint, add_witness_cosignature(uow, checkpoint.id, cosigned)


def _store_cosignature(
    session: Session, checkpoint_id: int, witness_id: int, line: str, sig: NoteSignature
) -> None:
    at = dt.datetime.fromtimestamp(cosignature_timestamp(sig), dt.UTC)
    row = repo.cosignature(session, checkpoint_id, witness_id)
    if row is None:
        session.add(
            LedgerCosignature(
                checkpoint_id=checkpoint_id, witness_id=witness_id, signature=line, cosigned_at=at
            )
        )
    elif _utc(row.cosigned_at) <= at:
        row.signature, row.cosigned_at = line, at


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; salur stores only UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
