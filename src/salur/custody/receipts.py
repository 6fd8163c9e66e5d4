"""Receipts and reads of recorded events: c2sp.org/tlog-proof receipts per event (one checkpoint
signed per batch), a package's history, the logged entry of an event, reconciliation by region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.entries import utc
from salur.custody.events import parse_entry
from salur.custody.models import CustodyEvent
from salur.custody.packages import KitsPackageSource, PackageSource
from salur.custody.reconcile import Tally, reconcile
from salur.custody.tepat import Finding
from salur.errors import NotFoundError
from salur.ledger import service as ledger
from salur.ledger.models import LedgerLog
from salur.ledger.tlogproof import Receipt
from salur.uow import UnitOfWork


@dataclass(frozen=True)
class HistoryLine:
    """One event in a package's life."""

    event_id: int
    log_index: int
    kind: str
    hop: str | None
    category: str | None
    at: dt.datetime
    late: bool | None


def event(session: Session, event_id: int) -> CustodyEvent:
    found = repo.event_by_id(session, event_id)
    if found is None:
        raise NotFoundError("custody.event_unknown", event=str(event_id))
    return found


def event_log(session: Session, custody_event: CustodyEvent) -> LedgerLog:
    log = session.get(LedgerLog, custody_event.log_id)
    assert log is not None  # the foreign key to the entry guarantees it
    return log


def event_entry(session: Session, event_id: int) -> dict[str, Any]:
    """The event exactly as logged (body, signatures, what salur recorded), as JSON values."""
    found = event(session, event_id)
    return parse_entry(ledger.entry_bytes(session, event_log(session, found), found.log_index))


def receipt_for_event(session: Session, event_id: int, *, with_entry: bool = True) -> Receipt:
    """The tlog-proof receipt of an event under the best signed checkpoint covering it."""
    found = event(session, event_id)
    return ledger.receipt_for(
        session, event_log(session, found), found.log_index, with_entry=with_entry
    )


def sign_receipts(
    uow: UnitOfWork,
    event_ids: Sequence[int],
    *,
    keys: Path | None = None,
    now: dt.datetime | None = None,
) -> dict[int, Receipt]:
    """Sign one checkpoint per log the events are in (commits), then a receipt per event.

    This is when checkpoints are signed: after a batch of events (a sync upload, a CLI call),
    never per event, so recording stays fast and the log key stays out of the hot path.
    """
    issued = sign_receipts_in(uow.session, event_ids, keys=keys, now=now)
    uow.commit()
    return issued


def sign_receipts_in(
    s: Session,
    event_ids: Sequence[int],
    *,
    keys: Path | None = None,
    now: dt.datetime | None = None,
) -> dict[int, Receipt]:
    """`sign_receipts` in the caller's transaction (does not commit)."""
    positions = repo.event_positions(s, event_ids)
    for event_id in event_ids:
        if event_id not in positions:
            raise NotFoundError("custody.event_unknown", event=str(event_id))
    indices: dict[int, list[int]] = {}
    for log_id, index in positions.values():
        indices.setdefault(log_id, []).append(index)
    signed = {}
    for log_id in sorted(indices):
        log = s.get(LedgerLog, log_id)
        assert log is not None
        signed[log_id] = (log, ledger.sign_checkpoint_in(s, log, keys=keys, now=now))
    issued = {
        log_id: ledger.receipts_for(s, log, indices[log_id], checkpoint=checkpoint)
        for log_id, (log, checkpoint) in signed.items()
    }
    return {
        event_id: issued[positions[event_id][0]][positions[event_id][1]] for event_id in event_ids
    }


def package_history(session: Session, package_id: str) -> list[HistoryLine]:
    """Every event and incident that concerned a package, oldest first."""
    return [
        HistoryLine(e.id, e.log_index, e.kind, e.hop, e.category, utc(e.at) or e.at, e.late)
        for e in repo.events_of_package(session, package_id)
    ]


def reconciliation(
    session: Session, region: str, packages: PackageSource | None = None
) -> list[tuple[Tally, list[Finding]]]:
    """Each returned kotak's tally at or below `region`, with its mismatches."""
    rows = repo.tallies_in_region(session, region.replace(".", ""))
    ids = [row.package_id for row in rows]
    issued = repo.counts_at_tps(session, ids)
    missing = [pid for pid in ids if pid not in issued]
    manifest = (packages or KitsPackageSource()).packages(session, missing) if missing else {}
    out = []
    for row in rows:
        count = issued.get(row.package_id)
        if count is None:
            info = manifest.get(row.package_id)
            count = info.count if info else 0
        assert row.used is not None and row.unused is not None
        assert row.damaged is not None and row.voters is not None
        tally = Tally(
            row.tps_code,
            row.ballot_type,
            count,
            row.used,
            row.unused,
            row.damaged,
            row.voters,
            row.package_id,
        )
        out.append((tally, reconcile([tally])))
    return out
