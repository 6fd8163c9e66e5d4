"""Incident workflow: incidents, their transitions (each a leaf of the log), PSU reserve issues.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000

Depends on 0004 (kit packages and stock documents a PSU issue creates). Transitions and PSU
issues are append-only: the triggers refuse UPDATE and DELETE (on PostgreSQL through the
ledger's `ledger_refuse_change()`, created by revision 0002); an incident row keeps only the
current state of its workflow, whose history is its transitions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.db import UtcDateTime
from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = ("0004",)

APPEND_ONLY = ("incident_transition", "psu_issue")


def upgrade() -> None:
    _incident_table()
    _transition_table()
    _psu_table()
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", create_function=False
    ):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", drop_function=False
    ):
        op.execute(statement)
    op.drop_table("psu_issue")
    op.drop_table("incident_transition")
    op.drop_table("incident")


def _incident_table() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("election", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=True),
        sa.Column("package_id", sa.String(length=32), nullable=True),
        sa.Column("responsible_role", sa.String(length=20), nullable=False),
        sa.Column("responsible_region", sa.String(length=13), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.Column("ack_due", UtcDateTime(), nullable=False),
        sa.Column("resolve_due", UtcDateTime(), nullable=False),
        sa.Column("custody_event_id", sa.Integer(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["custody_event_id"],
            ["custody_event.id"],
            name=op.f("fk_incident_custody_event_id_custody_event"),
        ),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_log.id"], name=op.f("fk_incident_log_id_ledger_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("custody_event_id", "kind", "region_code", name="uq_incident_cause"),
        sqlite_autoincrement=True,
    )
    for column in ("state", "region_code", "regency_code", "tps_code"):
        op.create_index(op.f(f"ix_incident_{column}"), "incident", [column])


def _transition_table() -> None:
    op.create_table(
        "incident_transition",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=15), nullable=False),
        sa.Column("from_state", sa.String(length=15), nullable=True),
        sa.Column("to_state", sa.String(length=15), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_region", sa.String(length=13), nullable=False),
        sa.Column("refs_json", sa.Text(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_transition_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_incident_transition_entry",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_transition")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_transition_incident_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_incident_transition_incident_id"), "incident_transition", ["incident_id"]
    )


def _psu_table() -> None:
    op.create_table(
        "psu_issue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("dapil", sa.String(length=13), nullable=False),
        sa.Column("reserve_district", sa.String(length=13), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("stock_document_id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_psu_issue_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["kit_package.id"], name=op.f("fk_psu_issue_package_id_kit_package")
        ),
        sa.ForeignKeyConstraint(
            ["stock_document_id"],
            ["stock_document.id"],
            name=op.f("fk_psu_issue_stock_document_id_stock_document"),
        ),
        sa.ForeignKeyConstraint(
            ["log_id", "log_index"],
            ["ledger_entry.log_id", "ledger_entry.idx"],
            name="fk_psu_issue_entry",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psu_issue")),
        sa.UniqueConstraint("package_id", name=op.f("uq_psu_issue_package_id")),
        sqlite_autoincrement=True,
    )
    for column in ("incident_id", "tps_code", "reserve_district"):
        op.create_index(op.f(f"ix_psu_issue_{column}"), "psu_issue", [column])
