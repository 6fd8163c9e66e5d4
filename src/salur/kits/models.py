"""Tables of TPS kits: one kit per TPS, its packages and their manifests, and the seal registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base
from salur.geo import models as _geo  # noqa: F401  (TPS and regencies the kits refer to)
from salur.stock import models as _stock  # noqa: F401  (the packing document of each kit)


class Kit(Base):
    """The logistics of one TPS, packed once (packing again skips TPS that have a kit)."""

    __tablename__ = "kit"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tps_id: Mapped[int] = mapped_column(ForeignKey("tps.id"), unique=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"), index=True)
    packing_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"))
    norm_id: Mapped[str] = mapped_column(String(40))
    needs_run_id: Mapped[int | None] = mapped_column(Integer)  # None: needs computed at packing
    packed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class KitPackage(Base):
    """A kotak, the bilik bundle or the support set of a kit, under its printed id."""

    __tablename__ = "kit_package"
    __table_args__ = (Index("ix_kit_package_kit_seq", "kit_id", "seq", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # see kits.ids
    kit_id: Mapped[int] = mapped_column(ForeignKey("kit.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1.. in opening order
    kind: Mapped[str] = mapped_column(String(10))  # kotak | bilik | support
    ballot_type: Mapped[str] = mapped_column(String(20))  # '' unless kotak
    dapil: Mapped[str] = mapped_column(String(13))  # '' unless kotak
    count: Mapped[int] = mapped_column(Integer)  # ballots, bilik, or 1 support set


class KitPackageLine(Base):
    """One line of a package's manifest."""

    __tablename__ = "kit_package_line"

    package_id: Mapped[str] = mapped_column(ForeignKey("kit_package.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    ballot_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    dapil: Mapped[str] = mapped_column(String(13), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)


class Seal(Base):
    """A numbered seal issued to a regency, and where it is now (see `kits.seals`)."""

    __tablename__ = "seal"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    package_id: Mapped[str | None] = mapped_column(ForeignKey("kit_package.id"), index=True)
    # when its state or package last changed; each check is a line of its history (SealEvent)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SealEvent(Base):
    """History of a seal: append-only, one row per action that happened."""

    __tablename__ = "seal_event"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seal_number: Mapped[int] = mapped_column(ForeignKey("seal.number"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # issue | apply | check | break
    state: Mapped[str] = mapped_column(String(10))  # the state after the action
    package_id: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
