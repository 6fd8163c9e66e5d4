"""Settings of the service: cookie and token lifetimes, password hashing, sync waiting, keys.

Read from the environment by `from_environment` (what `salur serve` uses); tests build their
own, for instance with cheap Argon2 parameters.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import Parameters

from salur.identity.passwords import DEFAULT_PARAMETERS
from salur.ledger.keyfile import key_dir

SESSION_COOKIE = "salur_session"
CSRF_COOKIE = "salur_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class ServiceSettings:
    """What the service needs beyond the database."""

    key_dir: Path = field(default_factory=key_dir)  # the log keys: checkpoints are signed here
    password_parameters: Parameters = field(default_factory=lambda: DEFAULT_PARAMETERS)
    cookie_lifetime: dt.timedelta = dt.timedelta(hours=12)
    bearer_lifetime: dt.timedelta = dt.timedelta(days=30)
    cookie_secure: bool = True
    sync_wait: dt.timedelta = dt.timedelta(seconds=20)  # for a concurrent upload of the same key
    sync_lease: dt.timedelta = dt.timedelta(minutes=2)  # after which a stuck claim is taken over
    # Uploads at work at once in a server process; the rest wait in the event loop without a
    # thread. Two make a pipeline: one records under the store's writer lock while the other
    # checks signatures. More only competed for the process's GIL with the one recording:
    # with 100 devices at 600 handovers/s, p95 ~440 ms with 8 against ~240 ms with 2.
    upload_threads: int = 2
    trusted_proxies: frozenset[str] = frozenset()  # whose X-Forwarded-For names the client

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        """`SALUR_KEY_DIR`, `SALUR_COOKIE_SECURE` (1/0), `SALUR_TRUSTED_PROXIES` (comma list)
        and `SALUR_UPLOAD_THREADS` (uploads at work at once per server process)."""
        secure = os.environ.get("SALUR_COOKIE_SECURE", "1").strip() not in ("0", "false", "no")
        proxies = os.environ.get("SALUR_TRUSTED_PROXIES", "")
        threads = os.environ.get("SALUR_UPLOAD_THREADS", "").strip()
        return cls(
            upload_threads=int(threads) if threads else cls.upload_threads,
            key_dir=key_dir(),
            cookie_secure=secure,
            trusted_proxies=frozenset(p.strip() for p in proxies.split(",") if p.strip()),
        )
