"""Distribution plans: immutable, versioned snapshots with their sites, routes, stops and issues.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 10:30:00.000000

A stored plan never changes: triggers refuse UPDATE and DELETE on its tables on both backends,
so a plan a KPU officer, the police and Bawaslu have read stays the plan they read; a new run is
a new version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

IMMUTABLE = ("plan", "plan_site", "plan_route", "plan_stop", "plan_issue")


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("time_limit_s", sa.Float(), nullable=True),
        sa.Column("norm_id", sa.String(length=40), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("voting_day", sa.String(length=10), nullable=False),
        sa.Column("utc_offset_hours", sa.Float(), nullable=False),
        sa.Column("tps_count", sa.Integer(), nullable=False),
        sa.Column("tps_unserved", sa.Integer(), nullable=False),
        sa.Column("tps_late", sa.Integer(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("region_code", "version", name="uq_plan_region_code_version"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_region_code"), ["region_code"], unique=False)
    op.create_table(
        "plan_site",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        _plan_fk("plan_site"),
        sa.PrimaryKeyConstraint("plan_id", "code", name=op.f("pk_plan_site")),
    )
    op.create_table(
        "plan_route",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.String(length=40), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("echelon", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("vehicle_type", sa.String(length=40), nullable=False),
        sa.Column("vehicle_unit", sa.String(length=120), nullable=False),
        sa.Column("hired", sa.Boolean(), nullable=False),
        sa.Column("base_site", sa.String(length=40), nullable=False),
        sa.Column("escort_officers", sa.Integer(), nullable=False),
        sa.Column("capacity_g", sa.BigInteger(), nullable=False),
        sa.Column("capacity_cm3", sa.BigInteger(), nullable=False),
        sa.Column("depart_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("return_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.BigInteger(), nullable=False),
        sa.Column("kits", sa.Integer(), nullable=False),
        _plan_fk("plan_route"),
        sa.PrimaryKeyConstraint("plan_id", "idx", name=op.f("pk_plan_route")),
    )
    op.create_table(
        "plan_stop",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("route_idx", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trip", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=40), nullable=False),
        sa.Column("site_kind", sa.String(length=12), nullable=False),
        sa.Column("arrive_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("depart_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leg_mode", sa.String(length=20), nullable=False),
        sa.Column("leg_kind", sa.String(length=10), nullable=False),
        sa.Column("leg_link", sa.String(length=40), nullable=False),
        sa.Column("leg_distance_m", sa.BigInteger(), nullable=False),
        sa.Column("leg_tide", sa.String(length=20), nullable=False),
        sa.Column("loaded", sa.Text(), nullable=False),
        sa.Column("unloaded", sa.Text(), nullable=False),
        _plan_fk("plan_stop"),
        sa.PrimaryKeyConstraint("plan_id", "route_idx", "seq", name=op.f("pk_plan_stop")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "plan_issue",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("tps_code", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("echelon", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("late_by_s", sa.Integer(), nullable=False),
        _plan_fk("plan_issue"),
        sa.PrimaryKeyConstraint("plan_id", "idx", name=op.f("pk_plan_issue")),
    )
    _create_immutability_triggers()


def downgrade() -> None:
    _drop_immutability_triggers()
    for table in ("plan_issue", "plan_stop", "plan_route", "plan_site"):
        op.drop_table(table)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_region_code"))
    op.drop_table("plan")


def _plan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f(f"fk_{table}_plan_id_plan"))


def _create_immutability_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(
        dialect, IMMUTABLE, function="plan_refuse_change", word="immutable"
    ):
        op.execute(statement)


def _drop_immutability_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(
        dialect, IMMUTABLE, function="plan_refuse_change", word="immutable"
    ):
        op.execute(statement)
