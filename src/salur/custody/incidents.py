"""Incidents salur records itself: a refused event (in a unit of work of its own), and the
discrepancies or reconciliation mismatches of an accepted one (in the event's own transaction).
No device signs them; the log's checkpoint does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.config import CustodyRules
from salur.custody.entries import AppendedEvent, append_event
from salur.custody.events import body_sha256, entry_payload, parse_time
from salur.custody.models import CustodyFinding, CustodyItem
from salur.custody.tepat import Finding
from salur.i18n import t
from salur.ledger.models import LedgerLog


def describe(findings: Sequence[Finding], lang: str | None = None) -> str:
    """Findings as one line in the user's language (or `lang`)."""
    return "; ".join(
        t(
            f"custody.finding.{f.code}",
            lang,
            package=f.package or "-",
            expected=f.expected or "-",
            found=f.found or "-",
        )
        for f in findings
    )


def append_incident(
    session: Session,
    log: LedgerLog,
    rules: CustodyRules,
    at: str,
    category: str,
    findings: Sequence[Finding],
    cause: Mapping[str, Any],
    cause_event_id: int | None,
    now: dt.datetime,
) -> AppendedEvent:
    """An incident salur records itself (no device signs it: the log's checkpoint does)."""
    body = {
        "v": 1,
        "type": "incident",
        "source": "salur",
        "election": rules.election.election,
        "at": at,
        "category": category,
        "cause": dict(cause),
        "findings": [finding_json(f) for f in findings],
    }
    sha = body_sha256(body)
    existing = repo.event_by_sha(session, sha)
    if existing is not None:
        return AppendedEvent(existing.id, existing.log_index, existing.kind)
    event = append_event(
        session,
        log,
        entry_payload(body),
        kind="incident",
        category=category,
        sha=sha,
        at=parse_time(at),
        now=now,
        cause_event_id=cause_event_id,
    )
    repo.add(
        session,
        *(
            CustodyFinding(
                event_id=event.id,
                code=f.code,
                package_id=f.package,
                tps_code=f.tps,
                ballot_type=f.ballot_type,
                expected=f.expected,
                found=f.found,
            )
            for f in findings
        ),
    )
    concerned = {f.package: f for f in findings if f.package is not None and f.tps is not None}
    repo.add(
        session,
        *(
            CustodyItem(
                event_id=event.id,
                package_id=package,
                tps_code=f.tps,
                ballot_type=f.ballot_type or "",
            )
            for package, f in concerned.items()
        ),
    )
    return event


def finding_json(finding: Finding) -> dict[str, str]:
    fields = {
        "code": finding.code,
        "package": finding.package,
        "tps": finding.tps,
        "ballot_type": finding.ballot_type,
        "expected": finding.expected,
        "found": finding.found,
    }
    return {k: v for k, v in fields.items() if v is not None}
