"""Queries of the plan in force: which stored plan versions cover a region, when they bring
each TPS's kit to each echelon's destination, their sites and legs (for the map), the routes on
the road at a moment (escorts) and the deliveries still ahead (what Bawaslu must witness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.planning.models import PlanIssueRow, PlanRouteRow, PlanRow, PlanSiteRow, PlanStopRow
from salur.web.repository import digits, utc

# The plan's echelon ids, in the order of the custody hops they stand for.
PLAN_ECHELONS = ("warehouse_ppk", "ppk_pps", "pps_tps")


def plans_for(session: Session, region: str) -> list[PlanRow]:
    """The plans in force for `region`: the newest plan covering it whole, else the newest plan
    of each region inside it."""
    newest = (
        select(PlanRow.region_code, func.max(PlanRow.version).label("version"))
        .group_by(PlanRow.region_code)
        .subquery()
    )
    stmt = select(PlanRow).join(
        newest,
        (newest.c.region_code == PlanRow.region_code) & (newest.c.version == PlanRow.version),
    )
    plans = list(session.scalars(stmt))
    wanted = digits(region)
    covering = [p for p in plans if wanted.startswith(digits(p.region_code))]
    if covering:
        return [max(covering, key=lambda p: (len(p.region_code), utc(p.created_at)))]
    inside = [p for p in plans if digits(p.region_code).startswith(wanted)]
    outermost: list[PlanRow] = []
    for plan in sorted(inside, key=lambda p: len(p.region_code)):
        if not any(digits(plan.region_code).startswith(digits(o.region_code)) for o in outermost):
            outermost.append(plan)
    return outermost


def planned_arrivals(
    session: Session, plan_ids: Sequence[int], region: str
) -> dict[tuple[str, int], dt.datetime]:
    """Per (TPS, echelon index): when the plan unloads its kit at the echelon's destination
    (the last unloading, after any transfer at a port)."""
    if not plan_ids:
        return {}
    stmt = (
        select(PlanRouteRow.echelon, PlanStopRow.arrive_at, PlanStopRow.unloaded)
        .join(
            PlanRouteRow,
            (PlanRouteRow.plan_id == PlanStopRow.plan_id)
            & (PlanRouteRow.idx == PlanStopRow.route_idx),
        )
        .where(PlanStopRow.plan_id.in_(list(plan_ids)), PlanStopRow.unloaded != "")
    )
    wanted = digits(region)
    out: dict[tuple[str, int], dt.datetime] = {}
    for echelon, arrive, unloaded in session.execute(stmt).all():
        index = PLAN_ECHELONS.index(echelon)
        at = utc(arrive)
        for code in str(unloaded).split(";"):
            if code.startswith(wanted):
                key = (code, index)
                if key not in out or out[key] < at:
                    out[key] = at
    return out


def plan_issues(session: Session, plan_ids: Sequence[int], region: str) -> dict[str, str]:
    """The planner's reason per TPS it cannot serve, or serves late (`kind:reason`)."""
    if not plan_ids:
        return {}
    stmt = select(PlanIssueRow.tps_code, PlanIssueRow.kind, PlanIssueRow.reason).where(
        PlanIssueRow.plan_id.in_(list(plan_ids)),
        PlanIssueRow.tps_code.like(digits(region) + "%"),
    )
    return {str(tps): f"{kind}:{reason}" for tps, kind, reason in session.execute(stmt).all()}


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch travelled by some route of the plan, and by how many."""

    a: tuple[float, float]
    b: tuple[float, float]
    mode: str
    echelon: str
    count: int


def plan_sites(session: Session, plan_ids: Sequence[int], region: str) -> list[PlanSiteRow]:
    """The warehouses, ports, PPK and PPS of the plans, those inside `region` or serving it."""
    if not plan_ids:
        return []
    stmt = select(PlanSiteRow).where(PlanSiteRow.plan_id.in_(list(plan_ids)))
    sites = {s.code: s for s in session.scalars(stmt)}
    wanted = digits(region)
    return [
        s
        for s in sites.values()
        if s.kind in ("warehouse", "port") or digits(s.code).startswith(wanted)
    ]


def plan_segments(session: Session, plan_ids: Sequence[int], region: str) -> list[Segment]:
    """The plans' legs between known sites with at least one end inside `region`."""
    if not plan_ids:
        return []
    points = {
        s.code: (s.lat, s.lon)
        for s in session.scalars(select(PlanSiteRow).where(PlanSiteRow.plan_id.in_(list(plan_ids))))
    }
    stmt = (
        select(
            PlanStopRow.plan_id,
            PlanStopRow.route_idx,
            PlanStopRow.site_code,
            PlanStopRow.leg_mode,
            PlanRouteRow.echelon,
        )
        .join(
            PlanRouteRow,
            (PlanRouteRow.plan_id == PlanStopRow.plan_id)
            & (PlanRouteRow.idx == PlanStopRow.route_idx),
        )
        .where(PlanStopRow.plan_id.in_(list(plan_ids)))
        .order_by(PlanStopRow.plan_id, PlanStopRow.route_idx, PlanStopRow.seq)
    )
    wanted = digits(region)
    counted: dict[tuple[str, str, str, str], int] = {}
    previous: tuple[int, int, str] | None = None
    for plan_id, route, site, mode, echelon in session.execute(stmt).all():
        if previous is not None and previous[:2] == (plan_id, route) and previous[2] != site:
            a, b = previous[2], str(site)
            inside = digits(a).startswith(wanted) or digits(b).startswith(wanted)
            if a in points and b in points and (inside or not wanted):
                key = (a, b, str(mode), str(echelon))
                counted[key] = counted.get(key, 0) + 1
        previous = (plan_id, route, str(site))
    return [
        Segment(points[a], points[b], mode, echelon, n)
        for (a, b, mode, echelon), n in counted.items()
    ]


