"""Tables of custody: devices, events (each one a leaf of its province's log), the packages each
event concerned, the findings of incidents, and every package's current custody state.

An event row points at its ledger entry with a foreign key, so no event exists without its
leaf; the event's full content (signatures included) is that entry. Events, items and findings
are append-only (the migration adds triggers refusing UPDATE and DELETE).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base
from salur.ledger import models as _ledger  # noqa: F401  (the entries events point at)


class CustodyEvent(Base):
    """One accepted custody event, incident or device registration, and its log entry."""

    __tablename__ = "custody_event"
    __table_args__ = (
        UniqueConstraint("log_id", "log_index"),
        ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_custody_event_entry",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # dispatch | handover | ... | incident | device
    hop: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(30))  # incidents only
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool | None] = mapped_column(Boolean)
    cause_event_id: Mapped[int | None] = mapped_column(ForeignKey("custody_event.id"), index=True)


class CustodyItem(Base):
    """A package an event concerned, with what was seen of it (and the tally, on return)."""

    __tablename__ = "custody_item"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    event_id: Mapped[int] = mapped_column(ForeignKey("custody_event.id"), primary_key=True)
    package_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    tps_code: Mapped[str] = mapped_column(String(13), index=True)
    ballot_type: Mapped[str] = mapped_column(String(20))
    dapil: Mapped[str | None] = mapped_column(String(13))
    count: Mapped[int | None] = mapped_column(Integer)
    used: Mapped[int | None] = mapped_column(Integer)
    unused: Mapped[int | None] = mapped_column(Integer)
    damaged: Mapped[int | None] = mapped_column(Integer)
    voters: Mapped[int | None] = mapped_column(Integer)


class CustodyFinding(Base):
    """One finding of an incident: a refusal, a discrepancy or a reconciliation mismatch."""

    __tablename__ = "custody_finding"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("custody_event.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    package_id: Mapped[str | None] = mapped_column(String(32))
    tps_code: Mapped[str | None] = mapped_column(String(13), index=True)
    ballot_type: Mapped[str | None] = mapped_column(String(20))
    expected: Mapped[str | None] = mapped_column(Text)
    found: Mapped[str | None] = mapped_column(Text)


class CustodyPackage(Base):
    """Where a package is now (see `custody.states`); no row means packed, at its warehouse.

    `seals` lists the seals applied at the sealed return (comma-separated); until then the
    package's seals are those of the seal registry.
    """

    __tablename__ = "custody_package"

    package_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tps_code: Mapped[str] = mapped_column(String(13), index=True)
    phase: Mapped[str] = mapped_column(String(10))
    holder_level: Mapped[str] = mapped_column(String(10))
    holder_region: Mapped[str] = mapped_column(String(13))
    to_level: Mapped[str | None] = mapped_column(String(10))
    to_region: Mapped[str | None] = mapped_column(String(13))
    seals: Mapped[str | None] = mapped_column(Text)
    last_event_id: Mapped[int] = mapped_column(ForeignKey("custody_event.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CustodyDevice(Base):
    """A device allowed to sign for one pseudonymous person in one role and region scope."""

    __tablename__ = "custody_device"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(13))
    person: Mapped[str] = mapped_column(String(64), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_id: Mapped[str] = mapped_column(String(8))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[int] = mapped_column(ForeignKey("custody_event.id"))
