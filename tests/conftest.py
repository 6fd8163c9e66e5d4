"""Shared fixtures: real stores (an SQLite file and a PostgreSQL schema) with Riau loaded once."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from salur.db import make_engine, migrate
from salur.geo.models import District, Regency, Tps, Village
from salur.geo.service import load_reference, resolve_folder
from salur.i18n import set_language
from salur.uow import UnitOfWork

POSTGRES_URL = os.environ.get(
    "SALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def _indonesian_by_default() -> Iterator[None]:
    """Every test starts in the default language, whatever an earlier test chose."""
    set_language("id")
    yield
    set_language("id")


def new_engine(backend: str, tmp: Path) -> Iterator[Engine]:
    """A migrated, empty store: an SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / 'salur.sqlite'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated store on each backend."""
    yield from new_engine(request.param, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def riau_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A store with the shipped Riau data loaded, shared by tests that do not change it."""
    for engine in new_engine(request.param, tmp_path_factory.mktemp(request.param)):
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("riau"))
        yield engine


def fingerprint(engine: Engine) -> tuple[object, ...]:
    """Counts and checksums that change if any geography or DPT row is added, changed or lost."""
    with engine.connect() as conn:
        counts = tuple(
            conn.scalar(select(func.count()).select_from(m))
            for m in (Regency, District, Village, Tps)
        )
        dpt = conn.execute(
            select(func.sum(Tps.dpt), func.sum(Tps.dpt * Tps.id), func.count(Tps.dpt_source))
        ).one()
        names = conn.scalar(select(func.sum(func.length(Village.name))))
    return (*counts, *tuple(dpt), names)
