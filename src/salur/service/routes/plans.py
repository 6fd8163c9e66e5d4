"""Stored distribution plans (made by `salur plan`): the versions covering a region, one plan's
routes and issues, and the stops a plan makes inside a region (what a PPK, a PPS or a Polsek
escort needs to know of a regency's plan)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import select

from salur.errors import NotFoundError
from salur.identity.regions import within
from salur.planning.models import PlanIssueRow, PlanRouteRow, PlanRow, PlanStopRow
from salur.service import policy, scoped
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["plans"])


class PlanOut(BaseModel):
    id: int
    region: str
    version: int
    created_at: dt.datetime
    norm: str
    tps: int
    tps_unserved: int
    tps_late: int


class RouteOut(BaseModel):
    idx: int
    route_id: str
    regency: str
    echelon: str
    mode: str
    vehicle_type: str
    hired: bool
    base_site: str
    escort_officers: int
    depart_at: dt.datetime
    return_at: dt.datetime
    distance_m: int
    kits: int


class IssueOut(BaseModel):
    tps: str
    kind: str
    echelon: str | None
    reason: str
    late_by_s: int


class PlanDetail(PlanOut):
    summary: dict[str, Any]
    routes: list[RouteOut]
    issues: list[IssueOut]


class StopOut(BaseModel):
    """A stop of a route at a site in the region, and the TPS kits loaded or unloaded there."""

    route_id: str
    echelon: str
    mode: str
    seq: int
    trip: int
    site: str
    site_kind: str
    arrive_at: dt.datetime
    depart_at: dt.datetime
    leg_mode: str
    loaded: list[str]
    unloaded: list[str]


class StopsOut(BaseModel):
    plan: PlanOut
    stops: list[StopOut]


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _plan_out(row: PlanRow) -> PlanOut:
    return PlanOut(
        id=row.id,
        region=row.region_code,
        version=row.version,
        created_at=_utc(row.created_at),
        norm=row.norm_id,
        tps=row.tps_count,
        tps_unserved=row.tps_unserved,
        tps_late=row.tps_late,
    )


@router.get("/plans/{region}", response_model=list[PlanOut])
def plans(region: str, grant: Annotated[Grant, Allow(policy.PLANS)], uow: Uow) -> list[PlanOut]:
    """Every stored version of a plan covering the region or lying inside it, newest first."""
    query = (
        select(PlanRow)
        .where(scoped.covering_codes(grant, PlanRow.region_code))
        .order_by(PlanRow.region_code, PlanRow.version.desc())
    )
    return [_plan_out(row) for row in uow.session.scalars(query)]


@router.get("/plan/{plan_id}", response_model=PlanDetail)
def plan(plan_id: int, grant: Annotated[Grant, Allow(policy.PLAN)], uow: Uow) -> PlanDetail:
    """One plan whole: its summary, every route and every TPS it serves late or cannot serve."""
    s = uow.session
    row = s.get(PlanRow, plan_id)
    assert row is not None  # the access rule found it
    routes = s.scalars(
        select(PlanRouteRow).where(PlanRouteRow.plan_id == plan_id).order_by(PlanRouteRow.idx)
    )
    issues = s.scalars(
        select(PlanIssueRow).where(PlanIssueRow.plan_id == plan_id).order_by(PlanIssueRow.idx)
    )
    return PlanDetail(
        **_plan_out(row).model_dump(),
        summary=json.loads(row.summary_json),
        routes=[
            RouteOut(
                idx=r.idx,
                route_id=r.route_id,
                regency=r.regency_code,
                echelon=r.echelon,
                mode=r.mode,
                vehicle_type=r.vehicle_type,
                hired=r.hired,
                base_site=r.base_site,
                escort_officers=r.escort_officers,
                depart_at=_utc(r.depart_at),
                return_at=_utc(r.return_at),
                distance_m=r.distance_m,
                kits=r.kits,
            )
            for r in routes
        ],
        issues=[
            IssueOut(
                tps=i.tps_code,
                kind=i.kind,
                echelon=i.echelon,
                reason=i.reason,
                late_by_s=i.late_by_s,
            )
            for i in issues
        ],
    )


@router.get("/plans/{region}/stops", response_model=StopsOut)
def stops(
    region: str,
    grant: Annotated[Grant, Allow(policy.PLAN_STOPS)],
    uow: Uow,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> StopsOut:
    """The stops the newest plan covering the region (or one `version`) makes inside it."""
    s = uow.session
    query = select(PlanRow).where(scoped.covering_codes(grant, PlanRow.region_code))
    if version is not None:
        query = query.where(PlanRow.version == version)
    head = s.scalars(query.order_by(PlanRow.created_at.desc(), PlanRow.id.desc()).limit(1)).first()
    if head is None:
        raise NotFoundError("service.no_plan", region=grant.region)
    rows = s.execute(
        select(PlanStopRow, PlanRouteRow)
        .join(
            PlanRouteRow,
            (PlanRouteRow.plan_id == PlanStopRow.plan_id)
            & (PlanRouteRow.idx == PlanStopRow.route_idx),
        )
        .where(PlanStopRow.plan_id == head.id)
        .order_by(PlanStopRow.route_idx, PlanStopRow.seq)
    ).all()
    out = []
    for stop, route in rows:
        loaded = [t for t in stop.loaded.split(";") if t and within(t, grant.region)]
        unloaded = [t for t in stop.unloaded.split(";") if t and within(t, grant.region)]
        if not (_inside(stop.site_code, grant.region) or loaded or unloaded):
            continue
        out.append(
            StopOut(
                route_id=route.route_id,
                echelon=route.echelon,
                mode=route.mode,
                seq=stop.seq,
                trip=stop.trip,
                site=stop.site_code,
                site_kind=stop.site_kind,
                arrive_at=_utc(stop.arrive_at),
                depart_at=_utc(stop.depart_at),
                leg_mode=stop.leg_mode,
                loaded=loaded,
                unloaded=unloaded,
            )
        )
    return StopsOut(plan=_plan_out(head), stops=out)


def _inside(site: str, region: str) -> bool:
    """Whether a site code (a desa or kecamatan code, a warehouse or port id) lies in region."""
    return site.replace(".", "").isdigit() and within(site, region)
