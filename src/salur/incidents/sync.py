"""Opening workflow incidents for what custody recorded: incidents (refusals, discrepancies,
reconciliation mismatches, device reports) and late arrivals, one per type and TPS, each linked
to its custody event rather than copied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.custody.entries import utc
from salur.custody.events import parse_entry
from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem
from salur.incidents import repository as repo
from salur.incidents.entries import SYSTEM_ROLE, Actor
from salur.incidents.models import Incident
from salur.incidents.service import Context, IncidentView, locked_log, open_in, view_of
from salur.incidents.types import IncidentTypes
from salur.incidents.workflow import desa_of, is_tps
from salur.ledger import service as ledger
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork


def sync_custody(
    uow: UnitOfWork,
    *,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> list[IncidentView]:
    """Open a workflow incident for every custody incident (and late arrival) not yet in the
    workflow: one per type and TPS it concerns, linked to the custody event; commits."""
    ctx = Context.of(rules, types, now)
    s = uow.session
    events = repo.custody_incidents(s, repo.linked_events(s))
    if not events:
        return []
    opened: list[Incident] = []
    logs: dict[str, LedgerLog] = {}
    found: dict[int, list[CustodyFinding]] = {}
    for finding in repo.findings(s, [e.id for e in events]):
        found.setdefault(finding.event_id, []).append(finding)
    seen: dict[int, list[CustodyItem]] = {}
    for item in repo.items(s, [e.id for e in events]):
        seen.setdefault(item.event_id, []).append(item)
    for event in events:
        for kind, region, package in _causes(s, event, found.get(event.id, []), seen, ctx):
            province = (desa_of(region) if is_tps(region) else region)[:2]
            log = logs.get(province)
            if log is None:
                log = logs[province] = locked_log(s, ctx, region)
            reporter = Actor(SYSTEM_ROLE, province)
            at = utc(event.at) or ctx.now
            opened.append(open_in(s, log, ctx, kind, region, reporter, package, at, event, None))
    views = [view_of(s, i, ctx.now) for i in opened]
    uow.commit()
    return views


def _causes(
    session: Session,
    event: CustodyEvent,
    findings: list[CustodyFinding],
    items: Mapping[int, list[CustodyItem]],
    ctx: Context,
) -> list[tuple[str, str, str | None]]:
    """(type, region, package) of the workflow incidents one custody event calls for."""
    types = ctx.types
    out: dict[tuple[str, str], str | None] = {}
    if event.kind != "incident":
        for item in items.get(event.id, []):
            out.setdefault(("late", item.tps_code), None)
        return [(k, r, p) for (k, r), p in out.items()]
    for finding in findings:
        kind = types.for_finding(finding.code) or types.for_category(event.category or "")
        region = finding.tps_code or _reporter_region(session, event)
        out.setdefault((kind or "other", region), finding.package_id)
    if not findings:
        kind = types.for_category(event.category or "") or "other"
        tps = sorted({i.tps_code for i in items.get(event.id, [])})
        for region in tps or [_reporter_region(session, event)]:
            package = next(
                (i.package_id for i in items.get(event.id, []) if i.tps_code == region), None
            )
            out.setdefault((kind, region), package)
    return [(k, r, p) for (k, r), p in sorted(out.items())]


def _reporter_region(session: Session, event: CustodyEvent) -> str:
    """The region of whoever reported a custody incident (read from its log entry)."""
    log = session.get(LedgerLog, event.log_id)
    assert log is not None
    body = parse_entry(ledger.entry_bytes(session, log, event.log_index)).get("event", {})
    for party in ("reporter", "by", "receiver", "giver"):
        region = body.get(party, {}).get("region")
        if region:
            return str(region)
    return str(body.get("cause", {}).get("region", "")) or log.province_code
