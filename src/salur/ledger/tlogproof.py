"""Offline receipts for custody events: C2SP transparency log proofs (c2sp.org/tlog-proof).

A receipt carries a leaf index, its RFC 9162 inclusion proof and the (co)signed checkpoint. A
PPS officer or a Bawaslu observer can keep it and later prove, with no network, that the
handover was logged. The receipt does not carry the entry: the verifier must supply the entry
(or its leaf hash), the log's origin and key, and the witness keys and quorum it trusts.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from salur.ledger.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from salur.ledger.cosignature import cosignature_timestamp
from salur.ledger.keys import load_verifier
from salur.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE, hash_leaf, verify_inclusion
from salur.ledger.note import (
    NoteError,
    NoteSignature,
    NoteVerifier,
    SignedNote,
    decode_base64,
    parse_note,
)
from salur.ledger.tree import NodeStore, inclusion_proof, root_hash

HEADER: Final = "c2sp.org/tlog-proof@v1"
FILE_EXTENSION: Final = ".tlog-proof"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class ReceiptError(ValueError):
    """A receipt is malformed or does not verify."""


class MalformedReceiptError(ReceiptError):
    """The bytes are not a well-formed c2sp.org/tlog-proof@v1 proof."""


class WitnessQuorumError(ReceiptError):
    """Too few of the trusted witnesses cosigned the checkpoint."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """One tlog-proof: index, inclusion proof, signed checkpoint verbatim, optional extra data.

    `extra` is not authenticated by anything: never trust it without checking it yourself.
    """

    index: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None
    # The parsed checkpoint note, kept so that verification does not parse it a second time.
    note: SignedNote = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.index <= MAX_TREE_SIZE:
            raise MalformedReceiptError(f"index {self.index} is not a uint64")
        if any(len(h) != HASH_SIZE for h in self.inclusion_proof):
            raise MalformedReceiptError(f"proof hashes are {HASH_SIZE} bytes")
        object.__setattr__(self, "note", _checked_note(self.checkpoint))

    def to_bytes(self) -> bytes:
        """The wire form, exactly as the spec lays it out."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode("ascii"))
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode("ascii") for h in self.inclusion_proof)
        return ("\n".join(lines) + "\n\n").encode("ascii") + self.checkpoint


@functools.lru_cache(maxsize=256)
def _checked_note(checkpoint: bytes) -> SignedNote:
    """The checkpoint parsed and checked once: a synced batch's receipts share one checkpoint,
    and a verifier sees the same few again and again (notes are immutable values)."""
    try:
        note = parse_note(checkpoint)
        parse_checkpoint(note.text)
    except NoteError as exc:
        raise MalformedReceiptError(f"checkpoint is malformed: {exc}") from None
    return note


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    """What a receipt proved: the leaf index, the checkpoint and the witnesses that cosigned."""

    index: int
    checkpoint: Checkpoint
    witnesses: tuple[str, ...]
    extra: bytes | None  # still unauthenticated


