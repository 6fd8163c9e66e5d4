"""Reference geography (province to TPS, dapil, sites, DPT totals) and stored needs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 18:41:13.451892
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dapil",
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("level", "code", name=op.f("pk_dapil")),
    )
    op.create_table(
        "dpt_total",
        sa.Column("region_code", sa.String(length=5), nullable=False),
        sa.Column("dpt", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_dpt_total")),
    )
    op.create_table(
        "landmass",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landmass")),
    )
    op.create_table(
        "needs_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("norm_id", sa.String(length=40), nullable=False),
        sa.Column("norm_sha256", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tps_count", sa.Integer(), nullable=False),
        sa.Column("tps_estimated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_run")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("needs_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_run_norm_id"), ["norm_id"], unique=False)

    op.create_table(
        "province",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kpu", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_province")),
    )
    op.create_table(
        "needs_line",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=True),
        sa.Column("weight_g", sa.Float(), nullable=False),
        sa.Column("volume_cm3", sa.Float(), nullable=False),
        sa.Column("inside_kotak", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["needs_run.id"],
            name=op.f("fk_needs_line_run_id_needs_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "idx", name=op.f("pk_needs_line")),
    )
    op.create_table(
        "psu_reserve_need",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("district", sa.String(length=13), nullable=False),
        sa.Column("holder_region", sa.String(length=13), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["needs_run.id"],
            name=op.f("fk_psu_reserve_need_run_id_needs_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "ballot_type", "district", name=op.f("pk_psu_reserve_need")
        ),
    )
    op.create_table(
        "regency",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kpu", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_regency_province_code_province")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regency")),
    )
    with op.batch_alter_table("regency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regency_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "district",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kpu", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["regency_code"], ["regency.code"], name=op.f("fk_district_regency_code_regency")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_district_regency_code"), ["regency_code"], unique=False
        )

    op.create_table(
        "village",
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("district_code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kpu", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("coord_source", sa.Text(), nullable=True),
        sa.Column("dapil_dpr_ri", sa.String(length=10), nullable=True),
        sa.Column("dapil_dprd_prov", sa.String(length=10), nullable=True),
        sa.Column("dapil_dprd_kab", sa.String(length=10), nullable=True),
        sa.Column("landmass_id", sa.String(length=10), nullable=True),
        sa.Column("on_island", sa.Boolean(), nullable=True),
        sa.Column("water_crossing", sa.Boolean(), nullable=True),
        sa.Column("dpt_reported", sa.Integer(), nullable=True),
        sa.Column("tps_reported", sa.Integer(), nullable=True),
        sa.Column("dpt_flag", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"], ["district.code"], name=op.f("fk_village_district_code_district")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_village")),
    )
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_village_district_code"), ["district_code"], unique=False
        )

    op.create_table(
        "water_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("district_code", sa.String(length=8), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_date", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["district.code"],
            name=op.f("fk_water_access_district_code_district"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_access")),
    )
    with op.batch_alter_table("water_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_access_district_code"), ["district_code"], unique=False
        )

    op.create_table(
        "logistics_site",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("district_code", sa.String(length=8), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("location_precision", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_date", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["district.code"],
            name=op.f("fk_logistics_site_district_code_district"),
        ),
        sa.ForeignKeyConstraint(
            ["village_code"], ["village.code"], name=op.f("fk_logistics_site_village_code_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logistics_site")),
    )
    with op.batch_alter_table("logistics_site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_logistics_site_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "tps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("village_code", sa.String(length=13), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=15), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("dpt", sa.Integer(), nullable=True),
        sa.Column("dpt_source", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["village_code"], ["village.code"], name=op.f("fk_tps_village_code_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tps")),
        sa.UniqueConstraint("code", name=op.f("uq_tps_code")),
    )
    with op.batch_alter_table("tps", schema=None) as batch_op:
        batch_op.create_index("ix_tps_village_number", ["village_code", "number"], unique=True)

    op.create_table(
        "tps_need",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tps_id", sa.Integer(), nullable=False),
        sa.Column("line_idx", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["needs_run.id"],
            name=op.f("fk_tps_need_run_id_needs_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tps_id"], ["tps.id"], name=op.f("fk_tps_need_tps_id_tps")),
        sa.PrimaryKeyConstraint("run_id", "tps_id", "line_idx", name=op.f("pk_tps_need")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("tps_need")
    with op.batch_alter_table("tps", schema=None) as batch_op:
        batch_op.drop_index("ix_tps_village_number")

    op.drop_table("tps")
    with op.batch_alter_table("logistics_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logistics_site_region_code"))

    op.drop_table("logistics_site")
    with op.batch_alter_table("water_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_access_district_code"))

    op.drop_table("water_access")
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_district_code"))

    op.drop_table("village")
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_regency_code"))

    op.drop_table("district")
    with op.batch_alter_table("regency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regency_province_code"))

    op.drop_table("regency")
    op.drop_table("psu_reserve_need")
    op.drop_table("needs_line")
    op.drop_table("province")
    with op.batch_alter_table("needs_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_run_norm_id"))

    op.drop_table("needs_run")
    op.drop_table("landmass")
    op.drop_table("dpt_total")
    op.drop_table("dapil")
