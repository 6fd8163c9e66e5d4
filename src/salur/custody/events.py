"""Custody events as devices submit them, their canonical form, and the log entry format.

Submission: `{"event": BODY, "signatures": [SIG, ...]}`. BODY is one of the types below
(dispatch, handover, receipt, seal_check, opening, sealed_return, incident), validated strictly:
no extra fields, no type coercion, times as `YYYY-MM-DDTHH:MM:SSZ` (UTC). Its canonical form is
the RFC 8785 (JCS) JSON of the validated body with null optional fields left out (lists are
always present); devices sign that, as `signing.signed_message` lays out. People appear only as
role, region and a pseudonym (`p-` and 32 hex digits, a keyed hash from `signing.pseudonym`),
never by name or phone number; there is no free-text field.

Log entry (schema `salur.custody/1`), the JCS JSON of:

    {"schema": "salur.custody/1",
     "event": BODY,                          # exactly the canonical body the devices signed
     "signatures": [{"party": "giver" | "receiver" | "by" | "reporter" | "witness",
                     "device": ID, "signed_at": TIME, "sig": BASE64(Ed25519)}, ...],
     "recorded": {"deadline": TIME, "late": BOOL}}   # arrivals on a hop with a deadline only

Entries salur writes itself carry no signatures (the log's checkpoint vouches for them):
- incident: `{"v": 1, "type": "incident", "source": "salur", "election", "at", "category":
  "refused" | "discrepancy" | "reconciliation", "cause": {"index": N} (the accepted event's
  leaf) or {"event_sha256": HEX, "attempt": {"event", "signatures"}} (a refused event, kept
  whole as evidence), "findings": [{"code", "package", "tps", "ballot_type", "expected",
  "found"}, ...]}`;
- device: `{"v": 1, "type": "device", "election", "at", "device": {"id", "role", "region",
  "person", "key_id", "public_key": BASE64}}`, and `device_revoked` with `{"id", "key_id"}`,
  so every signature in the log can be checked with keys the log itself published.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from salur.canonical import canonical_json
from salur.custody.states import HOPS
from salur.errors import SalurError

SCHEMA = "salur.custody/1"
VERSION = 1
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
PERSON_PATTERN = r"^p-[0-9a-f]{32}$"
DEVICE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$"
REGION_PATTERN = r"^([0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?|[0-9]{13})$"
PACKAGE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"

Timestamp = Annotated[str, Field(pattern=TIME_PATTERN)]
Region = Annotated[str, Field(pattern=REGION_PATTERN)]
HopId = Literal["warehouse_ppk", "ppk_pps", "pps_kpps", "kpps_pps", "pps_ppk", "ppk_warehouse"]
assert set(get_args(HopId)) == set(HOPS)


class EventInvalidError(SalurError):
    """A submission that is not a well-formed custody event."""

    code = "invalid_event"
    status = 400


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Party(_Strict):
    """A person in a role, in a region, by pseudonym; `device` when they sign or may sign."""

    role: str = Field(pattern=r"^[a-z][a-z0-9_]{1,19}$")
    region: Region
    person: str = Field(pattern=PERSON_PATTERN)
    device: str | None = Field(default=None, pattern=DEVICE_PATTERN)


class Destination(_Strict):
    """Where a dispatch is headed: the receiving role and its region."""

    role: str = Field(pattern=r"^[a-z][a-z0-9_]{1,19}$")
    region: Region


class Gps(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)


class BallotTally(_Strict):
    """The KPPS's count of one ballot type after voting, and the voters who used it."""

    used: int = Field(ge=0)
    unused: int = Field(ge=0)
    damaged: int = Field(ge=0)
    voters: int = Field(ge=0)


class Item(_Strict):
    """One package as seen: type, dapil and count when checked, seals intact and broken."""

    package: str = Field(pattern=PACKAGE_PATTERN)
    ballot_type: str | None = None
    dapil: str | None = None
    count: int | None = Field(default=None, ge=0)
    seals: list[int] = Field(default_factory=list)
    broken_seals: list[int] = Field(default_factory=list)
    tally: BallotTally | None = None


class _Body(_Strict):
    v: Literal[1]
    election: str = Field(pattern=r"^[a-z0-9-]+$")
    at: Timestamp
    witnesses: list[Party] = Field(default_factory=list)
    gps: Gps | None = None
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @field_validator("at")
    @classmethod
    def _real_time(cls, value: str) -> str:
        parse_time(value)
        return value

    @property
    def time(self) -> dt.datetime:
        return parse_time(self.at)


