"""Incidents (refusals, discrepancies, reconciliation mismatches, reports from the field),
Bawaslu's findings, and the ballot reconciliation of returned kotak."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from salur.custody.incidents import describe
from salur.custody.receipts import reconciliation
from salur.custody.tepat import Finding
from salur.identity.models import User
from salur.service import policy, queries, scoped
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.language import language
from salur.service.models import SupervisionFinding
from salur.service.routes.handovers import FindingOut, IncidentOut, incident_out
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["incidents"])
CATEGORY = r"^[a-z][a-z0-9_]{1,29}$"


class SupervisionIn(BaseModel):
    """A Bawaslu finding: what kind, about what (a package, TPS or event id), and what was seen."""

    category: str = Field(pattern=CATEGORY, description="e.g. late, unsealed, wrong_dapil")
    subject: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]{1,40}$")
    description: str = Field(min_length=1, max_length=2000)


class SupervisionOut(BaseModel):
    id: int
    region: str
    category: str
    subject: str | None
    description: str
    filed_by: str
    filed_at: dt.datetime


class TallyOut(BaseModel):
    """One returned kotak's ballot count against what its TPS was issued."""

    tps: str
    ballot_type: str
    package: str | None
    issued: int
    used: int
    unused: int
    damaged: int
    voters: int
    findings: list[FindingOut]


@router.get("/incidents/{region}", response_model=list[IncidentOut])
def incidents(
    region: str,
    grant: Annotated[Grant, Allow(policy.INCIDENTS)],
    uow: Uow,
    lang: Annotated[str, Depends(language)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[IncidentOut]:
    """Incidents in the region with their findings, newest first (those on no package last)."""
    s = uow.session
    rows = queries.events_inside(s, grant, ("incident",), limit, offset)
    if len(rows) < limit:
        rows += [(e, 0) for e in queries.packageless_incidents(s, grant, limit - len(rows))]
    findings = queries.findings_of(s, [e.id for e, _ in rows])
    return [incident_out(e, n, findings.get(e.id, []), lang) for e, n in rows]


@router.get("/findings/{region}", response_model=list[SupervisionOut])
def findings(
    region: str,
    grant: Annotated[Grant, Allow(policy.FINDINGS)],
    uow: Uow,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[SupervisionOut]:
    """Bawaslu's findings about the region or places in it, newest first."""
    query = (
        select(SupervisionFinding, User.username)
        .join(User, User.id == SupervisionFinding.user_id)
        .where(
            scoped.dotted_codes(grant, SupervisionFinding.region_code)
            | scoped.tps_codes(grant, SupervisionFinding.region_code)
        )
        .order_by(SupervisionFinding.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_finding_out(f, name) for f, name in uow.session.execute(query).all()]


@router.post("/findings/{region}", response_model=SupervisionOut, status_code=201)
def file_finding(
    region: str,
    grant: Annotated[Grant, Allow(policy.FILE_FINDING)],
    body: SupervisionIn,
    uow: Uow,
) -> SupervisionOut:
    """File a supervision finding (Bawaslu only); findings are never changed afterwards."""
    s = uow.session
    row = SupervisionFinding(
        region_code=grant.region,
        category=body.category,
        subject=body.subject,
        description=body.description.strip(),
        user_id=grant.user_id,
        filed_at=dt.datetime.now(dt.UTC),
    )
    s.add(row)
    s.flush()
    name = s.scalar(select(User.username).where(User.id == grant.user_id)) or ""
    out = _finding_out(row, name)
    uow.commit()
    return out


def _finding_out(row: SupervisionFinding, username: str) -> SupervisionOut:
    filed = row.filed_at if row.filed_at.tzinfo else row.filed_at.replace(tzinfo=dt.UTC)
    return SupervisionOut(
        id=row.id,
        region=row.region_code,
        category=row.category,
        subject=row.subject,
        description=row.description,
        filed_by=username,
        filed_at=filed,
    )


@router.get("/reconciliation/{region}", response_model=list[TallyOut])
def reconcile(
    region: str,
    grant: Annotated[Grant, Allow(policy.RECONCILIATION)],
    uow: Uow,
    lang: Annotated[str, Depends(language)],
) -> list[TallyOut]:
    """Each returned kotak: issued = used + unused + damaged, and used = voters, or why not."""
    out = []
    for tally, found in reconciliation(uow.session, scoped.region_of(grant)):
        out.append(
            TallyOut(
                tps=tally.tps_code,
                ballot_type=tally.ballot_type,
                package=tally.package,
                issued=tally.issued,
                used=tally.used,
                unused=tally.unused,
                damaged=tally.damaged,
                voters=tally.voters,
                findings=[_plain_finding(f, describe([f], lang)) for f in found],
            )
        )
    return out


def _plain_finding(finding: Finding, message: str) -> FindingOut:
    return FindingOut(
        code=finding.code,
        package=finding.package,
        tps=finding.tps,
        ballot_type=finding.ballot_type,
        expected=finding.expected,
        found=finding.found,
        message=message,
    )
