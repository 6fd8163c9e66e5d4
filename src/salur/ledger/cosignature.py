"""Timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, type 0x04).

Independent witnesses (Bawaslu, observers, parties) cosign salur's checkpoints after checking
that the log only grew, so no one can show one history to KPU and another to the public. Time
is an argument: this module reads no clock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar, Final

from cryptography.exceptions import InvalidSignature

from salur.ledger.checkpoint import CheckpointError, parse_checkpoint
from salur.ledger.note import (
    NamedEd25519Key,
    NamedEd25519Signer,
    NoteSignature,
    add_signatures,
    parse_note,
)

COSIGNATURE_ED25519: Final = 0x04
MAX_TIMESTAMP: Final = 2**63 - 1
_TIMESTAMP_SIZE: Final = 8
_ED25519_SIZE: Final = 64
_HEADER: Final = "cosignature/v1"


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The signed message: `cosignature/v1`, `time <t>`, then the whole checkpoint text."""
    _check_timestamp(timestamp)
    if not _is_canonical_checkpoint(checkpoint_text):
        raise CheckpointError("checkpoint text is not in canonical form")
    return f"{_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


@functools.lru_cache(maxsize=64)
def _is_canonical_checkpoint(text: str) -> bool:
    # Every witness's cosignature on a note covers the same text: check it once, not per witness.
    return parse_checkpoint(text).to_text() == text


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The POSIX time a cosignature claims it was made at."""
    raw = signature.signature
    if len(raw) != _TIMESTAMP_SIZE + _ED25519_SIZE:
        raise ValueError("not an Ed25519 cosignature")
    timestamp = int.from_bytes(raw[:_TIMESTAMP_SIZE], "big")
    _check_timestamp(timestamp)
    return timestamp


@dataclass(frozen=True, slots=True)
class CosignatureVerifier(NamedEd25519Key):
    """Checks one witness's timestamped Ed25519 cosignatures; usable as a NoteVerifier."""

    SIGNATURE_TYPE: ClassVar[int] = COSIGNATURE_ED25519
    KIND: ClassVar[str] = "cosigner"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (timestamp || Ed25519) cosigns the checkpoint `text`."""
        if len(signature) != _TIMESTAMP_SIZE + _ED25519_SIZE:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP_SIZE], "big")
        try:
            message = cosigned_message(text.decode("utf-8"), timestamp)
            self._key.verify(signature[_TIMESTAMP_SIZE:], message)
        except (ValueError, InvalidSignature):
            return False
        return True


class CosignatureSigner(NamedEd25519Signer):
    """A witness's cosigning key (type 0x04)."""

    SIGNATURE_TYPE: ClassVar[int] = COSIGNATURE_ED25519
    KIND: ClassVar[str] = "cosigner"
    __slots__ = ()

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def cosign(self, checkpoint_text: str, timestamp: int) -> NoteSignature:
        """A cosignature over the checkpoint text, made at POSIX time `timestamp`."""
        message = cosigned_message(checkpoint_text, timestamp)
        raw = timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + self._private_key.sign(message)
        return NoteSignature(self.name, self.key_id, raw)


def add_cosignature(signed_checkpoint: bytes, signer: CosignatureSigner, timestamp: int) -> bytes:
    """The signed checkpoint with the witness's cosignature added (replacing an older one)."""
    note = parse_note(signed_checkpoint)
    return add_signatures(note, [signer.cosign(note.text, timestamp)]).to_bytes()


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is outside 0..2**63-1")
