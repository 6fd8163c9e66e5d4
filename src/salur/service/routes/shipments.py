"""Shipments: packages on the move in a region (who holds them, where they are heading) and the
region's progress in aggregate, which anyone may read (counts only, nobody named)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyItem, CustodyPackage
from salur.geo.models import Tps
from salur.kits.models import Kit, KitPackage
from salur.service import policy, scoped
from salur.service.access import Allow, Grant
from salur.service.cache import cached, to_json
from salur.service.deps import Uow
from salur.service.routes.kits import PackageOut, packages_where
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["shipments"])
STATUS_TTL = 5.0


class HolderCount(BaseModel):
    level: str = Field(description="warehouse, ppk, pps or kpps")
    phase: str = Field(description="outbound, opened or resealed")
    in_transit: bool
    packages: int


class StatusOut(BaseModel):
    """How far a region's logistics have come."""

    region: str
    tps: int
    kits: int
    packages: int
    holders: list[HolderCount]
    events: dict[str, int] = Field(description="Custody events concerning the region, by kind.")
    late_arrivals: int


@router.get("/shipments/{region}", response_model=list[PackageOut])
def shipments(
    region: str,
    grant: Annotated[Grant, Allow(policy.SHIPMENTS)],
    uow: Uow,
    in_transit: Annotated[
        bool, Query(description="Only packages dispatched, not received.")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PackageOut]:
    """Packages of the region's kits with their holder and destination."""
    where = scoped.tps_codes(grant, Tps.code)
    if in_transit:
        where = where & CustodyPackage.to_level.is_not(None)
    return packages_where(uow.session, where, limit, offset)


@router.get("/shipments/{region}/status", response_model=StatusOut)
async def public_status(
    region: str, request: Request, grant: Annotated[Grant, Allow(policy.STATUS)], uow: Uow
) -> Response:
    """Counts of TPS, kits and packages by holder and phase, and of custody events (kept for a
    few seconds: everyone may ask, and the counts move slowly)."""
    key = ("status", grant.region)
    return await cached(request, key, STATUS_TTL, lambda: to_json(status(uow.session, grant)))


def status(s: Session, grant: Grant) -> StatusOut:
    """The region's progress, counted."""
    in_tps = scoped.tps_codes(grant, Tps.code)
    tps = s.scalar(select(func.count()).select_from(Tps).where(in_tps)) or 0
    kits = (
        s.scalar(
            select(func.count()).select_from(Kit).join(Tps, Tps.id == Kit.tps_id).where(in_tps)
        )
        or 0
    )
    packages = (
        s.scalar(
            select(func.count())
            .select_from(KitPackage)
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
            .where(in_tps)
        )
        or 0
    )
    holders = _holders(s, grant, int(packages))
    events, late = _events(s, grant)
    return StatusOut(
        region=grant.region,
        tps=int(tps),
        kits=int(kits),
        packages=int(packages),
        holders=holders,
        events=events,
        late_arrivals=late,
    )


def _holders(session: Session, grant: Grant, packages: int) -> list[HolderCount]:
    query = (
        select(
            CustodyPackage.holder_level,
            CustodyPackage.phase,
            CustodyPackage.to_level.is_not(None),
            func.count(),
        )
        .where(scoped.tps_codes(grant, CustodyPackage.tps_code))
        .group_by(
            CustodyPackage.holder_level, CustodyPackage.phase, CustodyPackage.to_level.is_not(None)
        )
    )
    out = [
        HolderCount(level=level, phase=phase, in_transit=bool(moving), packages=int(n))
        for level, phase, moving, n in session.execute(query).all()
    ]
    moved = sum(h.packages for h in out)
    if packages > moved:
        out.append(
            HolderCount(
                level="warehouse", phase="outbound", in_transit=False, packages=packages - moved
            )
        )
    return sorted(out, key=lambda h: (h.level, h.phase, h.in_transit))


def _events(session: Session, grant: Grant) -> tuple[dict[str, int], int]:
    concerned = (
        select(CustodyItem.event_id).where(scoped.tps_codes(grant, CustodyItem.tps_code)).distinct()
    )
    query = (
        select(
            CustodyEvent.kind,
            func.count(),
            func.sum(case((CustodyEvent.late.is_(True), 1), else_=0)),
        )
        .where(CustodyEvent.id.in_(concerned))
        .group_by(CustodyEvent.kind)
    )
    kinds: dict[str, int] = {}
    late = 0
    for kind, count, late_count in session.execute(query).all():
        kinds[str(kind)] = int(count)
        late += int(late_count or 0)
    return kinds, late
