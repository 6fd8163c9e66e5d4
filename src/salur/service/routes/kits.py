"""TPS kits: the packages of a region with where each is now, one package's history, A4 label
sheets (PDF), and packing a regency's kits from its stock (KPU)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyPackage
from salur.custody.receipts import package_history
from salur.geo.models import Tps
from salur.identity.errors import IdentityInputError
from salur.identity.regions import RegionLevel, from_digits, level_of
from salur.kits.labels import render_labels
from salur.kits.models import Kit, KitPackage, Seal
from salur.kits.seals import APPLIED, CHECKED
from salur.kits.service import labels, pack_regency
from salur.norms.loader import DEFAULT_NORM
from salur.service import policy, scoped
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.errors import Responses
from salur.service.language import language as negotiated
from salur.service.rendering import in_language
from salur.service.routes.needs import shipped_norm
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["kits"])
PDF: Responses = {200: {"content": {"application/pdf": {}}, "description": "A4 label sheets."}}


class Whereabouts(BaseModel):
    """Where a package is in its chain of custody (no row yet: packed, at its warehouse)."""

    phase: str
    holder_level: str
    holder_region: str
    heading_level: str | None
    heading_region: str | None
    updated_at: dt.datetime | None


class PackageOut(BaseModel):
    id: str
    kind: str
    seq: int
    ballot_type: str
    dapil: str
    count: int
    tps: str
    custody: Whereabouts


class HistoryOut(BaseModel):
    event_id: int
    log_index: int
    kind: str
    hop: str | None
    category: str | None
    at: dt.datetime
    late: bool | None


class PackageDetail(PackageOut):
    seals: list[int] = Field(description="Seals the registry has holding on the package.")
    history: list[HistoryOut]


class PackIn(BaseModel):
    norm: str = Field(default=DEFAULT_NORM, max_length=40)


class PackOut(BaseModel):
    regency: str
    packed: int
    already: int
    packages: int


def _whereabouts(row: CustodyPackage | None, regency: str) -> Whereabouts:
    if row is None:
        return Whereabouts(
            phase="outbound",
            holder_level="warehouse",
            holder_region=regency,
            heading_level=None,
            heading_region=None,
            updated_at=None,
        )
    return Whereabouts(
        phase=row.phase,
        holder_level=row.holder_level,
        holder_region=row.holder_region,
        heading_level=row.to_level,
        heading_region=row.to_region,
        updated_at=_utc(row.updated_at),
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def packages_where(session: Session, where: object, limit: int, offset: int) -> list[PackageOut]:
    query = (
        select(KitPackage, Tps.code, Kit.regency_code, CustodyPackage)
        .join(Kit, Kit.id == KitPackage.kit_id)
        .join(Tps, Tps.id == Kit.tps_id)
        .outerjoin(CustodyPackage, CustodyPackage.package_id == KitPackage.id)
        .where(where)  # type: ignore[arg-type]
        .order_by(Tps.code, KitPackage.seq)
        .limit(limit)
        .offset(offset)
    )
    return [
        PackageOut(
            id=package.id,
            kind=package.kind,
            seq=package.seq,
            ballot_type=package.ballot_type,
            dapil=package.dapil,
            count=package.count,
            tps=tps,
            custody=_whereabouts(state, regency),
        )
        for package, tps, regency, state in session.execute(query).all()
    ]


@router.get("/kits/{region}", response_model=list[PackageOut])
def kits(
    region: str,
    grant: Annotated[Grant, Allow(policy.KITS)],
    uow: Uow,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PackageOut]:
    """The packages of every kit packed in the region, in TPS order, with their custody state."""
    return packages_where(uow.session, scoped.tps_codes(grant, Tps.code), limit, offset)


@router.get("/packages/{package_id}", response_model=PackageDetail)
def package(
    package_id: str, grant: Annotated[Grant, Allow(policy.PACKAGE)], uow: Uow
) -> PackageDetail:
    """One package: contents, custody state, the seals on it and every event it went through."""
    s = uow.session
    where = scoped.tps_codes(grant, Tps.code) & (KitPackage.id == package_id)
    (found,) = packages_where(s, where, 1, 0)
    seals = s.scalars(
        select(Seal.number)
        .where(Seal.package_id == package_id, Seal.state.in_((APPLIED, CHECKED)))
        .order_by(Seal.number)
    )
    history = [
        HistoryOut.model_validate(line, from_attributes=True)
        for line in package_history(s, package_id)
    ]
    return PackageDetail(**found.model_dump(), seals=list(seals), history=history)


@router.get("/kits/{region}/labels.pdf", response_class=Response, responses=PDF)
def label_sheets(
    region: str,
    grant: Annotated[Grant, Allow(policy.KITS)],
    uow: Uow,
    lang: Annotated[str, Depends(negotiated)],
) -> Response:
    """Label sheets (8 to an A4 page, with QR codes) of every package packed in the region."""
    code = grant.region
    if level_of(code) in (RegionLevel.COUNTRY, RegionLevel.PROVINCE):
        raise IdentityInputError("service.region_too_big", field="region", value=code)
    tps = code if level_of(code) is RegionLevel.TPS else None
    records = labels(uow.session, from_digits(code[:10]) if tps else code)
    if tps is not None:
        records = [r for r in records if r.tps_code == tps]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "labels.pdf"
        with in_language(lang):
            render_labels(records, path)
        data = path.read_bytes()
    return Response(data, media_type="application/pdf")


@router.post("/kits/{region}/pack", response_model=PackOut, status_code=201)
def pack(
    region: str, grant: Annotated[Grant, Allow(policy.PACK_KITS)], body: PackIn, uow: Uow
) -> PackOut:
    """Pack a kit for every TPS of the regency that has none, from its stock (all or nothing)."""
    if level_of(grant.region) is not RegionLevel.REGENCY:
        raise IdentityInputError("stock.not_a_regency", field="region", code=grant.region)
    report = pack_regency(uow, grant.region, shipped_norm(body.norm, "body.norm"))
    return PackOut(
        regency=report.regency,
        packed=report.packed,
        already=report.already,
        packages=report.packages,
    )
