"""Fixtures of the ledger integration tests: a store with one log, its key folder, test events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from salur.ledger import service
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork
from tests.integration.ledger.crash_appender import EVENTS

ORIGIN = "salur.kpu.go.id/pemilu-2024/14"


@dataclass(frozen=True)
class LogStore:
    """A migrated store holding one empty log, the folder of its key and its backend name."""

    engine: Engine
    log: LedgerLog
    keys: Path

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


@pytest.fixture
def log_store(empty_store: Engine, tmp_path: Path) -> Iterator[LogStore]:
    """An empty log for Riau's Pemilu 2024 on each backend, plus a test custody-event table."""
    EVENTS.metadata.create_all(empty_store)
    keys = tmp_path / "keys"
    with UnitOfWork(empty_store) as uow:
        log = service.create_log(uow, election="pemilu-2024", province_code="14", keys=keys)
    yield LogStore(empty_store, log, keys)


def handover(i: int) -> dict[str, object]:
    """A small custody event payload."""
    return {"event": "serah-terima", "kotak": f"14.05.{i:04d}", "dari": "PPK", "ke": "PPS", "n": i}


def append_many(store: LogStore, count: int, *, per_transaction: int = 1000) -> list[bytes]:
    """Append `count` handovers; return their leaf hashes in order."""
    leaves: list[bytes] = []
    while len(leaves) < count:
        with UnitOfWork(store.engine) as uow:
            for _ in range(min(per_transaction, count - len(leaves))):
                _, leaf = service.append_entry(uow.session, store.log, handover(len(leaves)))
                leaves.append(leaf)
            uow.commit()
    return leaves


def drop_guards(engine: Engine) -> None:
    """Remove the append-only triggers, as a database administrator with DDL rights could."""
    with engine.begin() as conn:
        for table in ("ledger_entry", "ledger_node", "ledger_checkpoint"):
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
            else:
                for action in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER {table}_append_only_{action}"))
