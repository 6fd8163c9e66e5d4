"""Device signatures on custody events, and the pseudonyms that stand for people in the log.

Each party signs with the Ed25519 key of a device registered to them (role, region scope,
pseudonym). The signed message binds the party and the signing time to the canonical body:

    b"salur.custody/1 signature\\n" || JCS({"device", "event": BODY, "party", "signed_at"})

so a signature cannot be moved to another event, another party or another time. Device keys
use the signed-note key format of the ledger (`PRIVATE+KEY+<device id>+...`), and a device's
key ID is the note key ID of its id and public key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nacl.bindings import crypto_core_ed25519_is_valid_point
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from salur.custody.events import (
    PackageBody,
    Party,
    ReportedIncidentBody,
    Signature,
    body_dict,
    canonical,
    compose,
    format_time,
    parse_time,
)
from salur.errors import SalurError
from salur.ledger.keys import ED25519_SIGNATURE_SIZE, NOTE_ED25519, Ed25519Signer
from salur.ledger.note import compute_key_id

SIGNING_CONTEXT = b"salur.custody/1 signature\n"
# Which parties must sign each kind of event (witnesses may add their own signatures).
REQUIRED_SIGNERS: dict[str, tuple[str, ...]] = {
    "dispatch": ("giver",),
    "handover": ("giver", "receiver"),
    "receipt": ("receiver",),
    "seal_check": ("by",),
    "opening": ("by",),
    "sealed_return": ("by",),
    "incident": ("reporter",),
}


class SignatureRejectedError(SalurError):
    """A signature is missing, forged, or made with a device that may not sign for the party."""

    code = "signature_rejected"
    status = 403


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """A registered device: its holder's role, the region it may act in, their pseudonym."""

    device_id: str
    role: str
    region: str
    person: str
    public_key: bytes
    revoked_at: dt.datetime | None = None

    @property
    def key_id(self) -> str:
        return device_key_id(self.device_id, self.public_key)


def device_key_id(device_id: str, public_key: bytes) -> str:
    """The 8-hex-digit key ID printed on the BAST (the signed-note key ID)."""
    return compute_key_id(device_id, NOTE_ED25519, public_key).hex()


