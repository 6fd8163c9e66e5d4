"""Stored needs: one run per (norm, region), its lines, quantities per TPS and PSU reserves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base, UtcDateTime


class NeedsRun(Base):
    """A computation of needs for a region under one norm file (its SHA-256 kept for audit)."""

    __tablename__ = "needs_run"
    # Never reuse the id of a replaced run (SQLite would without AUTOINCREMENT).
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    norm_id: Mapped[str] = mapped_column(String(40), index=True)
    norm_sha256: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(13))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    tps_count: Mapped[int] = mapped_column(Integer)
    tps_estimated: Mapped[int] = mapped_column(Integer)


class NeedsLine(Base):
    """A column of the run: a ballot type or a kit item, with its unit weight and volume."""

    __tablename__ = "needs_line"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("needs_run.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(40))
    ballot_type: Mapped[str | None] = mapped_column(String(20))
    weight_g: Mapped[float] = mapped_column(Float)
    volume_cm3: Mapped[float] = mapped_column(Float)
    inside_kotak: Mapped[bool] = mapped_column(Boolean)


class TpsNeed(Base):
    """Quantity of one line for one TPS (only non-zero quantities are stored)."""

    __tablename__ = "tps_need"
    # Millions of rows keyed by (run, tps, line): no separate rowid b-tree in SQLite.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    run_id: Mapped[int] = mapped_column(
        ForeignKey("needs_run.id", ondelete="CASCADE"), primary_key=True
    )
    tps_id: Mapped[int] = mapped_column(ForeignKey("tps.id"), primary_key=True)
    line_idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)


class PsuReserveNeed(Base):
    """The PSU reserve of one ballot type for one district, and the region that holds it."""

    __tablename__ = "psu_reserve_need"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("needs_run.id", ondelete="CASCADE"), primary_key=True
    )
    ballot_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    district: Mapped[str] = mapped_column(String(13), primary_key=True)
    holder_region: Mapped[str] = mapped_column(String(13))
    quantity: Mapped[int] = mapped_column(Integer)
