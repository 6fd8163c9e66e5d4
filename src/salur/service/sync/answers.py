"""The answers the sync layer gives itself rather than custody: stored answers of keys seen
before, a key reused for another body (the batch refused, 422), a sequence number another key
took, and "send it again later" (not recorded, or another upload still at work on the key)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from salur.errors import SalurError
from salur.i18n import t
from salur.service.sync import repository as repo
from salur.service.sync.schemas import EventResult, SyncEventIn


def stored_answers(stored: Mapping[str, repo.Stored]) -> dict[str, EventResult]:
    return {
        key: EventResult.model_validate_json(row.result)
        for key, row in stored.items()
        if row.state == repo.DONE and row.result is not None
    }


class IdempotencyConflictError(SalurError):
    """A key already used for another body: the batch is refused whole."""

    code = "idempotency_conflict"
    status = 422

    def __init__(self, key: str, index: int) -> None:
        self.field = f"body.events.{index}.idempotency_key"
        super().__init__("service.idempotency_conflict", idempotency_key=key, field=self.field)


def refuse_conflicts(
    stored: Mapping[str, repo.Stored], events: Mapping[str, tuple[int, SyncEventIn, str]]
) -> None:
    """IdempotencyConflictError if a stored key's body differs from the batch's (`events`:
    key -> its position, event and request digest)."""
    for key, row in stored.items():
        index, _, digest = events[key]
        if row.request_sha256 != digest:
            raise IdempotencyConflictError(key, index)


def sequence_reused(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "refused", "sequence_reused", field="sequence")


def retry_later(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "pending", "retry_later")


def in_progress(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "pending", "in_progress")


def _answer(
    event: SyncEventIn,
    lang: str,
    status: Literal["refused", "pending"],
    code: str,
    field: str | None = None,
) -> EventResult:
    """An answer the sync layer gives itself (not custody's), its message in `lang`."""
    key = f"service.{code}"
    return EventResult(
        idempotency_key=event.idempotency_key,
        sequence=event.sequence,
        status=status,
        code=code,
        key=key,
        message=t(key, lang, sequence=event.sequence),
        field=field,
    )
