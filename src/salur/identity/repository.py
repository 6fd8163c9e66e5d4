"""Every query of identity: users, tokens, owned devices, login attempts and denials."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from salur.custody.models import CustodyDevice
from salur.identity.models import Denial, LoginAttempt, User, UserDevice, UserToken
from salur.identity.regions import digits


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def users(session: Session, region: str = "") -> list[User]:
    """Users whose scope lies in `region` ('' = all), by scope then username."""
    rows = session.scalars(select(User).order_by(User.region_code, User.username)).all()
    return [u for u in rows if digits(u.region_code).startswith(digits(region))]


def token_with_user(session: Session, digest: str) -> tuple[UserToken, User] | None:
    """The token with this digest and its user, whatever their state."""
    query = (
        select(UserToken, User)
        .join(User, User.id == UserToken.user_id)
        .where(UserToken.digest == digest)
    )
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])


def revoke_tokens(session: Session, user_id: int, now: dt.datetime) -> int:
    """Revoke every live token of a user; returns how many."""
    result = session.execute(
        update(UserToken)
        .where(UserToken.user_id == user_id, UserToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def owned_devices(session: Session, user_id: int) -> list[CustodyDevice]:
    query = (
        select(CustodyDevice)
        .join(UserDevice, UserDevice.device_id == CustodyDevice.id)
        .where(UserDevice.user_id == user_id)
        .order_by(CustodyDevice.registered_at, CustodyDevice.id)
    )
    return list(session.scalars(query))


def device_owner(session: Session, device_id: str, *, active: bool = False) -> int | None:
    """The user who registered a device (with `active`, only while it is not revoked)."""
    query = select(UserDevice.user_id).where(UserDevice.device_id == device_id)
    if active:
        query = query.join(CustodyDevice, CustodyDevice.id == UserDevice.device_id).where(
            CustodyDevice.revoked_at.is_(None)
        )
    return session.scalar(query)


def failures_since(
    session: Session, since: dt.datetime, *, username: str | None = None, address: str | None = None
) -> list[dt.datetime]:
    """Failed login times since `since`, for one username or one client address.

    For a username, only failures after its last successful login count.
    """
    query = select(LoginAttempt.at, LoginAttempt.succeeded).where(LoginAttempt.at >= since)
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    else:  # successes matter only to a username; an office's shared address logs in all day
        query = query.where(LoginAttempt.succeeded.is_(False))
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    rows = session.execute(query.order_by(LoginAttempt.at, LoginAttempt.id)).all()
    failures: list[dt.datetime] = []
    for at, succeeded in rows:
        if succeeded and username is not None:
            failures.clear()
        elif not succeeded:
            failures.append(at)
    return failures


def add_attempt(session: Session, username: str, address: str, at: dt.datetime, ok: bool) -> None:
    session.add(LoginAttempt(username=username, address=address, at=at, succeeded=ok))


def prune_attempts(session: Session, before: dt.datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))


def add_denial(session: Session, denial: Denial) -> None:
    session.add(denial)


def denials(session: Session, limit: int = 1000) -> Sequence[Denial]:
    """The latest denials, newest first."""
    return session.scalars(select(Denial).order_by(Denial.id.desc()).limit(limit)).all()