class _Packages(_Body):
    items: list[Item] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[Item]) -> list[Item]:
        ids = [item.package for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("a package is listed twice")
        return items


class DispatchBody(_Packages):
    """The holder sends packages off towards the next holder."""

    type: Literal["dispatch"]
    hop: HopId
    giver: Party
    to: Destination


class HandoverBody(_Packages):
    """A BAST: giver and receiver, in person, usually before witnesses."""

    type: Literal["handover"]
    hop: HopId
    giver: Party
    receiver: Party


class ReceiptBody(_Packages):
    """The addressee of a dispatch takes the packages."""

    type: Literal["receipt"]
    hop: HopId
    receiver: Party


class SealCheckBody(_Packages):
    """The holder checks the seals of packages it holds."""

    type: Literal["seal_check"]
    by: Party


class OpeningBody(_Packages):
    """KPPS open packages at the TPS on voting day, counting what is inside."""

    type: Literal["opening"]
    by: Party


class SealedReturnBody(_Packages):
    """KPPS seal the kotak again after counting: new seals and each ballot type's tally."""

    type: Literal["sealed_return"]
    by: Party


class ReportedIncidentBody(_Body):
    """Something that went wrong, reported from a device (flood, damage, loss, ...)."""

    type: Literal["incident"]
    reporter: Party
    category: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")
    items: list[Item] = Field(default_factory=list)


Body = Annotated[
    DispatchBody
    | HandoverBody
    | ReceiptBody
    | SealCheckBody
    | OpeningBody
    | SealedReturnBody
    | ReportedIncidentBody,
    Field(discriminator="type"),
]
PackageBody = (
    DispatchBody | HandoverBody | ReceiptBody | SealCheckBody | OpeningBody | SealedReturnBody
)


class Signature(_Strict):
    """One device's signature over the canonical body (see `signing.signed_message`)."""

    party: Literal["giver", "receiver", "by", "reporter", "witness"]
    device: str = Field(pattern=DEVICE_PATTERN)
    signed_at: Timestamp
    sig: str = Field(min_length=1, max_length=200)


class Submission(_Strict):
    """What a device (or the sync layer) hands in: one event and its signatures."""

    event: Body
    signatures: list[Signature] = Field(default_factory=list)


_SUBMISSION = TypeAdapter(Submission)


@functools.lru_cache(maxsize=4096)
def parse_time(value: str) -> dt.datetime:
    """A `YYYY-MM-DDTHH:MM:SSZ` string as a UTC-aware datetime (remembered: `strptime` is slow,
    and an event's time is read at every check, for every event of a batch)."""
    try:
        return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValueError(f"{value!r} is not a UTC time like 2024-02-13T09:30:00Z") from None


def format_time(at: dt.datetime) -> str:
    """The canonical text of a UTC-aware time, whole seconds."""
    if at.tzinfo is None:
        raise ValueError("custody times are UTC-aware")
    return at.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_submission(data: bytes | str | Mapping[str, Any]) -> Submission:
    """Validate a submission; EventInvalidError names the first bad field."""
    try:
        if isinstance(data, bytes | str):
            return _SUBMISSION.validate_json(data)
        return _SUBMISSION.validate_python(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise EventInvalidError("custody.event_invalid", field=field, reason=first["msg"]) from None


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes."""
    return canonical_json(value)


def body_dict(body: BaseModel) -> dict[str, Any]:
    """The body as plain JSON values, null optional fields left out: what gets signed."""
    return body.model_dump(mode="json", exclude_none=True)


def body_sha256(body: Mapping[str, Any] | bytes) -> str:
    """Hex SHA-256 of the canonical body (given as JSON values, or as its canonical bytes): the
    event's identity for duplicate submissions."""
    data = body if isinstance(body, bytes) else canonical(body)
    return hashlib.sha256(data).hexdigest()


def compose(members: Mapping[str, bytes]) -> bytes:
    """RFC 8785 bytes of a JSON object whose member values are given already canonical.

    Written here rather than found in a library because it is what makes large events cheap:
    RFC 8785 serialises each member value on its own and orders members by the UTF-16 code
    units of their names (section 3.2.3), so an object built from canonical values is itself
    canonical. A handover of a hundred kits is then canonicalised once, not once per signature
    and once more for its log entry (a property test checks this against the library).
    """
    names = sorted(members, key=lambda name: name.encode("utf-16-be"))
    return b"{" + b",".join(canonical(name) + b":" + members[name] for name in names) + b"}"


def entry_payload(
    body: Mapping[str, Any],
    signatures: list[dict[str, Any]] | None = None,
    recorded: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The log entry of one event (canonicalised by the ledger on append)."""
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "event": dict(body),
        "signatures": list(signatures or []),
    }
    if recorded:
        payload["recorded"] = dict(recorded)
    return payload


def entry_bytes(
    body: bytes,
    signatures: list[dict[str, Any]],
    recorded: Mapping[str, Any] | None = None,
) -> bytes:
    """`entry_payload` as the canonical bytes the log commits to, from the canonical body."""
    members = {"schema": canonical(SCHEMA), "event": body, "signatures": canonical(signatures)}
    if recorded:
        members["recorded"] = canonical(recorded)
    return compose(members)


def parse_entry(entry: bytes) -> dict[str, Any]:
    """A logged custody entry back as JSON values; refuses other schemas."""
    payload = json.loads(entry)
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA:
        raise EventInvalidError("custody.entry_not_custody")
    return payload
