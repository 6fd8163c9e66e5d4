"""When each kit changes hands, read off a stored plan: one BAST per stop where a vehicle unloads
kits at the site of its echelon's receiver (a PPK, a PPS, a TPS). Unloading at a port to change
from truck to boat is a transfer inside one journey under the same escort, not a handover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.planning.models import PlanRouteRow, PlanStopRow

# Planner echelon -> (custody hop, the site kind that receives).
HOPS = {
    "warehouse_ppk": ("warehouse_ppk", "ppk"),
    "ppk_pps": ("ppk_pps", "pps"),
    "pps_tps": ("pps_kpps", "tps"),
}
ORDER = {"warehouse_ppk": 0, "ppk_pps": 1, "pps_kpps": 2}


@dataclass(frozen=True)
class Handover:
    """Kits handed over at one stop of one route."""

    hop: str  # custody hop: warehouse_ppk, ppk_pps, pps_kpps
    at: dt.datetime  # planned arrival (aware UTC)
    site: str  # the receiving site's code (kecamatan, desa or TPS code)
    tps: tuple[str, ...]  # TPS whose kits change hands
    route_id: str
    mode: str  # the mode of the leg that arrived


def planned_handovers(session: Session, plan_id: int) -> list[Handover]:
    """Every outbound handover of a plan, in time order (hop order breaks ties)."""
    query = (
        select(
            PlanRouteRow.echelon,
            PlanRouteRow.route_id,
            PlanStopRow.site_code,
            PlanStopRow.site_kind,
            PlanStopRow.arrive_at,
            PlanStopRow.leg_mode,
            PlanStopRow.unloaded,
        )
        .join(
            PlanStopRow,
            (PlanStopRow.plan_id == PlanRouteRow.plan_id)
            & (PlanStopRow.route_idx == PlanRouteRow.idx),
        )
        .where(PlanRouteRow.plan_id == plan_id, PlanStopRow.unloaded != "")
    )
    out = []
    for echelon, route_id, site, kind, arrive, mode, unloaded in session.execute(query):
        hop, receiver = HOPS[echelon]
        if kind != receiver:
            continue
        at = arrive if arrive.tzinfo else arrive.replace(tzinfo=dt.UTC)
        out.append(Handover(hop, at, site, tuple(unloaded.split(";")), route_id, mode))
    out.sort(key=lambda h: (h.at, ORDER[h.hop], h.site))
    return out


def due(
    delayed: Iterable[tuple[Handover, dt.timedelta]], day: dt.date, zone: dt.tzinfo
) -> list[Handover]:
    """The handovers, each at its planned time plus its delay, that fall on or before `day` in
    `zone`: what is still to do by the end of that day, the overdue included (a delay that
    crossed midnight moves a handover to the next day; it is never dropped between two days)."""
    out = []
    for handover, delay in delayed:
        at = handover.at + delay
        if at.astimezone(zone).date() <= day:
            out.append(replace(handover, at=at))
    return out
