"""Tables of the service: what each device uploaded (by idempotency key, with the answer given),
each device's sequence watermark, and Bawaslu's findings.

A sync item is claimed (`pending`) before its event is recorded and holds the stored answer
once `done`, so a replay gets the same answer and concurrent duplicates wait for the first.
Findings are append-only (the migration adds triggers refusing UPDATE and DELETE).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base, UtcDateTime
from salur.identity import models as _identity  # noqa: F401  (users and devices referred to)


class SyncItem(Base):
    """One event a device uploaded under an idempotency key, and the answer it got."""

    __tablename__ = "sync_item"
    __table_args__ = (UniqueConstraint("device_id", "sequence", name="uq_sync_item_sequence"),)

    device_id: Mapped[str] = mapped_column(ForeignKey("custody_device.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger)
    request_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # pending | done
    claim: Mapped[str] = mapped_column(String(32))  # who is processing it (a random token)
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))  # accepted | refused
    event_id: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)  # the answer, as JSON
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SyncDevice(Base):
    """A device's sequence numbers: every one up to `contiguous` has arrived."""

    __tablename__ = "sync_device"

    device_id: Mapped[str] = mapped_column(ForeignKey("custody_device.id"), primary_key=True)
    contiguous: Mapped[int] = mapped_column(BigInteger)
    highest: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SupervisionFinding(Base):
    """A Bawaslu finding (temuan) about a region, optionally naming a package, TPS or event."""

    __tablename__ = "supervision_finding"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    category: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
