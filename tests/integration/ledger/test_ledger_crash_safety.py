"""A writer killed at random moments never leaves an event without its leaf, or the reverse."""

from __future__ import annotations

import multiprocessing
import random
import signal
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from tests.integration.ledger.conftest import ORIGIN, LogStore
from tests.integration.ledger.crash_appender import append_forever
from tests.integration.ledger.invariants import check_events_match_entries, check_log

KILLS = 5


def _child(url: str, keys: str, seed: int, committed: Synchronized[int]) -> None:
    def report(count: int) -> None:
        committed.value = count

    append_forever(url, ORIGIN, Path(keys), seed, report)


def run_until_killed(store: LogStore, seed: int, delay: float) -> None:
    """Fork a real writer process, let it commit once, wait `delay` s, then SIGKILL it.

    Forked rather than spawned so it starts in milliseconds instead of re-importing for seconds;
    it opens its own engine and never touches the parent's connections.
    """
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    committed = context.Value("i", 0)
    child = context.Process(target=_child, args=(url, str(store.keys), seed, committed))
    child.start()
    deadline = time.monotonic() + 30
    while committed.value < 1:
        assert child.is_alive(), f"the writer died with exit code {child.exitcode}"
        assert time.monotonic() < deadline, "the writer never committed"
        time.sleep(0.005)
    time.sleep(delay)
    assert child.pid is not None
    child.kill()  # SIGKILL: no cleanup, no rollback, no flush
    child.join()
    assert child.exitcode == -signal.SIGKILL


def test_sigkill_mid_write_leaves_entries_leaves_nodes_and_events_consistent(
    log_store: LogStore,
) -> None:
    """After each of several SIGKILLs: entries == leaves == events, roots and proofs agree."""
    rng = random.Random(9162)
    sizes = []
    for seed in range(KILLS):
        run_until_killed(log_store, seed, rng.uniform(0.02, 0.3))
        size = check_log(log_store.engine, log_store.log)
        assert check_events_match_entries(log_store.engine, log_store.log) == size
        sizes.append(size)
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0] > 0
