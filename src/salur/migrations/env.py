"""Alembic environment: runs migrations on the engine salur hands over (see `salur.db.migrate`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import salur.tables  # noqa: F401  (registers every table on Base.metadata)
from salur.db import Base, make_engine

config = context.config
engine: Engine = config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
