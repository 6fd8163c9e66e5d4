"""Figures of a plan for people: vehicles, vehicle-km, water legs, slack per echelon, issues."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from salur.i18n import t
from salur.planning.baseline import Baseline
from salur.planning.echelons import EchelonId, Schedule
from salur.planning.plan import WATER_KINDS, Issue, Plan

DESTINATION_KIND = {
    EchelonId.WAREHOUSE_PPK: "ppk",
    EchelonId.PPK_PPS: "pps",
    EchelonId.PPS_TPS: "tps",
}


def arrivals(plan: Plan, echelon: EchelonId) -> dict[str, int]:
    """When each kit reached the destination of ``echelon`` (PPK, PPS or TPS)."""
    kind = DESTINATION_KIND[echelon]
    out: dict[str, int] = {}
    for route in plan.routes_of(echelon):
        for stop in route.stops:
            if stop.site_kind == kind:
                out.update(dict.fromkeys(stop.unloaded, stop.arrive))
    return out


def summarize(plan: Plan, schedule: Schedule, baseline: Baseline | None = None) -> dict[str, Any]:
    """A JSON-ready summary; times as local labels (H-14 09:30) and ISO datetimes."""
    per_echelon = {e.value: _echelon(plan, schedule, e) for e in EchelonId}
    routes = plan.routes
    km_by_mode: dict[str, float] = defaultdict(float)
    for route in routes:
        km_by_mode[route.mode] += route.distance_m / 1000
    late_tps = {i.tps for i in plan.late}
    unserved_tps = {i.tps for i in plan.unserved}
    summary: dict[str, Any] = {
        "region": plan.region,
        "region_name": plan.region_name,
        "seed": plan.seed,
        "data_sha256": plan.data_sha256,
        "voting_day": schedule.voting_day.isoformat(),
        "tps": len(plan.tps),
        "tps_on_time": len(plan.tps) - len(late_tps | unserved_tps),
        "tps_late": len(late_tps - unserved_tps),
        "tps_unserved": len(unserved_tps),
        "routes": len(routes),
        "vehicles": len({r.unit for r in routes}),
        "vehicle_km": round(sum(r.distance_m for r in routes) / 1000, 1),
        "vehicle_km_by_mode": {m: round(km, 1) for m, km in sorted(km_by_mode.items())},
        "water_legs": sum(r.water_legs for r in routes),
        "water_legs_by_kind": dict(
            sorted(
                Counter(
                    s.leg_kind for r in routes for s in r.stops if s.leg_kind in WATER_KINDS
                ).items()
            )
        ),
        "echelons": per_echelon,
        "issues": [_issue(i, schedule) for i in plan.issues],
        "issue_reasons": dict(sorted(Counter(i.reason for i in plan.issues).items())),
    }
    if baseline is not None:
        summary["baseline"] = _baseline(summary, baseline)
    return summary


def _echelon(plan: Plan, schedule: Schedule, echelon: EchelonId) -> dict[str, Any]:
    routes = plan.routes_of(echelon)
    deadline = schedule.echelon(echelon).deadline
    slack = np.array([deadline - a for a in arrivals(plan, echelon).values()], dtype=float)
    hours = slack / 3600
    return {
        "deadline": schedule.local_label(deadline),
        "routes": len(routes),
        "vehicles": len({r.unit for r in routes}),
        "hired_vehicles": len({r.unit for r in routes if r.hired}),
        "vehicle_km": round(sum(r.distance_m for r in routes) / 1000, 1),
        "water_legs": sum(r.water_legs for r in routes),
        "escort_officers": sum(r.escort for r in routes),
        "kits_delivered": len(slack),
        "first_departure": schedule.local_label(min(r.depart for r in routes)) if routes else "",
        "last_arrival": schedule.local_label(max(r.end for r in routes)) if routes else "",
        "slack_hours": {
            "min": round(float(hours.min()), 1) if len(hours) else None,
            "p10": round(float(np.percentile(hours, 10)), 1) if len(hours) else None,
            "median": round(float(np.median(hours)), 1) if len(hours) else None,
        },
    }


def _issue(issue: Issue, schedule: Schedule) -> dict[str, Any]:
    return {
        "tps": issue.tps,
        "kind": issue.kind,
        "echelon": issue.echelon.value if issue.echelon else None,
        "reason": issue.reason,
        "params": dict(issue.params),
        "late_by_hours": round(issue.late_by_s / 3600, 1) if issue.late_by_s else 0,
        "message": issue_message(issue),
    }


def issue_message(issue: Issue) -> str:
    """The reason in the user's language."""
    return t(issue.reason, **dict(issue.params))


def _baseline(summary: dict[str, Any], baseline: Baseline) -> dict[str, Any]:
    plan_km = summary["vehicle_km"]
    saving = 1 - plan_km / baseline.total_km if baseline.total_km else 0.0
    return {
        "vehicle_km": round(baseline.total_km, 1),
        "vehicle_km_by_echelon": {e.value: round(baseline.vehicle_km[e], 1) for e in EchelonId},
        "trips": baseline.total_trips,
        "trips_by_echelon": {e.value: baseline.trips[e] for e in EchelonId},
        "vehicle_km_saving": round(saving, 4),
    }
