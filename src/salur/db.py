"""The store: an SQLAlchemy engine per database URL, SQLite tuned for safety, Alembic migrations.

SQLite is the embedded default (WAL so readers never block the writer, foreign keys on, and
synchronous=FULL so a committed handover survives a power cut); PostgreSQL is chosen by URL.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Select,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction

from salur.config import database_url

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)


MIGRATIONS = Path(__file__).parent / "migrations"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no zone and hands back naive values; this type refuses naive values on the way
    in and returns UTC-aware ones on the way out, so no caller ever compares naive and aware.
    The column is an ordinary `TIMESTAMP WITH TIME ZONE` (DateTime(timezone=True)) underneath.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: salur stores UTC-aware datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: `SALUR_DATABASE_URL` or the SQLite file under ./var)."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True)


def begin_write(session: Session) -> None:
    """Open the session's write transaction now, before any savepoint.

    pysqlite starts its transaction only at the first data change, so a SAVEPOINT issued
    before one would itself be the outermost transaction and its RELEASE would commit. BEGIN
    IMMEDIATE takes SQLite's write lock up front and lets savepoints nest; on PostgreSQL the
    session's transaction is open from its first statement already.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


@dataclass(frozen=True, slots=True)
class RawCursor:
    """A DBAPI cursor on the connection of a session's transaction, with that connection's
    dialect (for `raw_sql`)."""

    cursor: Any
    dialect: Dialect


_RAW = "salur.db.raw_cursor"
_RAW_LISTENING = "salur.db.raw_cursor.listening"


def raw_cursor(session: Session) -> RawCursor:
    """The session's DBAPI cursor for its current transaction (opened on first use, closed when
    the transaction ends). For the few statements run per event under the store's writer lock
    (ledger appends, custody event rows), where SQLAlchemy's per-statement cost measured
    several times the statement's own; everything else goes through SQLAlchemy.

    SQLAlchemy begins a transaction or savepoint lazily, at the session's next use of its
    connection; so whenever the session's innermost transaction is not the one the cursor was
    last handed out in, the connection is asked for again, which emits it first.
    """
    current = session.get_nested_transaction() or session.get_transaction()
    found: tuple[object, RawCursor] | None = session.info.get(_RAW)
    if found is not None and found[0] is current and current is not None:
        return found[1]
    connection = session.connection()  # begins what is pending, savepoints included
    current = session.get_nested_transaction() or session.get_transaction()
    dbapi = connection.connection.dbapi_connection
    if found is not None and found[1].cursor.connection is dbapi:
        raw = found[1]
    else:
        raw = RawCursor(connection.connection.cursor(), connection.dialect)
    session.info[_RAW] = (current, raw)
    if not session.info.get(_RAW_LISTENING):
        event.listen(session, "after_transaction_end", _close_raw_cursor)
        session.info[_RAW_LISTENING] = True
    return raw


def _close_raw_cursor(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        return
    found: tuple[object, RawCursor] | None = session.info.pop(_RAW, None)
    if found is not None:
        found[1].cursor.close()


@functools.lru_cache(maxsize=64)
def raw_sql(dialect: Dialect, sql: str) -> str:
    """`sql` written with `?` placeholders, in the driver's own paramstyle."""
    if dialect.paramstyle in ("format", "pyformat"):
        return sql.replace("?", "%s")
    if dialect.paramstyle != "qmark":
        raise NotImplementedError(f"paramstyle {dialect.paramstyle}")
    return sql


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the package's migrations and at `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to call on every start)."""
    command.upgrade(alembic_config(engine), "heads")


def fetch_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Plain driver tuples of a query inside the session's transaction.

    For bulk reads into pandas: building frames from SQLAlchemy Row objects costs seconds per
    million rows, and integer and text columns need no result processing.
    """
    result = session.connection().execute(stmt)
    return list(result.cursor.fetchall())