def routes_between(
    session: Session, plan_ids: Sequence[int], region: str, start: dt.datetime, end: dt.datetime
) -> list[PlanRouteRow]:
    """Routes of the plans on the road at some moment of [start, end], serving `region`."""
    if not plan_ids:
        return []
    stmt = (
        select(PlanRouteRow)
        .where(
            PlanRouteRow.plan_id.in_(list(plan_ids)),
            PlanRouteRow.depart_at <= end,
            PlanRouteRow.return_at >= start,
        )
        .order_by(PlanRouteRow.depart_at)
    )
    wanted = digits(region)
    out = []
    for route in session.scalars(stmt):
        if digits(route.regency_code).startswith(wanted) or wanted.startswith(
            digits(route.regency_code)
        ):
            out.append(route)
    return out


def route_sites(
    session: Session, routes: Sequence[PlanRouteRow]
) -> dict[tuple[int, int], list[str]]:
    """The site codes each route stops at, in order."""
    out: dict[tuple[int, int], list[str]] = {}
    for route in routes:
        stmt = (
            select(PlanStopRow.site_code)
            .where(PlanStopRow.plan_id == route.plan_id, PlanStopRow.route_idx == route.idx)
            .order_by(PlanStopRow.seq)
        )
        out[(route.plan_id, route.idx)] = [str(c) for c in session.scalars(stmt)]
    return out


def upcoming_stops(
    session: Session, plan_ids: Sequence[int], region: str, start: dt.datetime, limit: int = 20_000
) -> list[tuple[str, str, str, dt.datetime, int]]:
    """Planned deliveries at sites inside `region` from `start` on: (echelon, site code, site kind,
    arrival, kits unloaded), soonest first."""
    if not plan_ids:
        return []
    stmt = (
        select(
            PlanRouteRow.echelon,
            PlanStopRow.site_code,
            PlanStopRow.site_kind,
            PlanStopRow.arrive_at,
            PlanStopRow.unloaded,
        )
        .join(
            PlanRouteRow,
            (PlanRouteRow.plan_id == PlanStopRow.plan_id)
            & (PlanRouteRow.idx == PlanStopRow.route_idx),
        )
        .where(
            PlanStopRow.plan_id.in_(list(plan_ids)),
            PlanStopRow.unloaded != "",
            PlanStopRow.arrive_at >= start,
            PlanStopRow.site_kind.in_(("ppk", "pps", "tps")),
        )
        .order_by(PlanStopRow.arrive_at)
    )
    wanted = digits(region)
    out = []
    for echelon, site, kind, arrive, unloaded in session.execute(stmt):
        if digits(str(site)).startswith(wanted):
            out.append(
                (str(echelon), str(site), str(kind), utc(arrive), len(str(unloaded).split(";")))
            )
            if len(out) >= limit:
                break
    return out
