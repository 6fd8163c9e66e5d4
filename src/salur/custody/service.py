"""Use cases of custody: record events, each with its ledger leaf in the same transaction.

`record_event` (and `record_handover`) is one transaction and commits. It locks the province's
log row first, so the custody writes of a province are serialised: a package's state is read
and changed under that lock, and the event, its items, the new states, its leaf and any
discrepancy incident (with its own leaf) commit together or not at all, and so do the seals it
moves in the registry (checked on receipt, broken on opening, applied on a sealed return). A
refused event leaves nothing but its incident, committed in a unit of work of its own.
Receipts: the caller (the CLI, the sync layer) records a batch, then `sign_receipts` signs one
checkpoint per log and hands out a c2sp.org/tlog-proof receipt per event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from salur.custody import checks, rows
from salur.custody import repository as repo
from salur.custody.checks import Assessment, assess
from salur.custody.config import CustodyRules, load_rules
from salur.custody.entries import append_event, province_log, utc
from salur.custody.events import (
    EventInvalidError,
    Item,
    PackageBody,
    ReportedIncidentBody,
    Submission,
    body_dict,
    body_sha256,
    canonical,
    entry_bytes,
    format_time,
    parse_submission,
)
from salur.custody.incidents import append_incident, describe
from salur.custody.models import CustodyEvent, CustodyPackage
from salur.custody.packages import (
    KitsPackageSource,
    KitsSealRegistry,
    PackageSource,
    SealChanges,
    SealRegistry,
)
from salur.custody.signing import DeviceKey, check_signatures
from salur.custody.states import Level, PackageState, Phase, Place, next_state, start
from salur.custody.tepat import Finding, PackageInfo
from salur.db import begin_write
from salur.errors import NotFoundError, SalurError
from salur.ledger import repository as ledger_repo
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork

__all__ = [
    "Recorded",
    "TepatRefusedError",
    "UnknownPackageError",
    "describe",
    "record_batch",
    "record_event",
    "record_handover",
]


@dataclass(frozen=True)
class Recorded:
    """An accepted event: its id and log index, lateness, and the incidents it gave rise to."""

    event_id: int
    log_index: int
    kind: str
    late: bool | None = None
    deadline: dt.datetime | None = None
    incidents: tuple[int, ...] = ()
    findings: tuple[Finding, ...] = ()
    duplicate: bool = False


class UnknownPackageError(NotFoundError):
    """A package id no kit has."""

    status = 404


class TepatRefusedError(SalurError):
    """Refused as not tepat (wrong target, another dapil's ballots); the refusal is an incident."""

    code = "tepat_refused"
    status = 422

    def __init__(self, findings: Sequence[Finding], incident: Recorded) -> None:
        self.findings = tuple(findings)
        self.incident = incident
        super().__init__(
            "custody.refused",
            reasons=describe(findings),
            incident=str(incident.event_id),
            index=str(incident.log_index),
        )


def record_handover(
    uow: UnitOfWork,
    submission: Submission | Mapping[str, Any] | bytes | str,
    *,
    packages: PackageSource | None = None,
    seals: SealRegistry | None = None,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> Recorded:
    """Record a BAST handover (see `record_event`); refuses any other kind of event."""
    parsed = submission if isinstance(submission, Submission) else parse_submission(submission)
    if parsed.event.type != "handover":
        raise EventInvalidError("custody.not_a_handover", kind=parsed.event.type)
    return record_event(uow, parsed, packages=packages, seals=seals, rules=rules, now=now)


def record_event(
    uow: UnitOfWork,
    submission: Submission | Mapping[str, Any] | bytes | str,
    *,
    packages: PackageSource | None = None,
    seals: SealRegistry | None = None,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> Recorded:
    """Check and record one signed custody event with its leaf and its seal moves; commits.

    Order of checks: form, parties and hop, devices and signatures (SignatureRejectedError),
    tepat refusals (TepatRefusedError, after committing the refusal as an incident), custody
    state of every package (CustodyRefusedError). A resubmitted event returns its first record.
    New seals of a sealed return that the registry cannot apply are discrepancies.
    """
    rules = rules or load_rules()
    now = now or dt.datetime.now(dt.UTC)
    try:
        recorded = _record(uow.session, submission, packages, seals, rules, now)
    except _NotTepatError as refused:
        uow.rollback()
        error = _write_refusal(uow.session, refused, rules, now)
        uow.commit()
        raise error from None
    uow.commit()
    return recorded


def record_batch(
    uow: UnitOfWork,
    submissions: Sequence[Submission | Mapping[str, Any] | bytes | str],
    *,
    packages: PackageSource | None = None,
    seals: SealRegistry | None = None,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
) -> list[Recorded | SalurError]:
    """Record a device's batch in one transaction, each event in a savepoint of its own; commits.

    Per event the outcome is what `record_event` gives (its record, or the error it raises;
    a tepat refusal's incident is kept). One commit per batch instead of one per event is what
    lets a synced phone upload hundreds of handovers at once: on SQLite each commit is a disk
    flush. Anything other than a SalurError aborts the whole batch.
    """
    rules = rules or load_rules()
    now = now or dt.datetime.now(dt.UTC)
    s = uow.session
    begin_write(s)
    results: list[Recorded | SalurError] = []
    for submission in submissions:
        savepoint = s.begin_nested()
        try:
            results.append(_record(s, submission, packages, seals, rules, now))
            savepoint.commit()
        except _NotTepatError as refused:
            savepoint.rollback()
            with s.begin_nested():
                results.append(_write_refusal(s, refused, rules, now))
        except SalurError as error:
            savepoint.rollback()
            results.append(error)
    uow.commit()
    return results


@dataclass
class _NotTepatError(Exception):
    """Not tepat: what the refusal's incident records, once the event's writes are undone."""

    province: str
    at: str
    sha: str
    attempt: dict[str, Any]
    assessment: Assessment


def _record(
    s: Session,
    submission: Submission | Mapping[str, Any] | bytes | str,
    packages: PackageSource | None,
    seals: SealRegistry | None,
    rules: CustodyRules,
    now: dt.datetime,
) -> Recorded:
    """Check and write one event in the session's transaction (no commit); _NotTepatError if not
    tepat, another SalurError if refused otherwise."""
    sub = submission if isinstance(submission, Submission) else parse_submission(submission)
    body = sub.event
    if body.election != rules.election.election:
        raise EventInvalidError("custody.wrong_election", election=body.election)
    infos = _package_infos(s, body.items, packages or KitsPackageSource())
    province = checks.province(body, infos)
    log = province_log(s, rules, province)
    ledger_repo.lock_log(s, log.id)
    data = body_dict(body)
    body_bytes = canonical(data)  # once: signatures, identity and log entry are built on it
    sha = body_sha256(body_bytes)
    existing = repo.event_by_sha(s, sha)
    if existing is not None:
        return _as_recorded(s, existing, duplicate=True)
    places = checks.party_places(body, rules)
    devices = _device_keys(s, [x.device for x in sub.signatures])
    check_signatures(body, sub.signatures, devices, body_bytes)
    states = repo.package_states(s, infos, lock=True)
    assessment = assess(
        body,
        infos,
        places,
        rules,
        seals=_resealed(states),
        issued=repo.counts_at_tps(s, infos) if body.type == "sealed_return" else {},
    )
    if assessment.refusals:
        attempt = {"event": data, "signatures": [x.model_dump() for x in sub.signatures]}
        raise _NotTepatError(province, body.at, sha, attempt, assessment)
    moved = _advance(body, infos, states, places, rules)
    registry = seals or KitsSealRegistry()
    changes = _seal_changes(s, body, infos, registry, assessment)
    recorded = _write(s, log, sub, body_bytes, sha, infos, states, moved, assessment, rules, now)
    if changes:
        note = f"custody {body.type} event {recorded.event_id}, log index {recorded.log_index}"
        registry.record(s, changes, _actor(body), note, body.time)
    return recorded


def _write_refusal(
    s: Session, refused: _NotTepatError, rules: CustodyRules, now: dt.datetime
) -> TepatRefusedError:
    """Write the refusal's incident (a retried refusal finds the first one) in the session."""
    log = province_log(s, rules, refused.province)
    ledger_repo.lock_log(s, log.id)
    cause = {"event_sha256": refused.sha, "attempt": refused.attempt}
    findings = refused.assessment.refusals + refused.assessment.discrepancies
    event = append_incident(s, log, rules, refused.at, "refused", findings, cause, None, now)
    incident = Recorded(event.id, event.log_index, event.kind, findings=tuple(findings))
    return TepatRefusedError(refused.assessment.refusals, incident)


def _seal_changes(
    session: Session,
    body: PackageBody | ReportedIncidentBody,
    infos: Mapping[str, PackageInfo],
    registry: SealRegistry,
    assessment: Assessment,
) -> SealChanges:
    """The event's seal moves; new seals the registry refuses become discrepancies instead."""
    new, again = checks.return_seals(body, infos)
    wanted = {n: infos[pid].regency_code for n, pid in new.items()}
    refused = registry.unusable(session, wanted) if wanted else {}
    assessment.discrepancies += again + [
        checks.seal_finding(code, infos[new[n]], n) for n, code in sorted(refused.items())
    ]
    usable = {n: pid for n, pid in new.items() if n not in refused}
    return checks.seal_changes(body, infos, usable)


def _actor(body: PackageBody | ReportedIncidentBody) -> str:
    """Who saw the seals: the receiver, else the holder acting at its place, else the giver."""
    for name in ("receiver", "by", "giver"):
        party = getattr(body, name, None)
        if party is not None:
            return f"{party.role} {party.region}"
    return ""


def _write(
    s: Session,
    log: LedgerLog,
    sub: Submission,
    body_bytes: bytes,
    sha: str,
    infos: Mapping[str, PackageInfo],
    states: Mapping[str, CustodyPackage],
    moved: Mapping[str, PackageState],
    assessment: Assessment,
    rules: CustodyRules,
    now: dt.datetime,
) -> Recorded:
    """The event's leaf and row, its items, the packages' new states, and its incidents."""
    body = sub.event
    recorded: dict[str, Any] = {}
    if assessment.deadline is not None:
        recorded = {"deadline": format_time(assessment.deadline), "late": assessment.late}
    event = append_event(
        s,
        log,
        entry_bytes(body_bytes, [x.model_dump() for x in sub.signatures], recorded),
        kind=body.type,
        hop=getattr(body, "hop", None),
        category=getattr(body, "category", None),
        sha=sha,
        at=body.time,
        now=now,
        late=assessment.late,
    )
    rows.write_items(s, event, body.items, infos)
    rows.write_states(s, event, moved, states, body, infos, now)
    incidents = []
    for category, findings in (
        ("discrepancy", assessment.discrepancies),
        ("reconciliation", assessment.mismatches),
    ):
        if findings:
            cause = {"index": event.log_index}
            incidents.append(
                append_incident(s, log, rules, body.at, category, findings, cause, event.id, now)
            )
    return Recorded(
        event.id,
        event.log_index,
        event.kind,
        assessment.late,
        assessment.deadline,
        tuple(i.id for i in incidents),
        tuple(assessment.discrepancies + assessment.mismatches),
    )


def _package_infos(
    session: Session, items: Sequence[Item], source: PackageSource
) -> dict[str, PackageInfo]:
    ids = [item.package for item in items]
    infos = source.packages(session, ids)
    missing = [pid for pid in ids if pid not in infos]
    if missing:
        raise UnknownPackageError("custody.package_unknown", package=", ".join(missing))
    return infos


def _device_keys(session: Session, ids: Sequence[str]) -> dict[str, DeviceKey]:
    return {
        d.id: DeviceKey(
            d.id, d.role, d.region_code, d.person, bytes(d.public_key), utc(d.revoked_at)
        )
        for d in repo.devices(session, ids).values()
    }


def _advance(
    body: PackageBody | ReportedIncidentBody,
    infos: Mapping[str, PackageInfo],
    states: Mapping[str, CustodyPackage],
    places: Mapping[str, Place],
    rules: CustodyRules,
) -> dict[str, PackageState]:
    """Each package's next state; CustodyRefusedError on the first impossible move."""
    move = checks.move(body, places, rules)
    if move is None:
        return {}
    return {
        item.package: next_state(
            _state_of(states.get(item.package), infos[item.package]), move, item.package
        )
        for item in body.items
    }


def _resealed(states: Mapping[str, CustodyPackage]) -> dict[str, set[int]]:
    """Seals applied at the TPS for the way back, which replace the registry's."""
    return {
        pid: {int(n) for n in row.seals.split(",") if n}
        for pid, row in states.items()
        if row.seals is not None
    }


def _state_of(row: CustodyPackage | None, info: PackageInfo) -> PackageState:
    if row is None:
        return start(info.regency_code)
    heading = None
    if row.to_level is not None and row.to_region is not None:
        heading = Place(Level(row.to_level), row.to_region)
    return PackageState(
        Phase(row.phase), Place(Level(row.holder_level), row.holder_region), heading
    )


def _as_recorded(session: Session, event: CustodyEvent, *, duplicate: bool) -> Recorded:
    incidents = tuple(e.id for e in repo.incidents_caused_by(session, event.id))
    return Recorded(
        event.id, event.log_index, event.kind, event.late, None, incidents, duplicate=duplicate
    )
