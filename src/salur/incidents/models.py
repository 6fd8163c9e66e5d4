"""Tables of the incident workflow: incidents (their current state), the transitions that led
there (append-only, each one a leaf of the log), and PSU reserve issues.

An incident salur records from custody points at that custody incident event instead of
copying it. `incident` holds the current state as a projection; the history is
`incident_transition`, which the migration guards against UPDATE and DELETE, like `psu_issue`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salur.custody import models as _custody  # noqa: F401  (custody events incidents link to)
from salur.db import Base, UtcDateTime
from salur.kits import models as _kits  # noqa: F401  (packages a PSU issue creates)
from salur.ledger import models as _ledger  # noqa: F401  (the entries transitions point at)


class Incident(Base):
    """One incident and where its workflow stands."""

    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("custody_event_id", "kind", "region_code", name="uq_incident_cause"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(15), index=True)
    election: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    tps_code: Mapped[str | None] = mapped_column(String(13), index=True)
    package_id: Mapped[str | None] = mapped_column(String(32))
    responsible_role: Mapped[str] = mapped_column(String(20))
    responsible_region: Mapped[str] = mapped_column(String(13))
    reported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ack_due: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    resolve_due: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    custody_event_id: Mapped[int | None] = mapped_column(ForeignKey("custody_event.id"))
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_log.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class IncidentTransition(Base):
    """One step of an incident's workflow, and the log entry that records it."""

    __tablename__ = "incident_transition"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_incident_transition_incident_id"),
        ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_incident_transition_entry",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(15))
    from_state: Mapped[str | None] = mapped_column(String(15))
    to_state: Mapped[str] = mapped_column(String(15))
    code: Mapped[str | None] = mapped_column(String(30))  # the action or resolution
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_region: Mapped[str] = mapped_column(String(13))
    refs_json: Mapped[str] = mapped_column(Text)
    log_id: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PsuIssue(Base):
    """PSU reserve ballots of one dapil issued to one TPS as a new kotak of its kit."""

    __tablename__ = "psu_issue"
    __table_args__ = (
        ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_psu_issue_entry",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    tps_code: Mapped[str] = mapped_column(String(13), index=True)
    ballot_type: Mapped[str] = mapped_column(String(20))
    dapil: Mapped[str] = mapped_column(String(13))
    reserve_district: Mapped[str] = mapped_column(String(13), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    package_id: Mapped[str] = mapped_column(ForeignKey("kit_package.id"), unique=True)
    stock_document_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"))
    log_id: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
