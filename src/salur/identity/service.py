"""Use cases of identity: add, list and disable users; sign in (with throttling) and out; find
the principal behind a token; register a user's signing device; log a denial.

Each use case taking a UnitOfWork is one transaction and commits, except `principal_for`, a read.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from salur.custody import devices as custody_devices
from salur.custody.config import CustodyRules
from salur.custody.events import PERSON_PATTERN
from salur.custody.models import CustodyDevice
from salur.errors import ConflictError, NotFoundError
from salur.geo.models import Tps
from salur.geo.repository import region_name
from salur.identity import repository as repo
from salur.identity.errors import AuthenticationError, IdentityInputError, ThrottledError
from salur.identity.models import Denial, User, UserDevice, UserToken
from salur.identity.passwords import Passwords, weak_reason
from salur.identity.principal import Principal
from salur.identity.regions import RegionLevel, is_region, level_of, within
from salur.identity.roles import DEVICE_ROLES, SCOPE_LEVELS, Role, default_device_role
from salur.identity.throttle import PER_ADDRESS, PER_USERNAME, retry_after
from salur.identity.tokens import new_token, token_digest
from salur.ledger.keys import Ed25519Verifier
from salur.uow import UnitOfWork

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
PHONE_PATTERN = r"^\+?[0-9][0-9 -]{5,19}$"
TokenKind = Literal["cookie", "bearer"]
ATTEMPTS_KEPT = dt.timedelta(days=1)


@dataclass(frozen=True)
class NewUser:
    """What `salur users add` asks for."""

    username: str
    role: str
    region: str
    name: str
    password: str
    phone: str | None = None
    person: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: the secret (shown once), its row id, and who it is for."""

    token: str
    token_id: int
    user: User
    expires_at: dt.datetime


def add_user(
    uow: UnitOfWork, new: NewUser, *, passwords: Passwords, now: dt.datetime | None = None
) -> User:
    """Add a user after checking every field against the rules and the geography; commits."""
    username = new.username.strip()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise IdentityInputError("identity.bad_username", field="username", value=username)
    role = _role(new.role)
    region = new.region.strip()
    _check_scope(uow.session, role, region)
    if not new.name.strip():
        raise IdentityInputError("identity.name_required", field="name")
    if new.phone is not None and not re.fullmatch(PHONE_PATTERN, new.phone.strip()):
        raise IdentityInputError("identity.bad_phone", field="phone")
    person = new.person.strip() if new.person else "p-" + secrets.token_hex(16)
    if not re.fullmatch(PERSON_PATTERN, person):
        raise IdentityInputError("identity.bad_person", field="person", value=person)
    reason = weak_reason(new.password, username)
    if reason is not None:
        raise IdentityInputError(reason, field="password")
    s = uow.session
    if repo.user_by_username(s, username) is not None:
        raise ConflictError("identity.user_exists", username=username)
    user = User(
        username=username,
        role=role.value,
        region_code=region,
        name=new.name.strip(),
        phone=new.phone.strip() if new.phone else None,
        person=person,
        password_hash=passwords.hash(new.password),
        created_at=now or _now(),
        disabled_at=None,
    )
    s.add(user)
    uow.commit()
    return user


def list_users(session: Session, region: str = "") -> list[User]:
    """Users scoped at or below `region`."""
    return repo.users(session, region)


def disable_user(uow: UnitOfWork, username: str, *, now: dt.datetime | None = None) -> User:
    """Stop a user signing in and end every session and token they hold; commits."""
    now = now or _now()
    user = repo.user_by_username(uow.session, username)
    if user is None:
        raise NotFoundError("identity.user_unknown", username=username)
    if user.disabled_at is None:
        user.disabled_at = now
    repo.revoke_tokens(uow.session, user.id, now)
    uow.commit()
    return user