def pseudonym(secret: bytes, identity: str) -> str:
    """A person's stable pseudonym: `p-` and 128 bits of HMAC-SHA256(secret, identity).

    `identity` is whatever the office identifies the person by (NIK, staff number); without
    the secret, nobody can test a guess of it against the log.
    """
    if len(secret) < 16:
        raise ValueError("the pseudonym secret needs at least 16 bytes")
    normal = unicodedata.normalize("NFC", identity).strip().casefold()
    return "p-" + hmac.new(secret, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def within(region: str, scope: str) -> bool:
    """Whether `region` lies in `scope` (dotted codes and 13-digit TPS codes, compared as
    digits: every level of Kemendagri/KPU codes has a fixed width)."""
    return region.replace(".", "").startswith(scope.replace(".", ""))


def signed_message(
    body: Mapping[str, Any] | bytes, *, party: str, device: str, signed_at: str
) -> bytes:
    """The exact bytes a device signs for one party of one event: the context line, then the
    canonical JSON of {device, event, party, signed_at}. `body` may be given as its canonical
    bytes, so an event with several signatures is canonicalised once."""
    event = body if isinstance(body, bytes) else canonical(body)
    bound = {
        "device": canonical(device),
        "event": event,
        "party": canonical(party),
        "signed_at": canonical(signed_at),
    }
    return SIGNING_CONTEXT + compose(bound)


def sign(
    signer: Ed25519Signer, body: Mapping[str, Any], party: str, at: dt.datetime
) -> dict[str, Any]:
    """A signature entry for `body` by the device whose key `signer` holds."""
    signed_at = format_time(at)
    message = signed_message(body, party=party, device=signer.name, signed_at=signed_at)
    return {
        "party": party,
        "device": signer.name,
        "signed_at": signed_at,
        "sig": base64.b64encode(signer.sign(message)).decode("ascii"),
    }


Verified = tuple[str, str, str, str, bytes]
"""A signature found good: (party, device, signed_at, sig, the device's public key)."""


def verify_ahead(
    signatures: list[Signature], devices: Mapping[str, DeviceKey], canonical_body: bytes
) -> frozenset[Verified]:
    """The signatures that verify under their device's key as `devices` has it, checked ahead of
    `check_signatures` (outside the write lock: Ed25519 is most of a handover's CPU). Nothing is
    refused here; `check_signatures` then checks the devices themselves and verifies whatever
    this did not vouch for under the very same key."""
    good = set()
    for signature in signatures:
        key = devices.get(signature.device)
        if key is None:
            continue
        message = signed_message(
            canonical_body,
            party=signature.party,
            device=signature.device,
            signed_at=signature.signed_at,
        )
        if _verifies(key, message, signature.sig):
            good.add(_verified(signature, key))
    return frozenset(good)


def check_signatures(
    body: PackageBody | ReportedIncidentBody,
    signatures: list[Signature],
    devices: Mapping[str, DeviceKey],
    canonical_body: bytes | None = None,
    verified: frozenset[Verified] = frozenset(),
) -> None:
    """Refuse unless every required party signed with a device registered to them, and every
    signature given (witnesses' too) verifies. `canonical_body`: the body's canonical bytes,
    when the caller has them already; `verified`: signatures `verify_ahead` found good."""
    data = canonical_body if canonical_body is not None else canonical(body_dict(body))
    signed: set[str] = set()
    for signature in signatures:
        party = _party_of(body, signature)
        key = devices.get(signature.device)
        _check_device(key, party, signature.device, body.time)
        assert key is not None
        if _verified(signature, key) not in verified:
            message = signed_message(
                data, party=signature.party, device=signature.device, signed_at=signature.signed_at
            )
            if not _verifies(key, message, signature.sig):
                raise SignatureRejectedError(
                    "custody.signature_invalid", party=signature.party, device=signature.device
                )
        who = f"{signature.party}:{signature.device}"
        if who in signed:
            raise SignatureRejectedError(
                "custody.signature_twice", party=signature.party, device=signature.device
            )
        signed.add(who)
    for role in REQUIRED_SIGNERS[body.type]:
        party = getattr(body, role)
        if party.device is None or f"{role}:{party.device}" not in signed:
            raise SignatureRejectedError("custody.signature_missing", party=role)


def _verified(signature: Signature, key: DeviceKey) -> Verified:
    return (signature.party, signature.device, signature.signed_at, signature.sig, key.public_key)


def _party_of(body: PackageBody | ReportedIncidentBody, signature: Signature) -> Party:
    if signature.party == "witness":
        for witness in body.witnesses:
            if witness.device == signature.device:
                return witness
    else:
        party = getattr(body, signature.party, None)
        if isinstance(party, Party) and party.device == signature.device:
            return party
    raise SignatureRejectedError(
        "custody.signature_no_party", party=signature.party, device=signature.device
    )


def _check_device(key: DeviceKey | None, party: Party, device: str, at: dt.datetime) -> None:
    if key is None:
        raise SignatureRejectedError("custody.device_unknown", device=device)
    if key.revoked_at is not None and key.revoked_at <= at:
        raise SignatureRejectedError("custody.device_revoked", device=device)
    if key.role != party.role:
        raise SignatureRejectedError(
            "custody.device_wrong_role", device=device, role=key.role, party_role=party.role
        )
    if not within(party.region, key.region):
        raise SignatureRejectedError(
            "custody.device_out_of_scope", device=device, scope=key.region, region=party.region
        )
    if key.person != party.person:
        raise SignatureRejectedError("custody.device_other_person", device=device)


def _verifies(key: DeviceKey, message: bytes, sig: str) -> bool:
    try:
        raw = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != ED25519_SIGNATURE_SIZE:
        return False
    try:
        _verifier(key.public_key).verify(message, raw)
    except BadSignatureError:
        return False
    return True


def usable_key(public_key: bytes) -> bool:
    """Whether an Ed25519 public key can stand for one device: a canonical point of large
    order (a small-order key would let one signature pass for every message)."""
    return len(public_key) == 32 and crypto_core_ed25519_is_valid_point(public_key)


@functools.lru_cache(maxsize=4096)
def _verifier(public_key: bytes) -> VerifyKey:
    """A device's key, loaded once (a busy PPK signs hundreds of events).

    Device signatures are checked with libsodium (PyNaCl) rather than OpenSSL: it verifies in
    about half the time and lets go of the GIL meanwhile, and a synced batch is two signatures
    per handover. It is also the stricter of the two (small-order keys, non-canonical points),
    so what it accepts any RFC 8032 verifier accepts too.
    """
    return VerifyKey(public_key)


def signature_time(signature: Mapping[str, Any]) -> dt.datetime:
    """When a logged signature says it was made."""
    return parse_time(str(signature["signed_at"]))
