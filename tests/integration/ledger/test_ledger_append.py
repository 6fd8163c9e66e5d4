"""Appending to the log: exact bytes, one transaction with the event, one writer at a time."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from salur.ledger import repository as repo
from salur.ledger import service
from salur.ledger.merkle import hash_leaf
from salur.uow import UnitOfWork
from tests.integration.ledger.conftest import LogStore, append_many, handover
from tests.integration.ledger.crash_appender import EVENTS
from tests.integration.ledger.invariants import check_log


def counts(store: LogStore) -> tuple[int, int, int, int]:
    """(log size, entries, leaves, test events) as committed."""
    with Session(store.engine) as session:
        log_id = store.log.id
        events = session.scalar(select(func.count()).select_from(EVENTS))
        return (
            repo.log_size(session, log_id),
            repo.count_entries(session, log_id),
            repo.count_nodes(session, log_id, level=0),
            int(events or 0),
        )


def test_the_entry_is_the_rfc8785_canonical_json_of_the_payload(log_store: LogStore) -> None:
    """Keys sorted, no whitespace, UTF-8 kept: the bytes anyone can recompute from the event."""
    payload = {"ke": "PPS Rupat", "dari": "PPK", "kotak": 5, "catatan": "segel utuh ✓"}
    with UnitOfWork(log_store.engine) as uow:
        index, leaf = service.append_entry(uow.session, log_store.log, payload)
        uow.commit()
    with Session(log_store.engine) as session:
        stored = service.entry_bytes(session, log_store.log, index)
    expected = '{"catatan":"segel utuh ✓","dari":"PPK","ke":"PPS Rupat","kotak":5}'.encode()
    assert (index, stored, leaf) == (0, expected, hash_leaf(expected))


def test_entries_keep_their_utc_time_on_both_backends(log_store: LogStore) -> None:
    """created_at round-trips as the same UTC instant (SQLite hands it back naive, in UTC)."""
    at = dt.datetime(2024, 2, 13, 23, 59, 30, 250_000, tzinfo=dt.UTC)
    with UnitOfWork(log_store.engine) as uow:
        service.append_entry(uow.session, log_store.log, handover(0), now=at)
        uow.commit()
    with Session(log_store.engine) as session:
        entry = repo.entry_at(session, log_store.log.id, 0)
        assert entry is not None
        stored = entry.created_at
    assert (stored if stored.tzinfo else stored.replace(tzinfo=dt.UTC)) == at


def test_an_event_and_its_leaf_commit_together(log_store: LogStore) -> None:
    """The caller's event and the appended entry, leaf and nodes appear in one commit."""
    with UnitOfWork(log_store.engine) as uow:
        for i in range(3):
            index, _ = service.append_entry(uow.session, log_store.log, handover(i))
            uow.session.execute(insert(EVENTS).values(log_index=index, payload="{}"))
        assert counts(log_store) == (0, 0, 0, 0)  # append_entry never commits
        uow.commit()
    assert counts(log_store) == (3, 3, 3, 3)


def test_a_failed_use_case_leaves_neither_event_nor_entry(log_store: LogStore) -> None:
    """An error after the append rolls back the event, the entry, its leaf and the log size."""
    append_many(log_store, 2)
    with pytest.raises(RuntimeError), UnitOfWork(log_store.engine) as uow:
        index, _ = service.append_entry(uow.session, log_store.log, handover(9))
        uow.session.execute(insert(EVENTS).values(log_index=index, payload="{}"))
        raise RuntimeError("the handover was refused after logging")
    assert counts(log_store) == (2, 2, 2, 0)
    with UnitOfWork(log_store.engine) as uow:
        assert service.append_entry(uow.session, log_store.log, handover(2))[0] == 2


def test_a_rolled_back_savepoint_does_not_poison_the_next_append(log_store: LogStore) -> None:
    """The per-transaction frontier cache is dropped when a savepoint rolls back."""
    with UnitOfWork(log_store.engine) as uow:
        service.append_entry(uow.session, log_store.log, handover(0))
        savepoint = uow.session.begin_nested()
        service.append_entry(uow.session, log_store.log, {"dibatalkan": True})
        savepoint.rollback()
        service.append_entry(uow.session, log_store.log, handover(1))
        uow.commit()
    assert check_log(log_store.engine, log_store.log) == 2
    with Session(log_store.engine) as session:
        stored = [hash_leaf(e) for _, e in repo.entries_between(session, log_store.log.id, 0, 2)]
    assert stored == [hash_leaf(service.canonical_entry(handover(i))) for i in range(2)]


def test_appends_in_released_savepoints_build_one_valid_tree(log_store: LogStore) -> None:
    """The frontier survives released savepoints (a batch's events), and a rollback between
    them still drops it."""
    with UnitOfWork(log_store.engine) as uow:
        for i in range(5):
            with uow.session.begin_nested():
                service.append_entry(uow.session, log_store.log, handover(i))
            if i == 2:
                savepoint = uow.session.begin_nested()
                service.append_entry(uow.session, log_store.log, {"dibatalkan": True})
                savepoint.rollback()
        uow.commit()
    assert check_log(log_store.engine, log_store.log) == 5
    with Session(log_store.engine) as session:
        stored = [hash_leaf(e) for _, e in repo.entries_between(session, log_store.log.id, 0, 5)]
    assert stored == [hash_leaf(service.canonical_entry(handover(i))) for i in range(5)]


def test_two_concurrent_writers_get_distinct_gapless_indices(log_store: LogStore) -> None:
    """2 threads x 150 one-append transactions: 300 entries, no gap, no duplicate, valid tree.

    Every other transaction reads first, as a use case checking a kit's state would."""
    per_writer = 150

    def write(writer: int) -> list[int]:
        indices = []
        for i in range(per_writer):
            with UnitOfWork(log_store.engine) as uow:
                if i % 2:
                    repo.count_entries(uow.session, log_store.log.id)
                index, _ = service.append_entry(uow.session, log_store.log, {"w": writer, "i": i})
                uow.session.execute(insert(EVENTS).values(log_index=index, payload="{}"))
                uow.commit()
            indices.append(index)
        return indices

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(write, range(2)))
    assert sorted(results[0] + results[1]) == list(range(2 * per_writer))
    assert all(r == sorted(r) for r in results)
    assert check_log(log_store.engine, log_store.log) == 2 * per_writer
    assert counts(log_store)[3] == 2 * per_writer