def sign_in(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    address: str,
    kind: TokenKind,
    lifetime: dt.timedelta,
    passwords: Passwords,
    device_id: str | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Check a password and issue a token; every attempt is kept for throttling; commits.

    An unknown user, a disabled one and a wrong password get the same answer after the same
    work, so the answer does not tell which usernames exist.
    """
    now = now or _now()
    s = uow.session
    name = username.strip()[:64]
    _refuse_if_throttled(s, name, address, now)
    user = repo.user_by_username(s, name)
    stored = user.password_hash if user is not None and user.disabled_at is None else None
    ok = passwords.verify(stored, password)
    repo.add_attempt(s, name, address, now, ok)
    if not ok or user is None:
        repo.prune_attempts(s, now - ATTEMPTS_KEPT)
        uow.commit()
        raise AuthenticationError("identity.bad_credentials")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    if device_id is not None and repo.device_owner(s, device_id) != user.id:
        uow.commit()
        raise AuthenticationError("identity.device_not_yours", device=device_id)
    token = new_token()
    row = UserToken(
        digest=token_digest(token),
        user_id=user.id,
        kind=kind,
        device_id=device_id,
        created_at=now,
        expires_at=now + lifetime,
        revoked_at=None,
    )
    s.add(row)
    s.flush()
    uow.commit()
    return IssuedToken(token, row.id, user, row.expires_at)


def _refuse_if_throttled(session: Session, username: str, address: str, now: dt.datetime) -> None:
    waits = [
        retry_after(
            repo.failures_since(session, now - PER_USERNAME.window, username=username),
            now,
            PER_USERNAME,
        ),
        retry_after(
            repo.failures_since(session, now - PER_ADDRESS.window, address=address),
            now,
            PER_ADDRESS,
        ),
    ]
    longest = max((w for w in waits if w is not None), default=None)
    if longest is not None:
        raise ThrottledError(longest)


def principal_for(
    session: Session, token: str, kind: TokenKind, now: dt.datetime | None = None
) -> Principal | None:
    """The signed-in user behind a token of this kind, or None if it is unknown, expired,
    revoked, or its user is disabled."""
    found = repo.token_with_user(session, token_digest(token))
    if found is None:
        return None
    row, user = found
    now = now or _now()
    if row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    if user.disabled_at is not None:
        return None
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        scope=user.region_code,
        token_id=row.id,
        via=kind,
    )


def sign_out(uow: UnitOfWork, token_id: int, *, now: dt.datetime | None = None) -> None:
    """Revoke one token; commits."""
    row = uow.session.get(UserToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or _now()
    uow.commit()


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    if found is None:
        raise NotFoundError("identity.user_unknown", username=str(user_id))
    return found


def devices_of(session: Session, user_id: int) -> list[CustodyDevice]:
    return repo.owned_devices(session, user_id)


def device_owner(session: Session, device_id: str) -> int | None:
    return repo.device_owner(session, device_id)


def active_device_owner(session: Session, device_id: str) -> int | None:
    """The owner of a device that is not revoked (a revoked device uploads nothing)."""
    return repo.device_owner(session, device_id, active=True)


def register_device(
    uow: UnitOfWork,
    user_id: int,
    vkey: str,
    *,
    device_role: str | None = None,
    region: str | None = None,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> CustodyDevice:
    """Register a signing device for a user, logged by custody and owned by the user; commits.

    The device signs as the user's pseudonym, in a custody role the user's role allows, in the
    user's scope or a region inside it. The ownership row commits in the same transaction as
    custody's registration and its log entry.
    """
    owner = user(uow.session, user_id)
    role = Role(owner.role)
    region = (region or owner.region_code).strip()
    if not is_region(region) or not within(region, owner.region_code):
        raise IdentityInputError("identity.device_region", field="region", scope=owner.region_code)
    chosen = device_role or default_device_role(role, level_of(owner.region_code))
    if chosen is None or chosen not in DEVICE_ROLES[role]:
        raise IdentityInputError("identity.device_role", field="role", role=role.value)
    try:
        device_id = Ed25519Verifier.from_vkey(vkey.strip()).name
    except ValueError:
        raise IdentityInputError("custody.device_bad_key", field="vkey") from None
    owning = _OwningUnitOfWork(uow, UserDevice(device_id=device_id, user_id=owner.id))
    return custody_devices.register_device(
        owning,
        vkey,
        role=chosen,
        region=region,
        person=owner.person,
        rules=rules,
        now=now or _now(),
    )


class _OwningUnitOfWork(UnitOfWork):
    """The caller's unit of work, adding the device's ownership row just before custody
    commits its registration, so both commit together (custody's use case commits itself)."""

    def __init__(self, inner: UnitOfWork, ownership: UserDevice) -> None:
        super().__init__(inner.engine)
        self._inner = inner
        self._ownership = ownership

    @property
    def session(self) -> Session:
        return self._inner.session

    def commit(self) -> None:
        self._ownership.registered_at = _now()
        self._inner.session.add(self._ownership)
        self._inner.session.flush()
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


def record_denial(engine: Engine, denial: Denial) -> None:
    """Log a denied request in a transaction of its own (the request's own rolls back)."""
    with UnitOfWork(engine) as uow:
        repo.add_denial(uow.session, denial)
        uow.commit()


def _role(value: str) -> Role:
    try:
        return Role(value.strip())
    except ValueError:
        raise IdentityInputError(
            "identity.bad_role", field="role", value=value, roles=", ".join(r.value for r in Role)
        ) from None


def _check_scope(session: Session, role: Role, region: str) -> None:
    if not is_region(region):
        raise IdentityInputError("identity.bad_region", field="region", value=region)
    level = level_of(region)
    if level not in SCOPE_LEVELS[role]:
        allowed = ", ".join(sorted(x.value for x in SCOPE_LEVELS[role]))
        raise IdentityInputError(
            "identity.scope_level", field="region", role=role.value, levels=allowed
        )
    if level is RegionLevel.TPS:
        if session.scalar(select(Tps.id).where(Tps.code == region)) is None:
            raise NotFoundError("region.unknown", code=region)
    else:
        region_name(session, region)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
