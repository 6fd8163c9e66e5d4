"""Custody events as leaves of their province's log: find the log, append an entry and write the
event row that points at it, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Table
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.custody.models import CustodyEvent
from salur.db import raw_cursor, raw_sql
from salur.errors import NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.models import LedgerLog

_EVENTS = cast(Table, CustodyEvent.__table__)


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
    columns = (
        "log_id, log_index, kind, hop, category, body_sha256, at, recorded_at, late, cause_event_id"
    )
    sql = (
        f"INSERT INTO custody_event ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
    )
    processor = _EVENTS.c.at.type.bind_processor(dialect)
    return raw_sql(dialect, sql), processor or (lambda value: value)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as UTC-aware (SQLite hands DateTime(timezone=True) back naive, in UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
