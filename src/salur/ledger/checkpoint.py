"""C2SP transparency log checkpoints (c2sp.org/tlog-checkpoint): the signed tree head.

A checkpoint names the log (origin), its size and its RFC 9162 root hash. salur publishes one
after each batch of custody events, and every receipt and witness cosignature refers to one.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from salur.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE
from salur.ledger.note import (
    NoteError,
    NoteSigner,
    NoteVerifier,
    SignedNote,
    VerifiedNote,
    check_note_text,
    decode_base64,
    open_note,
    sign_note,
)

_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII digits, no leading zeros


class CheckpointError(NoteError):
    """A checkpoint is malformed, from another log, or not signed by the log's key."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Origin, tree size, root hash and optional opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for line in (self.origin, *self.extensions):
            if not line or any(ch < " " for ch in line):
                raise CheckpointError(f"checkpoint line {line!r} is empty or has a control char")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} is not a uint64")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash is {len(self.root_hash)} bytes, not {HASH_SIZE}")

    def to_text(self) -> str:
        """The note text: one line each for origin, size, base64 root, then extensions."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = (self.origin, str(self.size), root, *self.extensions)
        return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint whose note carries a valid signature from the log's key."""

    checkpoint: Checkpoint
    note: VerifiedNote


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (the part before the blank line), strictly."""
    try:
        check_note_text(text)
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has at least three lines")
    if any(not line for line in lines):
        raise CheckpointError("checkpoint lines must not be empty")
    origin, size_line, root_line, *extensions = lines
    if not _DECIMAL.fullmatch(size_line):
        raise CheckpointError(f"tree size {size_line!r} is not a canonical decimal")
    try:
        root = decode_base64(root_line)
    except ValueError:
        raise CheckpointError(f"root hash {root_line!r} is not base64") from None
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> bytes:
    """The signed note for a checkpoint, ready to publish."""
    return sign_note(checkpoint.to_text(), signers).to_bytes()


def open_checkpoint(
    data: bytes | SignedNote,
    *,
    log_verifier: NoteVerifier,
    origin: str | None = None,
    other_verifiers: Iterable[NoteVerifier] = (),
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint from the log with `log_verifier` and expected `origin`.

    `origin` defaults to the log key's name, which tlog-checkpoint says SHOULD match it.
    `other_verifiers` (witnesses) are checked too, so a bad cosignature rejects the note.
    """
    note = open_note(data, [log_verifier, *other_verifiers])
    if not note.signed_by(log_verifier):
        raise CheckpointError(f"checkpoint is not signed by the log key {log_verifier.name}")
    checkpoint = parse_checkpoint(note.text)
    expected = log_verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(f"checkpoint is for {checkpoint.origin!r}, not {expected!r}")
    return VerifiedCheckpoint(checkpoint, note)
