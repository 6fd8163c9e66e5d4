"""Every query of incidents: workflow rows, the custody incidents not yet in the workflow, and
what a PSU issue reads of TPS, kits and earlier issues."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem
from salur.geo.models import Tps, Village
from salur.incidents.models import Incident, IncidentTransition, PsuIssue
from salur.kits.models import Kit, KitPackage


def add(session: Session, *rows: Any) -> None:
    session.add_all(rows)
    session.flush()


def incident(session: Session, incident_id: int, *, lock: bool = False) -> Incident | None:
    query = select(Incident).where(Incident.id == incident_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def transitions(session: Session, incident_id: int) -> list[IncidentTransition]:
    query = (
        select(IncidentTransition)
        .where(IncidentTransition.incident_id == incident_id)
        .order_by(IncidentTransition.seq)
    )
    return list(session.scalars(query))


def incidents(session: Session, region: str = "", states: Collection[str] = ()) -> list[Incident]:
    """Incidents at or below ``region`` (a dotted code, or a TPS code prefix), oldest first."""
    query = select(Incident).order_by(Incident.reported_at, Incident.id)
    if region:
        prefix = region.replace(".", "")
        query = query.where(
            (Incident.region_code == region)
            | Incident.region_code.like(region + ".%")
            | Incident.tps_code.like(prefix + "%")
        )
    if states:
        query = query.where(Incident.state.in_(sorted(states)))
    return list(session.scalars(query))


def linked_events(session: Session) -> set[int]:
    query = select(Incident.custody_event_id).where(Incident.custody_event_id.is_not(None))
    return {int(e) for e in session.scalars(query) if e is not None}


def custody_incidents(session: Session, skip: Collection[int]) -> list[CustodyEvent]:
    """Custody incidents and late arrivals not yet in the workflow, oldest first."""
    query = (
        select(CustodyEvent)
        .where((CustodyEvent.kind == "incident") | CustodyEvent.late.is_(True))
        .order_by(CustodyEvent.id)
    )
    return [e for e in session.scalars(query) if e.id not in skip]


def findings(session: Session, event_ids: Sequence[int]) -> list[CustodyFinding]:
    if not event_ids:
        return []
    query = (
        select(CustodyFinding)
        .where(CustodyFinding.event_id.in_(list(event_ids)))
        .order_by(CustodyFinding.id)
    )
    return list(session.scalars(query))


def items(session: Session, event_ids: Sequence[int]) -> list[CustodyItem]:
    if not event_ids:
        return []
    query = (
        select(CustodyItem)
        .where(CustodyItem.event_id.in_(list(event_ids)))
        .order_by(CustodyItem.event_id, CustodyItem.package_id)
    )
    return list(session.scalars(query))


def tps_with_village(session: Session, code: str) -> tuple[Tps, Village] | None:
    row = session.execute(
        select(Tps, Village).join(Village, Village.code == Tps.village_code).where(Tps.code == code)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def kit_of(session: Session, tps_id: int) -> Kit | None:
    return session.scalars(select(Kit).where(Kit.tps_id == tps_id)).one_or_none()


def kit_packages(session: Session, kit_id: int) -> list[KitPackage]:
    query = select(KitPackage).where(KitPackage.kit_id == kit_id).order_by(KitPackage.seq)
    return list(session.scalars(query))


def psu_issued(session: Session, ballot_type: str, reserve_district: str) -> int:
    query = select(func.coalesce(func.sum(PsuIssue.quantity), 0)).where(
        PsuIssue.ballot_type == ballot_type, PsuIssue.reserve_district == reserve_district
    )
    return int(session.scalar(query) or 0)


def psu_issues(session: Session, tps: str | None = None) -> list[PsuIssue]:
    query = select(PsuIssue).order_by(PsuIssue.id)
    if tps:
        query = query.where(PsuIssue.tps_code == tps)
    return list(session.scalars(query))
