"""A small real store for stock and kit tests: Kepulauan Meranti (14.10, 677 TPS) on its own.

The shipped Riau files filtered to one regency are migrated and loaded once per backend, then
cloned for each test that writes stock (a file copy, or a PostgreSQL template database), so
every such test starts from the same fresh store instead of changing a shared one.
"""

from __future__ import annotations

import csv
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import salur.kits.models
import salur.stock.models  # noqa: F401  (stock and kit tables on Base.metadata)
from salur.config import PACKAGE_DATA
from salur.db import make_engine, migrate
from salur.geo.service import load_reference
from salur.needs.service import NeedsResult, calculate
from salur.norms.loader import load_norm
from salur.stock.demand import regency_needs
from salur.stock.movements import BALLOT_ITEM, StockKey
from salur.stock.service import receive
from salur.uow import UnitOfWork
from tests.conftest import BACKENDS, POSTGRES_URL

MERANTI = "14.10"
DUMAI = "14.72"  # loaded as a bare regency (no TPS): a second warehouse for seals and stock
FILTERED = {
    "regencies.csv": "code",
    "districts.csv": "regency_code",
    "villages.csv": "regency_code",
    "tps.csv": "regency_code",
    "dpt_sirekap_desa.csv": "village_code",
    "dapil_membership.csv": None,
}


def write_regency_folder(folder: Path, regency: str = MERANTI, bare: str = DUMAI) -> Path:
    """The Riau reference files reduced to one regency, plus one `bare` regency row."""
    folder.mkdir(parents=True, exist_ok=True)
    source = PACKAGE_DATA / "riau"
    for name, column in FILTERED.items():
        with (source / name).open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        index = rows[0].index(column) if column else None
        kept = [
            row
            for row in rows[1:]
            if index is None
            or row[index] == regency
            or row[index].startswith(regency + ".")
            or (name == "regencies.csv" and row[index] == bare)
        ]
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([rows[0], *kept])
    return folder


@pytest.fixture(scope="session")
def meranti_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Meranti reference folder, written once per test session."""
    return write_regency_folder(tmp_path_factory.mktemp("meranti-data"))


@dataclass(frozen=True)
class Template:
    """A migrated store with Meranti loaded, copied for each test: an SQLite file, or a
    PostgreSQL database that `CREATE DATABASE ... TEMPLATE` clones in milliseconds."""

    backend: str
    location: str
    copies: list[str] = field(default_factory=list)  # PostgreSQL clones, dropped with it


@pytest.fixture(scope="session", params=BACKENDS)
def meranti_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, meranti_folder: Path
) -> Iterator[Template]:
    """Migrate and load Meranti once per backend and session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("meranti-template") / "template.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        load_regency(engine, meranti_folder)
        engine.dispose()
        yield Template("sqlite", str(path))
        return
    name = f"stk_template_{uuid.uuid4().hex[:10]}"
    template = Template("postgresql", name)
    _admin_sql(f"CREATE DATABASE {name}")
    try:
        engine = make_engine(_database_url(name))
        migrate(engine)
        load_regency(engine, meranti_folder)
        engine.dispose()
        yield template
    finally:
        # Dropped together at the end: each DROP DATABASE forces a checkpoint, and one after
        # all the tests is cheaper than one after each.
        for clone in [*template.copies, name]:
            _admin_sql(f"DROP DATABASE IF EXISTS {clone} WITH (FORCE)")


def copy_of(template: Template, tmp: Path) -> Iterator[Engine]:
    """A fresh store cloned from `template` (removed after the test, or with the template)."""
    if template.backend == "sqlite":
        path = tmp / "salur.sqlite"
        shutil.copyfile(template.location, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    name = f"stk_{uuid.uuid4().hex[:12]}"
    try:
        _admin_sql(f"CREATE DATABASE {name} TEMPLATE {template.location} STRATEGY WAL_LOG")
    except DBAPIError:  # PostgreSQL before 15 has no STRATEGY (and copies files instead)
        _admin_sql(f"CREATE DATABASE {name} TEMPLATE {template.location}")
    template.copies.append(name)
    engine = make_engine(_database_url(name))
    yield engine
    engine.dispose()


@pytest.fixture
def meranti(meranti_template: Template, tmp_path: Path) -> Iterator[Engine]:
    """A fresh store on each backend with Meranti (677 TPS) loaded and no stock."""
    yield from copy_of(meranti_template, tmp_path)


def _database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin_sql(sql: str) -> None:
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def load_regency(engine: Engine, folder: Path) -> Engine:
    with UnitOfWork(engine) as uow:
        load_reference(uow, folder)
    return engine


def needs_of(engine: Engine, regency: str = MERANTI) -> NeedsResult:
    with UnitOfWork(engine) as uow:
        return calculate(uow.session, regency, load_norm())


def tps_totals(result: NeedsResult) -> dict[StockKey, int]:
    """Needs of the TPS kits per stock key, straight from the needs engine's matrix."""
    totals: dict[StockKey, int] = {}
    for i, line in enumerate(result.needs.lines):
        for row, quantity in enumerate(result.needs.quantity[:, i].tolist()):
            if line.ballot_type is None:
                key = StockKey(line.code)
            else:
                dapil = str(result.needs.districts[line.ballot_type][row])
                key = StockKey(BALLOT_ITEM, line.ballot_type, dapil)
            totals[key] = totals.get(key, 0) + quantity
    return totals


def receipt_csv(
    path: Path,
    quantities: dict[StockKey, int],
    note: str = "SJ-001",
    supplier: str = "PT Percetakan",
    regency: str = MERANTI,
    date: str = "2024-01-10",
) -> Path:
    """A delivery-note file with one row per key."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["regency", "supplier", "note_number", "date", "item", "dapil", "quantity"])
        for key, quantity in quantities.items():
            item = key.ballot_type or key.item
            writer.writerow([regency, supplier, note, date, item, key.dapil, quantity])
    return path


def psu_totals(engine: Engine, regency: str = MERANTI) -> dict[StockKey, int]:
    """The PSU reserves the regency holds, per stock key."""
    with UnitOfWork(engine) as uow:
        return regency_needs(uow.session, regency, load_norm()).psu_totals()


def receive_all(engine: Engine, tmp: Path, quantities: dict[StockKey, int], note: str) -> None:
    """Record one delivery note with these quantities."""
    with UnitOfWork(engine) as uow:
        receive(uow, receipt_csv(tmp / f"{note}.csv", quantities, note=note), load_norm())


def count_rows(engine: Engine, *tables: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }
