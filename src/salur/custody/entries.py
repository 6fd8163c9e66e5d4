"""Custody events as leaves of their province's log: find the log, append an entry and write the
event row that points at it, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.custody.models import CustodyEvent
from salur.errors import NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.models import LedgerLog

_EVENTS = cast(Table, CustodyEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)


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

    The row is inserted with a plain INSERT ... RETURNING on the session's connection rather
    than through its unit of work (a flush per event was a third of recording a synced
    handover), and what comes back is a plain record, not an ORM instance (building one cost
    as much as the insert).
    """
    index, _ = ledger.append_entry(session, log, payload, now=now)
    values: dict[str, Any] = {
        "log_id": log.id,
        "log_index": index,
        "kind": kind,
        "hop": hop,
        "category": category,
        "body_sha256": sha,
        "at": at,
        "recorded_at": now,
        "late": late,
        "cause_event_id": cause_event_id,
    }
    event_id = session.connection().execute(_INSERT_EVENT, values).scalar_one()
    return AppendedEvent(int(event_id), index, kind)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as UTC-aware (SQLite hands DateTime(timezone=True) back naive, in UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
