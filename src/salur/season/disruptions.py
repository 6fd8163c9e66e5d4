"""The scenario's disruptions placed on the plan in force, so each one hits a leg the plan
really uses: the Kampar Kiri Hilir bridge on the first road from its PPK to a desa, the boat
aground on the first boat bound for Kuala Kampar, the Rupat ferry on the first day a route
crosses on it. Each becomes a `planning.disruptions` mapping for `replan`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.planning.models import PlanRouteRow, PlanStopRow
from salur.season.facts import LOCAL
from salur.season.scenario import Disruption

BOATS = ("pompong", "speedboat", "sea_boat")  # planning/data/modes.toml, class "water"
WATER_MODES = (*BOATS, "roro")
RUPAT_FERRY = "L-DUMAI-RUPAT"  # planning/data/water_links.csv: the Dumai - Tanjung Kapal ro-ro


@dataclass(frozen=True)
class Placed:
    """A disruption on the plan: when it strikes, what replan is told, and in words."""

    disruption: Disruption
    at: dt.datetime  # the moment the repair is made (aware)
    spec: dict[str, Any]
    what: str  # the place or vehicle it hit, for the report


def place(session: Session, plan_id: int, disruption: Disruption) -> Placed | None:
    """The disruption on the plan's first use of what it names, or None if the plan never
    uses it (then it changes nothing and is not replayed)."""
    match disruption.kind:
        case "bridge_out":
            return _bridge(session, plan_id, disruption)
        case "boat_aground":
            return _boat(session, plan_id, disruption)
        case "ferry_cancelled":
            return _ferry(session, plan_id, disruption)
    return None


def _stops(session: Session, plan_id: int) -> list[Any]:
    return list(
        session.execute(
            select(
                PlanRouteRow.route_id,
                PlanRouteRow.echelon,
                PlanRouteRow.mode,
                PlanRouteRow.vehicle_unit,
                PlanRouteRow.depart_at,
                PlanStopRow.seq,
                PlanStopRow.site_code,
                PlanStopRow.arrive_at,
                PlanStopRow.leg_mode,
                PlanStopRow.leg_link,
            )
            .join(
                PlanStopRow,
                (PlanStopRow.plan_id == PlanRouteRow.plan_id)
                & (PlanStopRow.route_idx == PlanRouteRow.idx),
            )
            .where(PlanRouteRow.plan_id == plan_id)
            .order_by(PlanRouteRow.depart_at, PlanRouteRow.route_id, PlanStopRow.seq)
        )
    )


def _iso(at: dt.datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL).isoformat()


def _bridge(session: Session, plan_id: int, d: Disruption) -> Placed | None:
    """The road from the PPK to the first desa it serves by road is cut the morning before."""
    rows = _stops(session, plan_id)
    previous: dict[str, str] = {}
    for row in rows:
        before = previous.get(row.route_id)
        previous[row.route_id] = row.site_code
        if (
            row.echelon == "ppk_pps"
            and before == d.district
            and row.site_code.startswith(d.district + ".")
            and row.leg_mode not in WATER_MODES
        ):
            at = _morning(row.depart_at)
            moment = _iso(at)
            between = [d.district, row.site_code]
            spec = {
                "at": moment,
                "road_closed": [{"between": between, "from": moment, "note": d.source[:300]}],
                "crossing": [{"id": "X-SEASON-BRIDGE", "between": between, "from": moment}],
            }
            return Placed(d, at, spec, f"{d.district} - {row.site_code}")
    return None


def _boat(session: Session, plan_id: int, d: Disruption) -> Placed | None:
    """The first boat whose route calls in the kecamatan runs aground two hours out."""
    for row in _stops(session, plan_id):
        if row.mode in BOATS and row.site_code.startswith(d.district):
            at = _aware(row.depart_at) + dt.timedelta(hours=2)
            spec = {
                "at": _iso(at),
                "vehicle_down": [{"unit": row.vehicle_unit, "from": _iso(at), "note": d.source}],
            }
            return Placed(d, at, spec, f"{row.vehicle_unit} ({row.route_id})")
    return None


def _ferry(session: Session, plan_id: int, d: Disruption) -> Placed | None:
    """Every ro-ro departure on the link is cancelled on the first day a route takes it."""
    for row in _stops(session, plan_id):
        if row.leg_link == RUPAT_FERRY:
            start = _morning(row.depart_at).replace(hour=0)
            until = start + dt.timedelta(days=1)
            spec = {
                "at": _iso(start),
                "ferry_cancelled": [
                    {"link": RUPAT_FERRY, "from": _iso(start), "until": _iso(until)}
                ],
            }
            return Placed(d, start, spec, RUPAT_FERRY)
    return None


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _morning(at: dt.datetime) -> dt.datetime:
    """06:00 local on the day of `at`."""
    local = _aware(at).astimezone(LOCAL)
    return local.replace(hour=6, minute=0, second=0, microsecond=0)
