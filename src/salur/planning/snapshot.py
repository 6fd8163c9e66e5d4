"""Converts a plan to the rows that store it, and stored rows back to a plan (for re-checking).

Times are stored as UTC datetimes; the plan's voting day and UTC offset are stored with it so
the rows read back to exactly the same plan times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from salur.db import Base
from salur.planning.echelons import EchelonId, Schedule
from salur.planning.models import PlanIssueRow, PlanRouteRow, PlanRow, PlanSiteRow, PlanStopRow
from salur.planning.plan import Issue, Plan, RoutePlan, SitePoint, StopPlan


def content_sha256(plan: Plan) -> str:
    """A fingerprint of what the plan says (not when or by whom it was made)."""
    return hashlib.sha256(repr(plan.content()).encode("utf-8")).hexdigest()


Rows = dict[type[Base], list[dict[str, Any]]]
"""Rows to insert under a plan, per table (plan_id is added when stored)."""


def to_rows(
    plan: Plan,
    schedule: Schedule,
    summary: dict[str, Any],
    version: int,
    created_at: dt.datetime,
    time_limit_s: float | None,
) -> tuple[PlanRow, Rows]:
    """The plan row and every row under it, as plain values for a bulk insert."""
    late = {i.tps for i in plan.late}
    unserved = {i.tps for i in plan.unserved}
    head = PlanRow(
        region_code=plan.region,
        version=version,
        created_at=created_at,
        seed=plan.seed,
        time_limit_s=time_limit_s,
        norm_id=plan.norm_id,
        data_sha256=plan.data_sha256,
        content_sha256=content_sha256(plan),
        voting_day=schedule.voting_day.isoformat(),
        utc_offset_hours=schedule.utc_offset_hours,
        tps_count=len(plan.tps),
        tps_unserved=len(unserved),
        tps_late=len(late - unserved),
        summary_json=json.dumps(summary, ensure_ascii=False, sort_keys=True),
    )
    when = schedule.to_datetime
    rows: Rows = {
        PlanSiteRow: [
            {
                "code": s.code,
                "kind": s.kind,
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
                "zone": s.zone,
            }
            for s in plan.sites
        ],
        PlanRouteRow: [],
        PlanStopRow: [],
        PlanIssueRow: [
            {
                "idx": idx,
                "tps_code": i.tps,
                "kind": i.kind,
                "echelon": i.echelon.value if i.echelon else None,
                "reason": i.reason,
                "params_json": json.dumps(dict(i.params), ensure_ascii=False, sort_keys=True),
                "late_by_s": i.late_by_s,
            }
            for idx, i in enumerate(plan.issues)
        ],
    }
    for idx, r in enumerate(plan.routes):
        rows[PlanRouteRow].append(
            {
                "idx": idx,
                "route_id": r.route_id,
                "regency_code": r.regency,
                "echelon": r.echelon.value,
                "mode": r.mode,
                "vehicle_type": r.vehicle_type,
                "vehicle_unit": r.unit,
                "hired": r.hired,
                "base_site": r.base,
                "escort_officers": r.escort,
                "capacity_g": r.capacity_g,
                "capacity_cm3": r.capacity_cm3,
                "depart_at": when(r.depart),
                "return_at": when(r.end),
                "distance_m": r.distance_m,
                "kits": r.kits,
            }
        )
        rows[PlanStopRow].extend(
            {
                "route_idx": idx,
                "seq": s.seq,
                "trip": s.trip,
                "site_code": s.site,
                "site_kind": s.site_kind,
                "arrive_at": when(s.arrive),
                "depart_at": when(s.depart),
                "leg_mode": s.leg_mode,
                "leg_kind": s.leg_kind,
                "leg_link": s.leg_link,
                "leg_distance_m": s.leg_distance_m,
                "leg_tide": s.leg_tide,
                "loaded": ";".join(s.loaded),
                "unloaded": ";".join(s.unloaded),
            }
            for s in r.stops
        )
    return head, rows


def from_rows(
    head: PlanRow,
    sites: list[PlanSiteRow],
    routes: list[PlanRouteRow],
    stops: list[PlanStopRow],
    issues: list[PlanIssueRow],
    schedule: Schedule,
    tps: tuple[str, ...],
    region_name: str,
) -> Plan:
    """The stored plan as records, with times relative to its own voting day."""
    at = schedule.from_datetime
    by_route: dict[int, list[StopPlan]] = {}
    for s in stops:
        by_route.setdefault(s.route_idx, []).append(
            StopPlan(
                seq=s.seq,
                trip=s.trip,
                site=s.site_code,
                site_kind=s.site_kind,
                arrive=at(_utc(s.arrive_at)),
                depart=at(_utc(s.depart_at)),
                leg_mode=s.leg_mode,
                leg_kind=s.leg_kind,
                leg_link=s.leg_link,
                leg_distance_m=s.leg_distance_m,
                leg_tide=s.leg_tide,
                loaded=_codes(s.loaded),
                unloaded=_codes(s.unloaded),
            )
        )
    plan_routes = tuple(
        RoutePlan(
            route_id=r.route_id,
            regency=r.regency_code,
            echelon=EchelonId(r.echelon),
            mode=r.mode,
            vehicle_type=r.vehicle_type,
            unit=r.vehicle_unit,
            hired=r.hired,
            base=r.base_site,
            escort=r.escort_officers,
            capacity_g=r.capacity_g,
            capacity_cm3=r.capacity_cm3,
            stops=tuple(by_route.get(r.idx, [])),
        )
        for r in routes
    )
    plan_issues = tuple(
        Issue(
            tps=i.tps_code,
            kind=i.kind,
            echelon=EchelonId(i.echelon) if i.echelon else None,
            reason=i.reason,
            params=tuple(sorted(json.loads(i.params_json).items())),
            late_by_s=i.late_by_s,
        )
        for i in issues
    )
    return Plan(
        region=head.region_code,
        region_name=region_name,
        routes=plan_routes,
        issues=plan_issues,
        tps=tps,
        seed=head.seed,
        data_sha256=head.data_sha256,
        sites=tuple(SitePoint(s.code, s.kind, s.name, s.lat, s.lon, s.zone) for s in sites),
        norm_id=head.norm_id,
    )


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code for code in text.split(";") if code)


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
