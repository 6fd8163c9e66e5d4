"""Bawaslu Riau's witness in the season: its own key and state folder, trusting the Riau log's
key, cosigning through the service each day what it can check extends what it cosigned before."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from salur.ledger import service as ledger
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.note import decode_base64, parse_note
from salur.ledger.witness import ConsistencyProof, Witness
from salur.season.client import Api

RIAU = "14"


def create_witness(folder: Path, engine: Engine) -> Witness:
    """Bawaslu Riau's witness: its own key and state, trusting the Riau log's key."""
    witness = Witness.create(folder, "bawaslu.riau.example/saksi")
    with Session(engine) as s:
        log = ledger.find_log(s)
        witness.trust(log.vkey, log.origin)
    return witness


def cosign(api: Api, witness: Witness, token: str, known: int) -> int:
    """The witness fetches the latest checkpoint and a proof from what it cosigned before,
    cosigns if consistent, and sends the cosignature; returns the size it cosigned."""
    note = api.checkpoint(RIAU)
    size = parse_checkpoint(parse_note(note).text).size
    if size == known:
        return known
    hashes: tuple[bytes, ...] = ()
    if known:
        proof = api.consistency(RIAU, known, size)
        hashes = tuple(decode_base64(h) for h in proof["proof"])
    cosigned = witness.cosign(note, ConsistencyProof(known, hashes))
    api.cosign(token, RIAU, cosigned)
    return size
