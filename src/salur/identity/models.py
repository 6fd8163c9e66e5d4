"""Tables of identity: users, their session and bearer tokens, the devices they registered,
login attempts (for throttling) and the denial log.

Names and phone numbers live only in `identity_user` and never leave it through a public
route. Tokens are stored as SHA-256 digests. Denials are append-only (the migration adds
triggers refusing UPDATE and DELETE).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salur.custody import models as _custody  # noqa: F401  (the devices users own)
from salur.db import Base, UtcDateTime


class User(Base):
    """A person who signs in: one role, one region scope (a code prefix)."""

    __tablename__ = "identity_user"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    name: Mapped[str] = mapped_column(Text)  # personal data: never public
    phone: Mapped[str | None] = mapped_column(String(32))  # personal data: never public
    person: Mapped[str] = mapped_column(String(64))  # the pseudonym devices sign for
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class UserToken(Base):
    """A web session (cookie) or a device's bearer token, by the digest of its secret."""

    __tablename__ = "identity_token"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # cookie | bearer
    device_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class UserDevice(Base):
    """Which user registered a signing device: only they may upload through it."""

    __tablename__ = "identity_device"

    device_id: Mapped[str] = mapped_column(ForeignKey("custody_device.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LoginAttempt(Base):
    """One login attempt, kept a day for throttling (by username and by client address)."""

    __tablename__ = "identity_login_attempt"
    __table_args__ = (
        Index("ix_identity_login_attempt_username_at", "username", "at"),
        Index("ix_identity_login_attempt_address_at", "address", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class Denial(Base):
    """A request refused by the access rules: who, what, where and why (append-only)."""

    __tablename__ = "identity_denial"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    scope: Mapped[str | None] = mapped_column(String(13))
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(Text)  # the route's path template
    path: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(13))
    reason: Mapped[str] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(64))
