"""Use cases of signing devices: register one to a pseudonymous person in a role and region
scope, and revoke it. Both are logged, so every signature in the log can be checked against a
key the log itself published."""

from __future__ import annotations

import base64
import datetime as dt
import re

from salur.custody import repository as repo
from salur.custody.config import CustodyRules, load_rules
from salur.custody.entries import append_event, province_log
from salur.custody.events import (
    DEVICE_PATTERN,
    EventInvalidError,
    Party,
    body_sha256,
    entry_payload,
    format_time,
)
from salur.custody.models import CustodyDevice
from salur.custody.signing import device_key_id, usable_key
from salur.errors import ConflictError, NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger.keys import Ed25519Verifier
from salur.uow import UnitOfWork


def register_device(
    uow: UnitOfWork,
    vkey: str,
    *,
    role: str,
    region: str,
    person: str,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> CustodyDevice:
    """Register the device whose verifier key is `vkey` (its name is the device id); commits."""
    rules = rules or load_rules()
    now = now or dt.datetime.now(dt.UTC)
    try:
        verifier = Ed25519Verifier.from_vkey(vkey.strip())
    except ValueError:
        raise EventInvalidError("custody.device_bad_key") from None
    if not usable_key(verifier.public_key):
        raise EventInvalidError("custody.device_bad_key")
    _check_identity(verifier.name, role, region, person, rules)
    s = uow.session
    log = province_log(s, rules, region.replace(".", "")[:2])
    ledger_repo.lock_log(s, log.id)
    if repo.device(s, verifier.name) is not None:
        raise ConflictError("custody.device_exists", device=verifier.name)
    key_id = device_key_id(verifier.name, verifier.public_key)
    body = {
        "v": 1,
        "type": "device",
        "election": rules.election.election,
        "at": format_time(now),
        "device": {
            "id": verifier.name,
            "role": role,
            "region": region,
            "person": person,
            "key_id": key_id,
            "public_key": base64.b64encode(verifier.public_key).decode("ascii"),
        },
    }
    sha = body_sha256(body)
    event = append_event(s, log, entry_payload(body), kind="device", sha=sha, at=now, now=now)
    device = CustodyDevice(
        id=verifier.name,
        role=role,
        region_code=region,
        person=person,
        public_key=verifier.public_key,
        key_id=key_id,
        registered_at=now,
        revoked_at=None,
        event_id=event.id,
    )
    repo.add(s, device)
    uow.commit()
    return device


def revoke_device(
    uow: UnitOfWork,
    device_id: str,
    *,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> CustodyDevice:
    """Stop accepting signatures the device makes from now on (lost, stolen, handed back)."""
    rules = rules or load_rules()
    now = now or dt.datetime.now(dt.UTC)
    s = uow.session
    device = repo.device(s, device_id)
    if device is None:
        raise NotFoundError("custody.device_unknown", device=device_id)
    log = province_log(s, rules, device.region_code.replace(".", "")[:2])
    ledger_repo.lock_log(s, log.id)
    if device.revoked_at is not None:
        return device
    body = {
        "v": 1,
        "type": "device_revoked",
        "election": rules.election.election,
        "at": format_time(now),
        "device": {"id": device.id, "key_id": device.key_id},
    }
    sha = body_sha256(body)
    append_event(s, log, entry_payload(body), kind="device_revoked", sha=sha, at=now, now=now)
    device.revoked_at = now
    uow.commit()
    return device


def _check_identity(
    device_id: str, role: str, region: str, person: str, rules: CustodyRules
) -> None:
    if not re.fullmatch(DEVICE_PATTERN, device_id):
        raise EventInvalidError("custody.device_bad_id", device=device_id)
    if role not in rules.election.roles:
        raise EventInvalidError("custody.unknown_role", role=role)
    try:
        Party(role=role, region=region, person=person)
    except ValueError as exc:
        raise EventInvalidError(
            "custody.device_bad_identity", reason=str(exc).splitlines()[0]
        ) from None
