"""Warehouse stock (documents and movements), TPS kits with package manifests, seal registry.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 09:12:00.000000

Stock movements, stock documents and seal events are append-only: triggers refuse UPDATE and
DELETE on both backends, so stock on hand and seal history can only grow by new rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salur.guards import allow_changes_ddl, refuse_changes_ddl

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("stock_document", "stock_movement", "seal_event")


def upgrade() -> None:
    _stock_tables()
    _kit_tables()
    _seal_tables()
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    for table in (
        "seal_event",
        "seal",
        "kit_package_line",
        "kit_package",
        "kit",
        "stock_movement",
        "stock_document",
    ):
        op.drop_table(table)


def _stock_tables() -> None:
    op.create_table(
        "stock_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("supplier", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["stock_document.id"],
            name=op.f("fk_stock_document_claim_id_stock_document"),
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"],
            ["regency.code"],
            name=op.f("fk_stock_document_regency_code_regency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_document")),
        sa.UniqueConstraint(
            "regency_code",
            "kind",
            "supplier",
            "number",
            name=op.f("uq_stock_document_regency_code"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "stock_movement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("dapil", sa.String(length=13), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_movement_positive")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["stock_document.id"],
            name=op.f("fk_stock_movement_document_id_stock_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_movement_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_movement_key",
            ["regency_code", "item", "ballot_type", "dapil"],
            unique=False,
        )


def _kit_tables() -> None:
    op.create_table(
        "kit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tps_id", sa.Integer(), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("packing_id", sa.Integer(), nullable=False),
        sa.Column("norm_id", sa.String(length=40), nullable=False),
        sa.Column("needs_run_id", sa.Integer(), nullable=True),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["packing_id"], ["stock_document.id"], name=op.f("fk_kit_packing_id_stock_document")
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["regency.code"], name=op.f("fk_kit_regency_code_regency")
        ),
        sa.ForeignKeyConstraint(["tps_id"], ["tps.id"], name=op.f("fk_kit_tps_id_tps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit")),
        sa.UniqueConstraint("tps_id", name=op.f("uq_kit_tps_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("kit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_regency_code"), ["regency_code"], unique=False)
    op.create_table(
        "kit_package",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("dapil", sa.String(length=13), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kit_id"], ["kit.id"], name=op.f("fk_kit_package_kit_id_kit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_package")),
    )
    with op.batch_alter_table("kit_package", schema=None) as batch_op:
        batch_op.create_index("ix_kit_package_kit_seq", ["kit_id", "seq"], unique=True)
    op.create_table(
        "kit_package_line",
        sa.Column("package_id", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("dapil", sa.String(length=13), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["kit_package.id"],
            name=op.f("fk_kit_package_line_package_id_kit_package"),
        ),
        sa.PrimaryKeyConstraint(
            "package_id", "item", "ballot_type", "dapil", name=op.f("pk_kit_package_line")
        ),
    )


def _seal_tables() -> None:
    op.create_table(
        "seal",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["kit_package.id"], name=op.f("fk_seal_package_id_kit_package")
        ),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["regency.code"], name=op.f("fk_seal_regency_code_regency")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_seal")),
    )
    with op.batch_alter_table("seal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seal_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seal_regency_code"), ["regency_code"], unique=False)
    op.create_table(
        "seal_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seal_number", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("package_id", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seal_number"], ["seal.number"], name=op.f("fk_seal_event_seal_number_seal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_event")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("seal_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seal_event_seal_number"), ["seal_number"], unique=False
        )


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in refuse_changes_ddl(dialect, APPEND_ONLY, function="stock_refuse_change"):
        op.execute(statement)


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in allow_changes_ddl(dialect, APPEND_ONLY, function="stock_refuse_change"):
        op.execute(statement)
