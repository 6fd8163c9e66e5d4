"""Custody events: the handovers (and other events) of a region, one event exactly as logged
with the incidents it gave rise to, its tlog-proof receipt and, for a handover, the BAST."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from salur.custody import receipts
from salur.custody import repository as custody_repo
from salur.custody.documents import bast_pdf
from salur.custody.incidents import describe
from salur.custody.models import CustodyEvent, CustodyFinding
from salur.custody.tepat import Finding
from salur.errors import NotFoundError
from salur.service import policy, queries
from salur.service.access import Allow, Grant
from salur.service.cache import forget_latest
from salur.service.deps import Settings, Uow
from salur.service.errors import Responses
from salur.service.language import language
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["handovers"])
EventKind = Literal[
    "handover", "dispatch", "receipt", "seal_check", "opening", "sealed_return", "all"
]
PACKAGE_KINDS = ("handover", "dispatch", "receipt", "seal_check", "opening", "sealed_return")
PDF: Responses = {
    200: {"content": {"application/pdf": {}}, "description": "The BAST, with its receipt."}
}
PROOF: Responses = {
    200: {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "description": "A c2sp.org/tlog-proof receipt (entry included).",
    }
}


class EventOut(BaseModel):
    id: int
    log_index: int
    kind: str
    hop: str | None
    category: str | None
    at: dt.datetime
    recorded_at: dt.datetime
    late: bool | None
    packages: int


class FindingOut(BaseModel):
    code: str
    package: str | None
    tps: str | None
    ballot_type: str | None
    expected: str | None
    found: str | None
    message: str


class IncidentOut(EventOut):
    cause_event_id: int | None
    findings: list[FindingOut]


class EventDetail(BaseModel):
    event: EventOut
    entry: dict[str, Any] = Field(
        description="The log entry: the signed body, its signatures, and what salur recorded."
    )
    incidents: list[IncidentOut]


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def event_out(event: CustodyEvent, packages: int) -> EventOut:
    return EventOut(
        id=event.id,
        log_index=event.log_index,
        kind=event.kind,
        hop=event.hop,
        category=event.category,
        at=_utc(event.at),
        recorded_at=_utc(event.recorded_at),
        late=event.late,
        packages=packages,
    )


def finding_out(row: CustodyFinding, lang: str) -> FindingOut:
    finding = Finding(
        row.code, row.package_id, row.tps_code, row.ballot_type, row.expected, row.found
    )
    return FindingOut(
        code=row.code,
        package=row.package_id,
        tps=row.tps_code,
        ballot_type=row.ballot_type,
        expected=row.expected,
        found=row.found,
        message=describe([finding], lang),
    )


def incident_out(
    event: CustodyEvent, packages: int, findings: list[CustodyFinding], lang: str
) -> IncidentOut:
    return IncidentOut(
        **event_out(event, packages).model_dump(),
        cause_event_id=event.cause_event_id,
        findings=[finding_out(f, lang) for f in findings],
    )


@router.get("/handovers/{region}", response_model=list[EventOut])
def handovers(
    region: str,
    grant: Annotated[Grant, Allow(policy.HANDOVERS)],
    uow: Uow,
    kind: Annotated[EventKind, Query()] = "handover",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[EventOut]:
    """Custody events (default: handovers) whose packages all lie in the region, newest first."""
    kinds = PACKAGE_KINDS if kind == "all" else (kind,)
    rows = queries.events_inside(uow.session, grant, kinds, limit, offset)
    return [event_out(event, count) for event, count in rows]


@router.get("/events/{event_id}", response_model=EventDetail)
def event(
    event_id: int,
    grant: Annotated[Grant, Allow(policy.EVENT)],
    uow: Uow,
    lang: Annotated[str, Depends(language)],
) -> EventDetail:
    """One custody event exactly as logged, and the incidents it gave rise to."""
    s = uow.session
    found = receipts.event(s, event_id)
    caused = custody_repo.incidents_caused_by(s, found.id)
    findings = queries.findings_of(s, [found.id, *(e.id for e in caused)])
    incidents = [
        incident_out(e, queries.package_count(s, e.id), findings.get(e.id, []), lang)
        for e in caused
    ]
    return EventDetail(
        event=event_out(found, queries.package_count(s, found.id)),
        entry=receipts.event_entry(s, event_id),
        incidents=incidents,
    )


@router.get("/events/{event_id}/receipt", response_class=Response, responses=PROOF)
def receipt(
    event_id: int,
    request: Request,
    grant: Annotated[Grant, Allow(policy.EVENT)],
    uow: Uow,
    settings: Settings,
) -> Response:
    """The event's c2sp.org/tlog-proof receipt, signing a checkpoint first if none covers it."""
    try:
        proof = receipts.receipt_for_event(uow.session, event_id)
    except NotFoundError as missing:
        if missing.key != "ledger.no_checkpoint_covers":
            raise
        province = receipts.event_log(uow.session, receipts.event(uow.session, event_id))
        proof = receipts.sign_receipts(uow, [event_id], keys=settings.key_dir)[event_id]
        forget_latest(request, province.province_code)
    return Response(proof.to_bytes(), media_type="text/plain; charset=utf-8")


@router.get("/events/{event_id}/bast.pdf", response_class=Response, responses=PDF)
def bast(
    event_id: int,
    request: Request,
    grant: Annotated[Grant, Allow(policy.EVENT)],
    uow: Uow,
    settings: Settings,
    lang: Annotated[str, Depends(language)],
) -> Response:
    """The BAST of a handover as PDF (people by pseudonym and device; their receipt's QR)."""
    province = receipts.event_log(uow.session, receipts.event(uow.session, event_id)).province_code
    pdf = bast_pdf(uow, event_id, keys=settings.key_dir, lang=lang)
    forget_latest(request, province)  # the BAST signs a checkpoint if none covered the event
    return Response(pdf, media_type="application/pdf")
