"""Every query of sync: claiming items (insert, or nothing on a conflict), reading them,
finishing or releasing claims, taking over stale ones, and each device's sequence watermark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from salur.service.models import SyncDevice, SyncItem

PENDING, DONE = "pending", "done"
_ITEMS = cast(Table, SyncItem.__table__)
_DEVICES = cast(Table, SyncDevice.__table__)


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored item as read (plain values: it outlives the session that read it)."""

    key: str
    sequence: int
    request_sha256: str
    state: str
    claim: str
    claimed_at: dt.datetime
    result: str | None


def items(session: Session, device_id: str, keys: Collection[str]) -> dict[str, Stored]:
    """The stored items of a device among `keys`."""
    if not keys:
        return {}
    query = select(
        SyncItem.idempotency_key,
        SyncItem.sequence,
        SyncItem.request_sha256,
        SyncItem.state,
        SyncItem.claim,
        SyncItem.claimed_at,
        SyncItem.result,
    ).where(SyncItem.device_id == device_id, SyncItem.idempotency_key.in_(sorted(keys)))
    return {row[0]: Stored(*row) for row in session.execute(query).all()}


def claim(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert `rows` as pending items, skipping any whose key or sequence is taken; returns
    the keys inserted. Concurrent claims of one key: exactly one inserts it."""
    if not rows:
        return set()
    inserted = session.connection().execute(_claim_statement(session), list(rows))
    return set(inserted.scalars())


def _claim_statement(session: Session) -> Insert:
    # Core, executed many (SQLAlchemy sends it as multi-row INSERTs with RETURNING): a statement
    # built with .values(rows) is compiled anew per upload, which cost more than the insert.
    table = cast(Table, SyncItem.__table__)
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(table).on_conflict_do_nothing()
    return statement.returning(table.c.idempotency_key)


@dataclass(frozen=True, slots=True)
class Answer:
    """What to store for one key: its outcome, its event (if accepted), the answer's JSON."""

    key: str
    outcome: str
    event_id: int | None
    result: str


def finish(
    session: Session,
    device_id: str,
    claim_token: str,
    answers: Sequence[Answer],
    now: dt.datetime,
    *,
    claimed_here: bool = False,
) -> set[str]:
    """Store the answers of items this claim holds, in one executemany; returns the keys
    another claim took over meanwhile (their answers are not stored). None can have been if
    the items were `claimed_here`, in this same transaction: no other sees them before it
    commits, so they are not read back."""
    if not answers:
        return set()
    table = cast(Table, SyncItem.__table__)
    statement = (
        update(table)
        .where(
            table.c.device_id == device_id,
            table.c.idempotency_key == bindparam("k"),
            table.c.claim == claim_token,
            table.c.state == PENDING,
        )
        .values(
            state=DONE,
            outcome=bindparam("o"),
            event_id=bindparam("e"),
            result=bindparam("r"),
            done_at=now,
        )
    )
    rows = [{"k": a.key, "o": a.outcome, "e": a.event_id, "r": a.result} for a in answers]
    session.connection().execute(statement, rows)
    if claimed_here:
        return set()
    kept = select(SyncItem.idempotency_key).where(
        SyncItem.device_id == device_id,
        SyncItem.claim == claim_token,
        SyncItem.state == DONE,
        SyncItem.idempotency_key.in_([a.key for a in answers]),
    )
    return {a.key for a in answers} - set(session.scalars(kept))


def release(session: Session, device_id: str, keys: Collection[str], claim_token: str) -> None:
    """Drop this claim's pending items, so that a retry processes them afresh."""
    if keys:
        session.execute(
            delete(SyncItem).where(
                SyncItem.device_id == device_id,
                SyncItem.idempotency_key.in_(sorted(keys)),
                SyncItem.claim == claim_token,
                SyncItem.state == PENDING,
            )
        )


def take_over(
    session: Session,
    device_id: str,
    key: str,
    stale_claim: str,
    claim_token: str,
    now: dt.datetime,
) -> bool:
    """Take a stale pending item from the claim that stopped working on it (compare and set)."""
    result = session.execute(
        update(SyncItem)
        .where(
            SyncItem.device_id == device_id,
            SyncItem.idempotency_key == key,
            SyncItem.claim == stale_claim,
            SyncItem.state == PENDING,
        )
        .values(claim=claim_token, claimed_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def ensure_device(session: Session, device_id: str, now: dt.datetime) -> None:
    """A watermark row for the device (none arrived yet), unless it has one."""
    row = {"device_id": device_id, "contiguous": 0, "highest": 0, "updated_at": now}
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(SyncDevice).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(SyncDevice).values(row).on_conflict_do_nothing()
    session.execute(statement)


def lock_watermark(session: Session, device_id: str, now: dt.datetime) -> tuple[int, int]:
    """(contiguous, highest) of the device, its row created if missing and locked for this
    transaction. Core statements on the connection: this runs under the writer lock for every
    upload, where the ORM's per-statement cost showed."""
    ensure_device(session, device_id, now)
    query = select(_DEVICES.c.contiguous, _DEVICES.c.highest).where(
        _DEVICES.c.device_id == device_id
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.connection().execute(query).one()  # on SQLite the writer lock is held
    return int(row[0]), int(row[1])


def set_watermark(
    session: Session, device_id: str, contiguous: int, highest: int, now: dt.datetime
) -> None:
    session.connection().execute(
        update(_DEVICES)
        .where(_DEVICES.c.device_id == device_id)
        .values(contiguous=contiguous, highest=highest, updated_at=now)
    )


def device_state(session: Session, device_id: str) -> SyncDevice | None:
    return session.scalars(
        select(SyncDevice).where(SyncDevice.device_id == device_id)
    ).one_or_none()


def sequences_above(session: Session, device_id: str, floor: int) -> list[int]:
    """Sequence numbers of the device's items above `floor`."""
    query = select(_ITEMS.c.sequence).where(
        _ITEMS.c.device_id == device_id, _ITEMS.c.sequence > floor
    )
    return [int(n) for n in session.connection().execute(query).scalars()]


def sequence_owner(session: Session, device_id: str, sequences: Collection[int]) -> dict[int, str]:
    """The key holding each of these sequence numbers of the device."""
    if not sequences:
        return {}
    query = select(SyncItem.sequence, SyncItem.idempotency_key).where(
        SyncItem.device_id == device_id, SyncItem.sequence.in_(sorted(sequences))
    )
    return {int(n): str(k) for n, k in session.execute(query).all()}