def parse_receipt(data: bytes) -> Receipt:
    """Parse a tlog-proof strictly; the checkpoint is kept byte for byte."""
    split = data.find(b"\n\n")
    if split < 0:
        raise MalformedReceiptError("no blank line before the checkpoint")
    try:
        lines = data[:split].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise MalformedReceiptError("proof lines are not ASCII") from None
    if lines[0] != HEADER:
        raise MalformedReceiptError(f"first line is not {HEADER!r}")
    extra = None
    position = 1
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _decode(lines[position].removeprefix("extra "), "extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise MalformedReceiptError("missing index line")
    index_text = lines[position].removeprefix("index ")
    if not _DECIMAL.fullmatch(index_text):
        raise MalformedReceiptError(f"index {index_text!r} is not a canonical decimal")
    hashes = tuple(_decode(line, "proof hash") for line in lines[position + 1 :])
    return Receipt(int(index_text), hashes, data[split + 2 :], extra)


def issue_receipt(
    store: NodeStore, index: int, signed_checkpoint: bytes, extra: bytes | None = None
) -> Receipt:
    """A receipt for leaf `index` under a checkpoint the log signed.

    Refuses to issue one if the stored tree disagrees with the checkpoint's root, so a damaged
    store cannot hand out receipts that would later fail.
    """
    checkpoint = parse_checkpoint(parse_note(signed_checkpoint).text)
    if root_hash(store, checkpoint.size) != checkpoint.root_hash:
        raise ReceiptError("the stored tree does not match the checkpoint")
    proof = inclusion_proof(store, index, checkpoint.size)
    return Receipt(index, tuple(proof), signed_checkpoint, extra)


def verify_receipt(
    receipt: Receipt | bytes,
    *,
    log_vkey: str | NoteVerifier,
    entry: bytes | None = None,
    leaf_hash: bytes | None = None,
    origin: str | None = None,
    witness_vkeys: Sequence[str | NoteVerifier] = (),
    witness_quorum: int | None = None,
    now: int | None = None,
) -> VerifiedReceipt:
    """Verify a receipt fully offline.

    Give exactly one of `entry` (the logged bytes) or `leaf_hash`. The checkpoint must be
    signed by `log_vkey` with origin `origin` (default: the log key's name), carry valid
    cosignatures from at least `witness_quorum` of `witness_vkeys` (default: all of them),
    and include the leaf at the receipt's index. With `now` (POSIX seconds, from the caller's
    clock), a cosignature dated in the future does not count. Raises ReceiptError or NoteError.
    """
    leaf = _leaf_hash(entry, leaf_hash)
    parsed = receipt if isinstance(receipt, Receipt) else parse_receipt(receipt)
    log = _verifier(log_vkey)
    witnesses = [_verifier(key) for key in witness_vkeys]
    keys = [(w.name, w.key_id) for w in witnesses]
    if (log.name, log.key_id) in keys:
        raise ValueError("the log's own key cannot count as a witness")
    if len(set(keys)) != len(keys):
        raise ValueError("a witness key is listed twice, which would count it twice")
    quorum = len(witnesses) if witness_quorum is None else witness_quorum
    if not 0 <= quorum <= len(witnesses):
        raise ValueError(f"quorum {quorum} of {len(witnesses)} witnesses is impossible")

    opened = open_checkpoint(
        parsed.note, log_verifier=log, origin=origin, other_verifiers=witnesses
    )
    cosigned = {sig.key: sig for sig in opened.note.verified}
    cosigners = tuple(
        w.name
        for w in witnesses
        if (w.name, w.key_id) in cosigned and _not_future(cosigned[(w.name, w.key_id)], now)
    )
    if len(cosigners) < quorum:
        raise WitnessQuorumError(f"{len(cosigners)} of {quorum} required witnesses cosigned")
    checkpoint = opened.checkpoint
    verify_inclusion(
        leaf,
        index=parsed.index,
        size=checkpoint.size,
        proof=parsed.inclusion_proof,
        root=checkpoint.root_hash,
    )
    return VerifiedReceipt(parsed.index, checkpoint, cosigners, parsed.extra)


def _leaf_hash(entry: bytes | None, leaf_hash: bytes | None) -> bytes:
    if entry is not None and leaf_hash is None:
        return hash_leaf(entry)
    if leaf_hash is not None and entry is None:
        return leaf_hash
    raise ValueError("give exactly one of entry or leaf_hash")


def _verifier(key: str | NoteVerifier) -> NoteVerifier:
    return load_verifier(key) if isinstance(key, str) else key


def _not_future(signature: NoteSignature, now: int | None) -> bool:
    if now is None:
        return True
    try:
        return cosignature_timestamp(signature) <= now
    except ValueError:
        return True  # a plain note signature carries no timestamp


def _decode(line: str, what: str) -> bytes:
    try:
        return decode_base64(line)
    except ValueError:
        raise MalformedReceiptError(f"{what} {line!r} is not base64") from None
