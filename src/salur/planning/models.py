"""Stored plans: an immutable, versioned snapshot per run, with its routes, stops and issues.

A plan row is written once with everything under it, in one transaction, and never updated
(`repository` has no update or delete); the next run of the same region is the next version.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base


class PlanRow(Base):
    """One version of the plan of a region, with what it was made from."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("region_code", "version", name="uq_plan_region_code_version"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    seed: Mapped[int] = mapped_column(Integer)
    time_limit_s: Mapped[float | None] = mapped_column(Float)
    norm_id: Mapped[str] = mapped_column(String(40))
    data_sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    voting_day: Mapped[str] = mapped_column(String(10))
    utc_offset_hours: Mapped[float] = mapped_column(Float)
    tps_count: Mapped[int] = mapped_column(Integer)
    tps_unserved: Mapped[int] = mapped_column(Integer)
    tps_late: Mapped[int] = mapped_column(Integer)
    summary_json: Mapped[str] = mapped_column(Text)


class PlanSiteRow(Base):
    """A place the plan used, with the point and zone it was planned with."""

    __tablename__ = "plan_site"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    zone: Mapped[str] = mapped_column(String(20))


class PlanRouteRow(Base):
    """A vehicle's tour or a PPS round, as planned."""

    __tablename__ = "plan_route"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    route_id: Mapped[str] = mapped_column(String(40))
    regency_code: Mapped[str] = mapped_column(String(5))
    echelon: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    vehicle_type: Mapped[str] = mapped_column(String(40))
    vehicle_unit: Mapped[str] = mapped_column(String(120))
    hired: Mapped[bool] = mapped_column(Boolean)
    base_site: Mapped[str] = mapped_column(String(40))
    escort_officers: Mapped[int] = mapped_column(Integer)
    capacity_g: Mapped[int] = mapped_column(BigInteger)
    capacity_cm3: Mapped[int] = mapped_column(BigInteger)
    depart_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    return_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    distance_m: Mapped[int] = mapped_column(BigInteger)
    kits: Mapped[int] = mapped_column(Integer)


class PlanStopRow(Base):
    """A stop of a route: when, how it was reached, and which TPS kits were loaded or unloaded."""

    __tablename__ = "plan_stop"
    # Tens of thousands of rows per plan keyed by (plan, route, seq): no separate rowid b-tree.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    route_idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    trip: Mapped[int] = mapped_column(Integer)
    site_code: Mapped[str] = mapped_column(String(40))
    site_kind: Mapped[str] = mapped_column(String(12))
    arrive_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    depart_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    leg_mode: Mapped[str] = mapped_column(String(20))
    leg_kind: Mapped[str] = mapped_column(String(10))
    leg_link: Mapped[str] = mapped_column(String(40))
    leg_distance_m: Mapped[int] = mapped_column(BigInteger)
    leg_tide: Mapped[str] = mapped_column(String(20))
    loaded: Mapped[str] = mapped_column(Text)
    unloaded: Mapped[str] = mapped_column(Text)


class PlanIssueRow(Base):
    """A TPS the plan cannot serve, or serves after a deadline, with the reason."""

    __tablename__ = "plan_issue"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    tps_code: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(10))
    echelon: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(60))
    params_json: Mapped[str] = mapped_column(Text)
    late_by_s: Mapped[int] = mapped_column(Integer)
