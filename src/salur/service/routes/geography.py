"""Reference geography, public: provinces, a region with its children, the TPS of a region."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.errors import NotFoundError
from salur.geo.models import District, Province, Regency, Tps, Village
from salur.identity.regions import RegionLevel, level_of, parent_regions
from salur.service import policy, scoped
from salur.service.access import Allow, Grant
from salur.service.cache import cached, to_json
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["geography"])
REFERENCE_TTL = 60.0  # seconds: reference geography changes only when a data folder is loaded

_MODELS: dict[RegionLevel, Any] = {
    RegionLevel.PROVINCE: Province,
    RegionLevel.REGENCY: Regency,
    RegionLevel.DISTRICT: District,
    RegionLevel.VILLAGE: Village,
}
_CHILD: dict[RegionLevel, tuple[Any, Any, RegionLevel]] = {
    RegionLevel.PROVINCE: (Regency, Regency.province_code, RegionLevel.REGENCY),
    RegionLevel.REGENCY: (District, District.regency_code, RegionLevel.DISTRICT),
    RegionLevel.DISTRICT: (Village, Village.district_code, RegionLevel.VILLAGE),
}


class RegionRef(BaseModel):
    code: str
    name: str
    level: str


class RegionOut(BaseModel):
    """A region, the regions above it, and the ones directly under it."""

    code: str
    name: str
    level: str
    parents: list[RegionRef]
    children: list[RegionRef]
    tps: int


class TpsOut(BaseModel):
    code: str
    village: str
    number: int
    name: str
    kind: str
    lat: float | None
    lon: float | None
    dpt: int | None
    dpt_source: str | None


@router.get("/geography", response_model=list[RegionRef])
async def provinces(
    request: Request, grant: Annotated[Grant, Allow(policy.GEOGRAPHY)], uow: Uow
) -> Response:
    """Every province in the store."""

    def render() -> bytes:
        rows = uow.session.execute(select(Province.code, Province.name).order_by(Province.code))
        return to_json([RegionRef(code=c, name=n, level="province") for c, n in rows.all()])

    return await cached(request, ("provinces",), REFERENCE_TTL, render)


@router.get("/geography/{region}", response_model=RegionOut)
async def region(
    region: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.GEOGRAPHY_REGION)],
    uow: Uow,
) -> Response:
    """A region: its name, the regions above it, the regions under it and its TPS count."""
    key = ("region", grant.region)
    return await cached(request, key, REFERENCE_TTL, lambda: to_json(_region(uow.session, grant)))


def _region(s: Session, grant: Grant) -> RegionOut:
    code = grant.region
    level = level_of(code)
    parents = [_ref(s, c) for c in parent_regions(code)[:-1]]
    if level is RegionLevel.TPS:
        row = s.execute(select(Tps.name).where(Tps.code == code)).one_or_none()
        if row is None:
            raise NotFoundError("region.unknown", code=code)
        return RegionOut(
            code=code, name=row[0], level=level.value, parents=parents, children=[], tps=1
        )
    me = _ref(s, code)
    children: list[RegionRef] = []
    if level in _CHILD:
        model, parent, below = _CHILD[level]
        rows = s.execute(select(model.code, model.name).where(parent == code).order_by(model.code))
        children = [RegionRef(code=c, name=n, level=below.value) for c, n in rows.all()]
    else:
        rows = s.execute(
            select(Tps.code, Tps.name).where(Tps.village_code == code).order_by(Tps.code)
        )
        children = [RegionRef(code=c, name=n, level="tps") for c, n in rows.all()]
    count = s.scalar(select(func.count()).select_from(Tps).where(scoped.tps_codes(grant, Tps.code)))
    return RegionOut(
        code=code,
        name=me.name,
        level=level.value,
        parents=parents,
        children=children,
        tps=int(count or 0),
    )


@router.get("/geography/{region}/tps", response_model=list[TpsOut])
async def tps(
    region: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.GEOGRAPHY_REGION)],
    uow: Uow,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The TPS of a region, in code order, with their DPT and whether it is estimated."""
    key = ("tps", grant.region, limit, offset)
    return await cached(
        request, key, REFERENCE_TTL, lambda: to_json(_tps(uow.session, grant, limit, offset))
    )


def _tps(session: Session, grant: Grant, limit: int, offset: int) -> list[TpsOut]:
    query = (
        select(Tps)
        .where(scoped.tps_codes(grant, Tps.code))
        .order_by(Tps.code)
        .limit(limit)
        .offset(offset)
    )
    return [
        TpsOut(
            code=t.code,
            village=t.village_code,
            number=t.number,
            name=t.name,
            kind=t.kind,
            lat=t.lat,
            lon=t.lon,
            dpt=t.dpt,
            dpt_source=t.dpt_source,
        )
        for t in session.scalars(query)
    ]


def _ref(session: Session, code: str) -> RegionRef:
    level = level_of(code)
    model = _MODELS[level]
    name = session.scalar(select(model.name).where(model.code == code))
    if name is None:
        raise NotFoundError("region.unknown", code=code)
    return RegionRef(code=code, name=str(name), level=level.value)
