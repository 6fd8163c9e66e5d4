"""Migration 0004 creates exactly the tables the stock and kit models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import salur.kits.models
import salur.stock.models  # noqa: F401  (their tables on Base.metadata)
from salur.db import Base

OURS = {
    "stock_document",
    "stock_movement",
    "kit",
    "kit_package",
    "kit_package_line",
    "seal",
    "seal_event",
}


def table_of(diff: Any) -> str | None:
    """The table an Alembic autogenerate difference is about."""
    if isinstance(diff, list):
        return table_of(diff[0])
    for part in diff[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if name in OURS:
            return str(name)
        if isinstance(part, str) and part in OURS:
            return part
    return None


def test_the_migration_matches_the_models(meranti: Engine) -> None:
    """No column, type, index, key or constraint of our tables differs from the models."""
    with meranti.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if table_of(d) in OURS]
    assert diffs == []
