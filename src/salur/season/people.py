"""The office onboards the season's officers before distribution starts: a user per officer in
the role and region scope they serve, their phone registered as a signing device (a custody
event on the log, as every registration is), and a bearer token on each uploading phone.

Simulated officers' passwords are hashed with argon2's cheapest profile: they are demo accounts
that nobody signs in with, and thousands of them at the service's RFC 9106 cost would take
minutes. A real office adds people with `salur users add` (the RFC 9106 profile).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from argon2 import profiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.identity import service as identity
from salur.identity.passwords import Passwords
from salur.season.field import Officer
from salur.uow import UnitOfWork

# Custody role of an officer -> the user role that holds such a phone.
USER_ROLE = {
    "kpu_kab": "kpu_regency",
    "ppk": "ppk",
    "pps": "pps",
    "kpps": "kpps",
    "polisi": "police_escort",
    "bawaslu_kab": "bawaslu",
    "panwascam": "bawaslu",
    "pkd": "bawaslu",
}
TOKEN_LIFETIME = dt.timedelta(days=60)


class _Deferred(UnitOfWork):
    """The caller's transaction under the use cases' own `commit()` calls: they flush, and
    the whole onboarding commits once (thousands of registrations, one disk flush)."""

    def __init__(self, inner: UnitOfWork) -> None:
        super().__init__(inner.engine)
        self._inner = inner

    @property
    def session(self) -> Session:
        return self._inner.session

    def commit(self) -> None:
        self._inner.session.flush()

    def rollback(self) -> None:
        self._inner.rollback()


def password_of(seed: int, officer: Officer) -> str:
    """A demo officer's password, derived from the season's seed (printed nowhere)."""
    return hashlib.sha256(b"%d:%s" % (seed, officer.device.encode())).hexdigest()[:20]


def onboard(
    engine: Engine,
    officers: Iterable[Officer],
    uploaders: set[str],
    seed: int,
    rules: CustodyRules,
    now: dt.datetime,
) -> dict[str, str]:
    """Add a user and a device per officer (registered at `now`, the season's time), and sign
    in the uploading phones (tokens issued at the real time, or they would be expired);
    returns device -> bearer token. One transaction: all onboarded or none."""
    issued_at = dt.datetime.now(dt.UTC)
    passwords = Passwords(profiles.CHEAPEST)
    tokens: dict[str, str] = {}
    with UnitOfWork(engine) as outer:
        uow = _Deferred(outer)
        for officer in officers:
            role = USER_ROLE.get(officer.role)
            if role is None:
                continue  # named on the BAST, signs on paper
            username = officer.device
            password = password_of(seed, officer)
            new = identity.NewUser(
                username=username,
                role=role,
                region=officer.region,
                name=f"{officer.role.upper()} {officer.region} (simulasi)",
                password=password,
                person=officer.person,
            )
            user = identity.add_user(uow, new, passwords=passwords, now=now)
            identity.register_device(
                uow,
                user.id,
                officer.signer.verifier().vkey,
                device_role=officer.role,
                region=officer.region,
                rules=rules,
                now=now,
            )
            if officer.device in uploaders:
                issued = identity.sign_in(
                    uow,
                    username,
                    password,
                    address="127.0.0.1",
                    kind="bearer",
                    lifetime=TOKEN_LIFETIME,
                    passwords=passwords,
                    device_id=officer.device,
                    now=issued_at,
                )
                tokens[officer.device] = issued.token
        outer.commit()
    return tokens
