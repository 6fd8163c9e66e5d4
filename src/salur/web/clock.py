"""The moment the pages describe: now, or `SALUR_CLOCK` (an ISO time) for demonstrations and
tests of a past season, so "late" and "on the road" mean what they meant then."""

from __future__ import annotations

import datetime as dt
import os


def now() -> dt.datetime:
    """`SALUR_CLOCK` if set (naive values are UTC), else the current UTC time."""
    configured = os.environ.get("SALUR_CLOCK", "").strip()
    if configured:
        moment = dt.datetime.fromisoformat(configured.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
