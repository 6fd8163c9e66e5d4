"""One write transaction at a time on a SQLite store, across the threads and the worker processes
of a server, queued in the kernel instead of polling SQLite's busy handler.

SQLite has a single writer. A second writer that finds the lock taken sleeps in SQLite's busy
handler (1, 2, 5, 10 ... 100 ms steps) and tries again, so under load most of its latency is
sleep. Here each writer first takes a thread lock (the threads of one process) and then an
exclusive `flock` on a file beside the database (the processes of `salur serve --workers N`);
the kernel wakes the next waiter the moment the holder lets go. Written here rather than taken
from a library because `filelock` and `fasteners` poll with sleeps too, which is what this
avoids. PostgreSQL locks rows, so there the lock is a no-op.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

try:
    import fcntl
except ImportError:  # not POSIX: the thread lock alone, SQLite's busy handler across processes
    fcntl = None  # type: ignore[assignment]

SUFFIX = "-writer.lock"


class WriterLock:
    """The writer lock of one SQLite database file (or of an in-memory one: threads only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._threads:
            fd = self._file()
            if fd is None:
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self) -> int | None:
        """The lock file, opened once per process (a forked child opens its own: a shared open
        file would hold one lock for both)."""
        if self.path is None or fcntl is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


_LOCKS: dict[str, WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


def writer_lock(engine: Engine) -> WriterLock | None:
    """The writer lock of the engine's SQLite store (one per file per process); None on a
    database that locks rows itself."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    key = f"{id(engine)}:memory" if in_memory else str(Path(database).resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            path = None if in_memory else Path(f"{key}{SUFFIX}")
            lock = _LOCKS[key] = WriterLock(path)
    return lock


@contextmanager
def writing(engine: Engine) -> Iterator[None]:
    """Hold the store's writer lock (SQLite) for one write transaction; nothing elsewhere."""
    lock = writer_lock(engine)
    if lock is None:
        yield
        return
    with lock.hold():
        yield
