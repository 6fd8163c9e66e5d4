"""Custody events as leaves of their province's log: find the log, append an entry and write the
event row that points at it, in the caller's transaction: one at a time (`append_event`), or a
batch's together (`PendingEvents`)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Table, text
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.custody.models import CustodyEvent
from salur.db import raw_cursor, raw_sql
from salur.errors import NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.errors import StoreMismatchError
from salur.ledger.models import LedgerLog

_EVENTS = cast(Table, CustodyEvent.__table__)
_EVENT_COLUMNS = (
    "log_id, log_index, kind, hop, category, body_sha256, at, recorded_at, late, cause_event_id"
)


@dataclass(frozen=True, slots=True)
class AppendedEvent:
    """A custody event as recorded: its row id, its index in the log and its kind."""

    id: int
    log_index: int
    kind: str


def province_log(session: Session, rules: CustodyRules, province: str) -> LedgerLog:
    """The log of the configured election in `province`, loaded in the caller's session."""
    log = ledger_repo.log_for(session, rules.election.election, province)
    if log is None:
        raise NotFoundError("custody.no_log", election=rules.election.election, province=province)
    return log


def append_event(
    session: Session,
    log: LedgerLog,
    payload: Mapping[str, Any] | bytes,
    *,
    kind: str,
    sha: str,
    at: dt.datetime,
    now: dt.datetime,
    hop: str | None = None,
    category: str | None = None,
    late: bool | None = None,
    cause_event_id: int | None = None,
) -> AppendedEvent:
    """Append `payload` to the log and write its event row; never commits.

    The row is inserted on the transaction's DBAPI cursor, as the ledger appends (through the
    session's unit of work, or even SQLAlchemy Core, it cost several times the INSERT), and
    what comes back is a plain record, not an ORM instance (building one cost as much).
    """
    index, _ = ledger.append_entry(session, log, payload, now=now)
    raw = raw_cursor(session)
    sql, stamp = _insert_event(raw.dialect)
    row = (log.id, index, kind, hop, category, sha, stamp(at), stamp(now), late, cause_event_id)
    raw.cursor.execute(sql, row)
    ((event_id,),) = raw.cursor.fetchall()  # to the end: see ledger.repository._only_row
    return AppendedEvent(int(event_id), index, kind)


@functools.lru_cache(maxsize=8)
def _insert_event(dialect: Dialect) -> tuple[str, Callable[[dt.datetime], Any]]:
    """The event row's INSERT in the driver's paramstyle, and how its times are stored (exactly
    as the column's type would store them through SQLAlchemy)."""
    sql = (
        f"INSERT INTO custody_event ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id"
    )
    processor = _EVENTS.c.at.type.bind_processor(dialect)
    return raw_sql(dialect, sql), processor or (lambda value: value)


@dataclass(frozen=True, slots=True)
class _Pending:
    log: LedgerLog
    entry: bytes
    event: AppendedEvent
    row: tuple[Any, ...]  # the event row after its id: `_EVENT_COLUMNS`
    now: dt.datetime


class PendingEvents:
    """A batch's custody events, each given its log index and row id when it is accepted, and
    written together (`flush`): a synced batch appends dozens, and an entry, its nodes and its
    row written one by one were four statements each under the store's writer lock.

    Indices continue the log's stored size and ids the table's, both read under the write lock
    the batch holds (SQLite's single writer; on PostgreSQL the logs' rows, and ids drawn from
    the table's sequence). Whatever must see or reference the events (an incident naming one)
    flushes them first, which also forgets both counters, so that a write of its own can follow.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[_Pending] = []
        self._ids: Iterator[int] | None = None
        self._next_index: dict[int, int] = {}

    def add(
        self,
        log: LedgerLog,
        entry: bytes,
        *,
        kind: str,
        sha: str,
        at: dt.datetime,
        now: dt.datetime,
        hop: str | None = None,
        category: str | None = None,
        late: bool | None = None,
    ) -> AppendedEvent:
        """The event as it will be recorded (written by the next `flush`)."""
        index = self._next_index.get(log.id)
        if index is None:
            index = ledger_repo.log_size(self.session, log.id)
        self._next_index[log.id] = index + 1
        if self._ids is None:
            self._ids = _event_ids(self.session)
        event = AppendedEvent(next(self._ids), index, kind)
        row = (log.id, index, kind, hop, category, sha, at, now, late, None)
        self._pending.append(_Pending(log, entry, event, row, now))
        return event

    def flush(self) -> None:
        """Append the events' entries to their logs and write their rows, a few statements in
        all; StoreMismatchError if a log's size moved under the batch (it cannot: locked)."""
        if not self._pending:
            return
        by_log: dict[int, list[_Pending]] = {}
        for pending in self._pending:
            by_log.setdefault(pending.log.id, []).append(pending)
        for group in by_log.values():
            log = group[0].log
            appended = ledger.append_entries(
                self.session, log, [p.entry for p in group], now=group[0].now
            )
            if [index for index, _ in appended] != [p.event.log_index for p in group]:
                raise StoreMismatchError("ledger.frontier_missing", size=appended[0][0])
        raw = raw_cursor(self.session)
        sql, stamp = _insert_events(raw.dialect)
        rows = [
            (p.event.id, *p.row[:6], stamp(p.row[6]), stamp(p.row[7]), *p.row[8:])
            for p in self._pending
        ]
        raw.cursor.executemany(sql, rows)
        self._pending, self._ids, self._next_index = [], None, {}


def _event_ids(session: Session) -> Iterator[int]:
    """Ids for new event rows, the table's next ones: under SQLite's single writer the largest
    id so far (AUTOINCREMENT never reuses one), on PostgreSQL the id sequence's, 32 at a time."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _from_sequence(session)
    used = connection.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(id) FROM custody_event), 0), coalesce("
        "(SELECT seq FROM sqlite_sequence WHERE name = 'custody_event'), 0))"
    ).scalar_one()
    return itertools.count(int(used) + 1)


def _from_sequence(session: Session) -> Iterator[int]:
    query = text(
        "SELECT nextval(pg_get_serial_sequence('custody_event', 'id')) FROM generate_series(1, 32)"
    )
    while True:
        yield from (int(n) for n in session.connection().execute(query).scalars())


@functools.lru_cache(maxsize=8)
def _insert_events(dialect: Dialect) -> tuple[str, Callable[[dt.datetime], Any]]:
    """The event rows' INSERT with their ids, in the driver's paramstyle, and how times are
    stored (as the column's type stores them through SQLAlchemy)."""
    sql = f"INSERT INTO custody_event (id, {_EVENT_COLUMNS}) VALUES ({', '.join('?' * 11)})"
    processor = _EVENTS.c.at.type.bind_processor(dialect)
    return raw_sql(dialect, sql), processor or (lambda value: value)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as UTC-aware (SQLite hands DateTime(timezone=True) back naive, in UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
