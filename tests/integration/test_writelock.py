"""The store's writer lock: one holder at a time among the threads of a process and among the
processes of a server on one SQLite file; nothing to hold on PostgreSQL."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine

from salur.db import make_engine
from salur.writelock import writer_lock, writing
from tests.conftest import POSTGRES_URL

ROUNDS = 6


def _hold_and_note(database: str, journal: str, who: str) -> None:
    """Hold the lock ROUNDS times, noting when each hold began and ended."""
    engine = make_engine(f"sqlite:///{database}")
    for _ in range(ROUNDS):
        with writing(engine):
            began = time.monotonic()
            time.sleep(0.02)
            ended = time.monotonic()
        with Path(journal).open("a", encoding="utf-8") as f:
            f.write(f"{who} {began} {ended}\n")


def _overlaps(journal: Path) -> list[tuple[str, str]]:
    spans = sorted(
        (float(began), float(ended), who)
        for who, began, ended in (line.split() for line in journal.read_text().splitlines())
    )
    return [(a[2], b[2]) for a, b in itertools.pairwise(spans) if b[0] < a[1]]


def test_worker_processes_on_one_sqlite_file_hold_the_lock_one_at_a_time(tmp_path: Path) -> None:
    """Three processes (as `salur serve --workers 3`) never write at the same time."""
    database, journal = tmp_path / "salur.sqlite", tmp_path / "holds.txt"
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=_hold_and_note, args=(str(database), str(journal), f"p{n}"))
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert len(journal.read_text().splitlines()) == 3 * ROUNDS
    assert _overlaps(journal) == []


def test_threads_of_one_process_hold_the_lock_one_at_a_time(tmp_path: Path) -> None:
    """The threads a server uploads in queue behind each other too."""
    journal = tmp_path / "holds.txt"
    threads = [
        threading.Thread(
            target=_hold_and_note, args=(str(tmp_path / "salur.sqlite"), str(journal), f"t{n}")
        )
        for n in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(journal.read_text().splitlines()) == 3 * ROUNDS
    assert _overlaps(journal) == []


def test_one_file_has_one_lock_and_another_file_its_own(tmp_path: Path) -> None:
    """Engines on the same file share the lock (by resolved path); PostgreSQL has none."""
    first = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    again = make_engine(f"sqlite:///{tmp_path / '.' / 'a.sqlite'}")
    other = make_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    assert writer_lock(first) is writer_lock(again)
    assert writer_lock(first) is not writer_lock(other)
    assert writer_lock(create_engine(POSTGRES_URL)) is None
