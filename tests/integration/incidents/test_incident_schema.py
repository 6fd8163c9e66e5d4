"""Migration 0007 creates exactly the tables the incident models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import salur.incidents.models  # noqa: F401  (their tables on Base.metadata)
from salur.db import Base

OURS = {"incident", "incident_transition", "psu_issue"}


def table_of(diff: Any) -> str | None:
    """The table an Alembic autogenerate difference is about."""
    if isinstance(diff, list):
        return table_of(diff[0])
    for part in diff[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        name = getattr(part, "name", part if isinstance(part, str) else None)
        if name in OURS:
            return str(name)
    return None


def test_the_migration_matches_the_models(empty_store: Engine) -> None:
    """No column, type, index, key or constraint of the incident tables differs from the models."""
    with empty_store.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if table_of(d) in OURS]
    assert diffs == []
