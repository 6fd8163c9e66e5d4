"""Chain of custody: devices, events tied to their ledger entries, items, findings, package state.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 14:00:00.000000

Every event row carries a foreign key to its ledger entry, so an event cannot exist without its
leaf. Events, items and findings are append-only: the triggers refuse UPDATE and DELETE (on
PostgreSQL through the ledger's `ledger_refuse_change()`, created by revision 0002).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("custody_event", "custody_item", "custody_finding")


def upgrade() -> None:
    _event_table()
    op.create_table(
        "custody_item",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("dapil", sa.String(length=13), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("used", sa.Integer(), nullable=True),
        sa.Column("unused", sa.Integer(), nullable=True),
        sa.Column("damaged", sa.Integer(), nullable=True),
        sa.Column("voters", sa.Integer(), nullable=True),
        _fk("custody_item", "event_id"),
        sa.PrimaryKeyConstraint("event_id", "package_id", name=op.f("pk_custody_item")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_custody_item_package_id"), "custody_item", ["package_id"])
    op.create_index(op.f("ix_custody_item_tps_code"), "custody_item", ["tps_code"])
    op.create_table(
        "custody_finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=True),
        sa.Column("tps_code", sa.String(length=13), nullable=True),
        sa.Column("ballot_type", sa.String(length=20), nullable=True),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("found", sa.Text(), nullable=True),
        _fk("custody_finding", "event_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_finding")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_custody_finding_event_id"), "custody_finding", ["event_id"])
    op.create_index(op.f("ix_custody_finding_tps_code"), "custody_finding", ["tps_code"])
    op.create_table(
        "custody_package",
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("holder_level", sa.String(length=10), nullable=False),
        sa.Column("holder_region", sa.String(length=13), nullable=False),
        sa.Column("to_level", sa.String(length=10), nullable=True),
        sa.Column("to_region", sa.String(length=13), nullable=True),
        sa.Column("seals", sa.Text(), nullable=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("custody_package", "last_event_id"),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_custody_package")),
    )
    op.create_index(op.f("ix_custody_package_tps_code"), "custody_package", ["tps_code"])
    op.create_table(
        "custody_device",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        _fk("custody_device", "event_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_device")),
    )
    op.create_index(op.f("ix_custody_device_person"), "custody_device", ["person"])
    _create_append_only_triggers()


def _event_table() -> None:
    op.create_table(
        "custody_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("hop", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("cause_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_custody_event_entry",
        ),
        _fk("custody_event", "cause_event_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_event")),
        sa.UniqueConstraint("body_sha256", name=op.f("uq_custody_event_body_sha256")),
        sa.UniqueConstraint("log_id", "log_index", name=op.f("uq_custody_event_log_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_custody_event_cause_event_id"), "custody_event", ["cause_event_id"])


def _fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["custody_event.id"], name=op.f(f"fk_{table}_{column}_custody_event")
    )


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_table("custody_device")
    op.drop_table("custody_package")
    op.drop_table("custody_finding")
    op.drop_table("custody_item")
    op.drop_table("custody_event")


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", create_function=False
    ):
        op.execute(statement)


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", drop_function=False
    ):
        op.execute(statement)
