"""Every query of planning: reading the region's places and kits, storing and reading plans.

Plans are only ever inserted: there is no update or delete here, which is what makes a stored
plan an immutable snapshot (a new run is a new version).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from salur.db import Base
from salur.errors import SalurError
from salur.geo.models import District, LogisticsSite, Regency, Village
from salur.geo.repository import in_region, region_level, region_name
from salur.needs.service import calculate
from salur.norms.loader import LoadedNorm
from salur.planning.inputs import (
    DistrictIn,
    KitIn,
    PlanningInputs,
    RegencyIn,
    VillageIn,
    WarehouseIn,
)
from salur.planning.models import PlanIssueRow, PlanRouteRow, PlanRow, PlanSiteRow, PlanStopRow

WAREHOUSE_KINDS = ("kpu_kab_warehouse",)
CHUNK = 10_000


def load_inputs(
    session: Session, region: str, norm: LoadedNorm, port_villages: Sequence[str] = ()
) -> PlanningInputs:
    """Places and kits of a province or regency (or the country, code ""); the kits come from
    the needs engine."""
    name = region_name(session, region)
    if region_level(region) not in ("country", "province", "regency"):
        raise SalurError("plan.region_level", code=region)
    needs = calculate(session, region, norm)
    weight = np.ceil(needs.needs.kit_weight_g).astype(np.int64)
    volume = np.ceil(needs.needs.kit_volume_cm3).astype(np.int64)
    kits = tuple(
        KitIn(str(tps), str(village), int(w), int(v))
        for tps, village, w, v in zip(
            needs.tps["tps"], needs.tps["village"], weight, volume, strict=True
        )
    )
    return PlanningInputs(
        region=region,
        region_name=name,
        regencies=_regencies(session, region),
        districts=_districts(session, region),
        villages=_villages(session, in_region(Village.code, region)),
        warehouses=_warehouses(session, region),
        kits=kits,
        port_villages=_villages(session, Village.code.in_(list(port_villages))),
        norm_id=norm.norm.id,
    )


def _regencies(session: Session, region: str) -> tuple[RegencyIn, ...]:
    stmt = select(Regency.code, Regency.name).where(in_region(Regency.code, region))
    return tuple(RegencyIn(c, n) for c, n in session.execute(stmt.order_by(Regency.code)).all())


def _districts(session: Session, region: str) -> tuple[DistrictIn, ...]:
    stmt = select(District.code, District.regency_code, District.name).where(
        in_region(District.code, region)
    )
    rows = session.execute(stmt.order_by(District.code)).all()
    return tuple(DistrictIn(c, r, n) for c, r, n in rows)


def _villages(session: Session, where: object) -> tuple[VillageIn, ...]:
    stmt = select(
        Village.code,
        Village.district_code,
        Village.name,
        Village.kind,
        Village.lat,
        Village.lon,
        Village.landmass_id,
        Village.on_island,
    ).where(where)  # type: ignore[arg-type]
    rows = session.execute(stmt.order_by(Village.code)).all()
    return tuple(VillageIn(*row) for row in rows)


def _warehouses(session: Session, region: str) -> tuple[WarehouseIn, ...]:
    stmt = (
        select(
            LogisticsSite.id,
            LogisticsSite.region_code,
            LogisticsSite.description,
            LogisticsSite.district_code,
            LogisticsSite.village_code,
            LogisticsSite.lat,
            LogisticsSite.lon,
        )
        .where(LogisticsSite.kind.in_(WAREHOUSE_KINDS))
        .where(in_region(LogisticsSite.region_code, region))
        .order_by(LogisticsSite.id)
    )
    return tuple(WarehouseIn(*row) for row in session.execute(stmt).all())


def next_version(session: Session, region: str) -> int:
    """1 + the newest version of a plan of ``region`` (1 for the first)."""
    newest = session.scalar(select(func.max(PlanRow.version)).where(PlanRow.region_code == region))
    return int(newest or 0) + 1


def add_plan(
    session: Session, plan: PlanRow, rows: dict[type[Base], list[dict[str, Any]]]
) -> PlanRow:
    """Insert a plan and, in bulk, its site, route, stop and issue rows (the caller commits)."""
    session.add(plan)
    session.flush()
    for model, values in rows.items():
        for start in range(0, len(values), CHUNK):
            chunk = [{**v, "plan_id": plan.id} for v in values[start : start + CHUNK]]
            session.execute(insert(model), chunk)
    return plan


def get_plan(session: Session, plan_id: int) -> PlanRow | None:
    return session.get(PlanRow, plan_id)


def latest_plan(session: Session, region: str) -> PlanRow | None:
    stmt = select(PlanRow).where(PlanRow.region_code == region).order_by(PlanRow.version.desc())
    return session.scalars(stmt.limit(1)).first()


def plan_rows(
    session: Session, plan_id: int
) -> tuple[list[PlanSiteRow], list[PlanRouteRow], list[PlanStopRow], list[PlanIssueRow]]:
    """Sites, routes, stops and issues of a stored plan, in their stored order."""
    sites = session.scalars(
        select(PlanSiteRow).where(PlanSiteRow.plan_id == plan_id).order_by(PlanSiteRow.code)
    ).all()
    routes = session.scalars(
        select(PlanRouteRow).where(PlanRouteRow.plan_id == plan_id).order_by(PlanRouteRow.idx)
    ).all()
    stops = session.scalars(
        select(PlanStopRow)
        .where(PlanStopRow.plan_id == plan_id)
        .order_by(PlanStopRow.route_idx, PlanStopRow.seq)
    ).all()
    issues = session.scalars(
        select(PlanIssueRow).where(PlanIssueRow.plan_id == plan_id).order_by(PlanIssueRow.idx)
    ).all()
    return list(sites), list(routes), list(stops), list(issues)
