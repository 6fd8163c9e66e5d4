"""Custody log: logs, entries, tree nodes, checkpoints, witnesses and cosignatures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:49:37.544358

Entries, nodes and checkpoints are append-only: triggers refuse UPDATE and DELETE on both
backends, so a stray ORM write cannot rewrite history. They are a guard rail, not the guarantee:
someone with DDL rights can drop them, which is what signed checkpoints and witnesses detect.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_entry", "ledger_node", "ledger_checkpoint")


def upgrade() -> None:
    op.create_table(
        "ledger_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("election", sa.String(length=40), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_log")),
        sa.UniqueConstraint("election", "province_code", name=op.f("uq_ledger_log_election")),
        sa.UniqueConstraint("origin", name=op.f("uq_ledger_log_origin")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ledger_witness",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_witness")),
        sa.UniqueConstraint("vkey", name=op.f("uq_ledger_witness_vkey")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ledger_checkpoint",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_log.id"], name=op.f("fk_ledger_checkpoint_log_id_ledger_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoint")),
        sa.UniqueConstraint("log_id", "size", name=op.f("uq_ledger_checkpoint_log_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ledger_entry",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_log.id"], name=op.f("fk_ledger_entry_log_id_ledger_log")
        ),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_entry")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_node",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_log.id"], name=op.f("fk_ledger_node_log_id_ledger_log")
        ),
        sa.PrimaryKeyConstraint("log_id", "level", "idx", name=op.f("pk_ledger_node")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_cosignature",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["ledger_checkpoint.id"],
            name=op.f("fk_ledger_cosignature_checkpoint_id_ledger_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"],
            ["ledger_witness.id"],
            name=op.f("fk_ledger_cosignature_witness_id_ledger_witness"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "witness_id", name=op.f("pk_ledger_cosignature")),
    )
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_table("ledger_cosignature")
    op.drop_table("ledger_node")
    op.drop_table("ledger_entry")
    op.drop_table("ledger_checkpoint")
    op.drop_table("ledger_witness")
    op.drop_table("ledger_log")


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(dialect, APPEND_ONLY, function="ledger_refuse_change"):
        op.execute(statement)


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(dialect, APPEND_ONLY, function="ledger_refuse_change"):
        op.execute(statement)
