"""The store itself: SQLite tuned for safety, and units of work that commit whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from salur.db import make_engine, migrate
from salur.geo.models import Province
from salur.uow import UnitOfWork


def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    """Every connection gets WAL, foreign keys on and synchronous=FULL (2)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2


def test_migrating_twice_is_harmless(empty_store: Engine) -> None:
    """`migrate` runs on every start: a second call on a current schema changes nothing."""
    migrate(empty_store)
    with empty_store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Province)) == 0


def test_a_unit_of_work_left_without_commit_writes_nothing(empty_store: Engine) -> None:
    """Leaving the block by an exception rolls back every write of the use case."""
    with pytest.raises(RuntimeError), UnitOfWork(empty_store) as uow:
        uow.session.add(Province(code="14", name="Riau"))
        uow.session.flush()
        raise RuntimeError("crash in the middle of a use case")
    with UnitOfWork(empty_store) as uow:
        uow.session.add(Province(code="21", name="Kepulauan Riau"))
        uow.commit()
    with empty_store.connect() as conn:
        assert list(conn.scalars(select(Province.code))) == ["21"]


def test_foreign_keys_are_enforced(empty_store: Engine) -> None:
    """A regency of an unknown province is refused by the database itself, on both backends."""
    from sqlalchemy.exc import IntegrityError

    from salur.geo.models import Regency

    with pytest.raises(IntegrityError), UnitOfWork(empty_store) as uow:
        uow.session.add(Regency(code="99.01", province_code="99", name="X", kind="kabupaten"))
        uow.commit()


def test_datetimes_come_back_utc_aware_and_naive_ones_are_refused(empty_store: Engine) -> None:
    """SQLite keeps no zone: UtcDateTime still returns aware UTC values and refuses naive ones."""
    import datetime as dt

    from salur.needs.models import NeedsRun

    wib = dt.timezone(dt.timedelta(hours=7))
    with UnitOfWork(empty_store) as uow:
        run = NeedsRun(
            norm_id="n",
            norm_sha256="0" * 64,
            region_code="14",
            tps_count=0,
            tps_estimated=0,
            created_at=dt.datetime(2024, 2, 13, 7, 0, tzinfo=wib),
        )
        uow.session.add(run)
        uow.commit()
        run_id = run.id
    with UnitOfWork(empty_store) as uow:
        stored = uow.session.get(NeedsRun, run_id)
        assert stored is not None
        assert stored.created_at == dt.datetime(2024, 2, 13, 0, 0, tzinfo=dt.UTC)
        assert stored.created_at.tzinfo is not None
    with pytest.raises(Exception, match="naive"), UnitOfWork(empty_store) as uow:
        uow.session.add(
            NeedsRun(
                norm_id="n",
                norm_sha256="0" * 64,
                region_code="14",
                tps_count=0,
                tps_estimated=0,
                created_at=dt.datetime(2024, 2, 13),
            )
        )
        uow.commit()


def _triggers(engine: Engine) -> set[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if engine.dialect.name == "sqlite"
        else "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
    )
    with engine.connect() as conn:
        return set(conn.scalars(text(sql)))


def test_every_migration_downgrades_and_upgrades_again(empty_store: Engine) -> None:
    """All branches go down to an empty schema and back up, with every append-only guard."""
    from alembic import command
    from sqlalchemy import inspect

    from salur.db import alembic_config

    guards = _triggers(empty_store)
    assert {"stock_movement_append_only", "custody_event_append_only", "plan_immutable"} <= {
        name.removesuffix("_update").removesuffix("_delete") for name in guards
    }
    command.downgrade(alembic_config(empty_store), "base")
    assert set(inspect(empty_store).get_table_names()) <= {"alembic_version"}
    assert _triggers(empty_store) == set()
    migrate(empty_store)
    assert _triggers(empty_store) == guards
