"""Offline verification of a receipt file, with a reason a person can read when it fails.

Wraps `tlogproof.verify_receipt` for `salur verify`: the entry comes from the receipt's extra
data (authenticated by the inclusion proof, since its hash is the leaf) or from a file, and each
way of failing becomes a ReceiptRejectedError with its own message key.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from salur.errors import SalurError
from salur.ledger.checkpoint import CheckpointError
from salur.ledger.cosignature import CosignatureVerifier
from salur.ledger.errors import ReceiptRejectedError
from salur.ledger.keys import Ed25519Verifier
from salur.ledger.merkle import ProofError
from salur.ledger.note import InvalidSignatureError, NoteError, UnverifiedNoteError
from salur.ledger.tlogproof import MalformedReceiptError, parse_receipt, verify_receipt


@dataclass(frozen=True, slots=True)
class CheckedReceipt:
    """What a good receipt proves: entry `index` is in log `origin` of `size`, cosigned by..."""

    index: int
    origin: str
    size: int
    witnesses: tuple[str, ...]
    entry: bytes


def check_receipt(
    data: bytes,
    *,
    log_vkey: str,
    witness_vkeys: Sequence[str] = (),
    quorum: int | None = None,
    entry: bytes | None = None,
    origin: str | None = None,
    now: int | None = None,
) -> CheckedReceipt:
    """Verify a tlog-proof receipt fully offline; raise ReceiptRejectedError saying why not.

    `quorum` witnesses of `witness_vkeys` must have cosigned (default: all of them). Bad keys
    or an impossible quorum are the caller's mistake and raise a plain SalurError.
    """
    log, witnesses = _load_keys(log_vkey, witness_vkeys)
    required = len(witnesses) if quorum is None else quorum
    if not 0 <= required <= len(witnesses):
        raise SalurError("ledger.verify_bad_quorum", quorum=required, count=len(witnesses))
    try:
        receipt = parse_receipt(data)
    except MalformedReceiptError as exc:
        raise ReceiptRejectedError("ledger.verify_malformed", reason=str(exc)) from None
    if entry is None and receipt.extra is None:
        raise ReceiptRejectedError("ledger.verify_no_entry")
    if entry is not None and receipt.extra is not None and entry != receipt.extra:
        raise ReceiptRejectedError("ledger.verify_entry_differs")
    leaf_entry = entry if entry is not None else receipt.extra
    assert leaf_entry is not None
    try:
        verified = verify_receipt(
            receipt,
            log_vkey=log,
            entry=leaf_entry,
            origin=origin,
            witness_vkeys=witnesses,
            witness_quorum=0,
            now=now,
        )
    except UnverifiedNoteError:
        raise ReceiptRejectedError("ledger.verify_not_signed") from None
    except InvalidSignatureError as exc:
        raise ReceiptRejectedError("ledger.verify_bad_signature", reason=str(exc)) from None
    except CheckpointError as exc:
        raise ReceiptRejectedError("ledger.verify_wrong_log", reason=str(exc)) from None
    except NoteError as exc:
        raise ReceiptRejectedError("ledger.verify_malformed", reason=str(exc)) from None
    except ProofError:
        raise ReceiptRejectedError("ledger.verify_not_included", index=receipt.index) from None
    missing = [w.name for w in witnesses if w.name not in verified.witnesses]
    if len(witnesses) - len(missing) < required:
        raise ReceiptRejectedError(
            "ledger.verify_witness_missing", names=", ".join(missing), quorum=required
        )
    checkpoint = verified.checkpoint
    return CheckedReceipt(
        receipt.index, checkpoint.origin, checkpoint.size, verified.witnesses, leaf_entry
    )


def _load_keys(
    log_vkey: str, witness_vkeys: Sequence[str]
) -> tuple[Ed25519Verifier, list[CosignatureVerifier]]:
    try:
        log = _log_verifier(log_vkey.strip())
    except ValueError:
        raise SalurError("ledger.bad_log_vkey", vkey=log_vkey) from None
    witnesses = []
    for vkey in witness_vkeys:
        try:
            witnesses.append(_witness_verifier(vkey.strip()))
        except ValueError:
            raise SalurError("ledger.bad_witness_vkey", vkey=vkey) from None
    if len({(w.name, w.key_id) for w in witnesses}) != len(witnesses):
        raise SalurError("ledger.verify_duplicate_witness")
    return log, witnesses


# Loading a key hashes its ID and builds an OpenSSL key object; a verifier (the portal, a phone
# auditing many receipts) meets the same few keys again and again. The keys are immutable.
@functools.lru_cache(maxsize=256)
def _log_verifier(vkey: str) -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(vkey)


@functools.lru_cache(maxsize=256)
def _witness_verifier(vkey: str) -> CosignatureVerifier:
    return CosignatureVerifier.from_vkey(vkey)
