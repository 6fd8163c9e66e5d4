"""Queries of custody events by region: the events wholly inside a granted region, incidents
(with their findings) and reported incidents that concern no package.

An event is listed for a region only when every package it concerns lies in that region, so
the list shows exactly the events the caller may open one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, not_, select
from sqlalchemy.orm import Session, aliased

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem
from salur.identity.regions import within
from salur.service import scoped
from salur.service.access import Grant
from salur.service.regions import event_region


def events_inside(
    session: Session, grant: Grant, kinds: Sequence[str], limit: int, offset: int
) -> list[tuple[CustodyEvent, int]]:
    """Events of these kinds whose packages all lie in the region, with their package count,
    newest first."""
    item = aliased(CustodyItem)
    outside = exists().where(
        item.event_id == CustodyEvent.id, not_(scoped.tps_codes(grant, item.tps_code))
    )
    inside = select(CustodyItem.event_id).where(scoped.tps_codes(grant, CustodyItem.tps_code))
    query = (
        select(CustodyEvent)
        .where(CustodyEvent.kind.in_(list(kinds)), CustodyEvent.id.in_(inside), ~outside)
        .order_by(CustodyEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    events = list(session.scalars(query))
    return [(event, package_count(session, event.id)) for event in events]


def package_count(session: Session, event_id: int) -> int:
    query = select(CustodyItem.package_id).where(CustodyItem.event_id == event_id)
    return len(list(session.scalars(query)))


def packageless_incidents(session: Session, grant: Grant, limit: int) -> list[CustodyEvent]:
    """Incidents concerning no package (a flood report, a missing witness) whose region, found
    from the cause or the reporter, lies in the granted one."""
    no_items = ~exists().where(CustodyItem.event_id == CustodyEvent.id)
    query = (
        select(CustodyEvent)
        .where(CustodyEvent.kind == "incident", no_items)
        .order_by(CustodyEvent.id.desc())
    )
    out = []
    for event in session.scalars(query):
        region = event_region(session, event)
        if region and within(region, grant.region):
            out.append(event)
            if len(out) >= limit:
                break
    return out


def findings_of(session: Session, event_ids: Sequence[int]) -> dict[int, list[CustodyFinding]]:
    """The findings of each incident among `event_ids`."""
    if not event_ids:
        return {}
    query = (
        select(CustodyFinding)
        .where(CustodyFinding.event_id.in_(list(event_ids)))
        .order_by(CustodyFinding.id)
    )
    out: dict[int, list[CustodyFinding]] = {}
    for finding in session.scalars(query):
        out.setdefault(finding.event_id, []).append(finding)
    return out
