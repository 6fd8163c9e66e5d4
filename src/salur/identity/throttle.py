"""Login throttling: after too many failed logins in a window, further attempts wait.

Counted per username (guessing one account's password) and per client address (trying many
accounts). The window slides: an attempt is allowed again once the oldest failure that made the
count reach the limit has left the window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `failures` failed logins per `window`."""

    failures: int
    window: dt.timedelta


PER_USERNAME = Limit(5, dt.timedelta(minutes=15))
PER_ADDRESS = Limit(50, dt.timedelta(minutes=15))


def retry_after(failures: Sequence[dt.datetime], now: dt.datetime, limit: Limit) -> int | None:
    """Seconds until another attempt is allowed, or None if one is allowed now.

    `failures` are the failed attempts (any order); those older than the window do not count.
    """
    recent = sorted(at for at in failures if now - at < limit.window)
    if len(recent) < limit.failures:
        return None
    oldest_counted = recent[-limit.failures]
    return max(1, math.ceil((oldest_counted + limit.window - now).total_seconds()))
