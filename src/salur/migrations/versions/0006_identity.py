"""Identity and the service: users, tokens, owned devices, login attempts, denials, sync items,
device sequence watermarks and Bawaslu findings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000

Denials and findings are append-only: the triggers refuse UPDATE and DELETE (on PostgreSQL
through the ledger's `ledger_refuse_change()`, created by revision 0002).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.db import UtcDateTime
from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("identity_denial", "supervision_finding")


def upgrade() -> None:
    _users_and_tokens()
    _attempts_and_denials()
    _sync()
    op.create_table(
        "supervision_finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        _fk("supervision_finding", "user_id", "identity_user", "id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_finding")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_supervision_finding_region_code"), "supervision_finding", ["region_code"]
    )
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", create_function=False
    ):
        op.execute(statement)


def _users_and_tokens() -> None:
    op.create_table(
        "identity_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_user")),
        sa.UniqueConstraint("username", name=op.f("uq_identity_user_username")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_identity_user_region_code"), "identity_user", ["region_code"])
    op.create_table(
        "identity_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("device_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        _fk("identity_token", "user_id", "identity_user", "id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_identity_token_digest")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_identity_token_user_id"), "identity_token", ["user_id"])
    op.create_table(
        "identity_device",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        _fk("identity_device", "device_id", "custody_device", "id"),
        _fk("identity_device", "user_id", "identity_user", "id"),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_identity_device")),
    )
    op.create_index(op.f("ix_identity_device_user_id"), "identity_device", ["user_id"])


def _attempts_and_denials() -> None:
    op.create_table(
        "identity_login_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_login_attempt")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_identity_login_attempt_username_at", "identity_login_attempt", ["username", "at"]
    )
    op.create_index(
        "ix_identity_login_attempt_address_at", "identity_login_attempt", ["address", "at"]
    )
    op.create_index(op.f("ix_identity_login_attempt_at"), "identity_login_attempt", ["at"])
    op.create_table(
        "identity_denial",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("scope", sa.String(length=13), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=13), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_denial")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_identity_denial_at"), "identity_denial", ["at"])
    op.create_index(op.f("ix_identity_denial_user_id"), "identity_denial", ["user_id"])


def _sync() -> None:
    op.create_table(
        "sync_item",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        _fk("sync_item", "device_id", "custody_device", "id"),
        _fk("sync_item", "user_id", "identity_user", "id"),
        sa.PrimaryKeyConstraint("device_id", "idempotency_key", name=op.f("pk_sync_item")),
        sa.UniqueConstraint("device_id", "sequence", name="uq_sync_item_sequence"),
    )
    op.create_table(
        "sync_device",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("contiguous", sa.BigInteger(), nullable=False),
        sa.Column("highest", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _fk("sync_device", "device_id", "custody_device", "id"),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_sync_device")),
    )


def _fk(table: str, column: str, target: str, target_column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(
        dialect, APPEND_ONLY, function="ledger_refuse_change", drop_function=False
    ):
        op.execute(statement)
    for table in (
        "supervision_finding",
        "sync_device",
        "sync_item",
        "identity_denial",
        "identity_login_attempt",
        "identity_device",
        "identity_token",
        "identity_user",
    ):
        op.drop_table(table)
