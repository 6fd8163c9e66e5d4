"""Reports of a region: a summary of its logistics (progress, incidents, findings, ballot
reconciliation) and the needs report as the CLI writes it (HTML, charts inline)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response
from pydantic import BaseModel
from sqlalchemy import func, select

from salur.custody.receipts import reconciliation
from salur.geo.repository import names_in_region
from salur.identity.errors import IdentityInputError
from salur.identity.regions import RegionLevel, level_of
from salur.needs.service import calculate
from salur.norms.loader import DEFAULT_NORM
from salur.reports.needs_report import build
from salur.service import policy, scoped
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.errors import Responses
from salur.service.language import language
from salur.service.models import SupervisionFinding
from salur.service.rendering import in_language
from salur.service.routes.needs import NormId, shipped_norm
from salur.service.routes.shipments import StatusOut, status
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["reports"])
HTML: Responses = {200: {"content": {"text/html": {}}, "description": "The needs report."}}


class SummaryOut(BaseModel):
    """Everything at a glance for one region."""

    status: StatusOut
    findings: int
    kotak_reconciled: int
    kotak_mismatched: int


@router.get("/reports/{region}/summary", response_model=SummaryOut)
def summary(region: str, grant: Annotated[Grant, Allow(policy.SUMMARY)], uow: Uow) -> SummaryOut:
    """Progress, custody events, Bawaslu findings and the reconciliation of returned kotak."""
    s = uow.session
    findings = s.scalar(
        select(func.count())
        .select_from(SupervisionFinding)
        .where(
            scoped.dotted_codes(grant, SupervisionFinding.region_code)
            | scoped.tps_codes(grant, SupervisionFinding.region_code)
        )
    )
    tallies = reconciliation(s, scoped.region_of(grant))
    return SummaryOut(
        status=status(s, grant),
        findings=int(findings or 0),
        kotak_reconciled=len(tallies),
        kotak_mismatched=sum(1 for _, found in tallies if found),
    )


@router.get("/reports/{region}/needs.html", response_class=Response, responses=HTML)
def needs_report(
    region: str,
    grant: Annotated[Grant, Allow(policy.NEEDS_REPORT)],
    uow: Uow,
    lang: Annotated[str, Depends(language)],
    norm: NormId = DEFAULT_NORM,
) -> Response:
    """The needs report of a province, regency or kecamatan: tables and charts, no CDN."""
    if level_of(grant.region) not in (
        RegionLevel.PROVINCE,
        RegionLevel.REGENCY,
        RegionLevel.DISTRICT,
    ):
        raise IdentityInputError("service.region_too_small", field="region", value=grant.region)
    s = uow.session
    result = calculate(s, grant.region, shipped_norm(norm))
    names = names_in_region(s, grant.region)
    with in_language(lang):
        html = build(result, names, uow.engine.dialect.name, "salur")
    return Response(html, media_type="text/html; charset=utf-8")
