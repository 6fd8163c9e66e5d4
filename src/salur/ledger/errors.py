"""Typed errors of the custody log, rendered in the user's language like every SalurError."""

from __future__ import annotations

from typing import Any

from salur.errors import SalurError


class KeyFileError(SalurError):
    """A signing key file is missing, unreadable, already there, or not the key the log uses."""

    code = "key_file"


class StoreMismatchError(SalurError):
    """Stored entries, nodes or checkpoints disagree: the store was damaged or tampered with."""

    code = "ledger_mismatch"


class ReceiptRejectedError(SalurError):
    """A receipt did not verify; `key` says why."""

    code = "receipt_rejected"


class WitnessRefusedError(SalurError):
    """The witness will not cosign. `status` is the HTTP status c2sp.org/tlog-witness assigns."""

    code = "witness_refused"

    def __init__(self, key: str, *, status: int, **params: Any) -> None:
        self.status = status
        super().__init__(key, **params)
