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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from salur.custody import checks, seal_moves
from salur.custody.batch import (
    Batch,
    Held,
    Recorded,
    Signed,
    UnknownPackageError,
    device_keys,
    resealed,
    state_of,
)
from salur.custody.checks import Assessment, assess
from salur.custody.config import CustodyRules, load_rules
from salur.custody.entries import province_log
from salur.custody.events import (
    EventInvalidError,
    PackageBody,
    ReportedIncidentBody,
    Submission,
    entry_bytes,
    format_time,
    parse_submission,
)
from salur.custody.incidents import append_incident, describe
from salur.custody.packages import (
    KitsPackageSource,
    KitsSealRegistry,
    PackageSource,
    SealChanges,
    SealedPackageSource,
    SealRegistry,
)
from salur.custody.signing import check_signatures, verify_ahead
from salur.custody.states import PackageState, Place, next_state
from salur.custody.tepat import Finding, PackageInfo
from salur.db import begin_write
from salur.errors import SalurError
from salur.ledger import repository as ledger_repo
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork

__all__ = [
    "Recorded",
    "TepatRefusedError",
    "UnknownPackageError",
    "describe",
    "prepare_batch",
    "record_batch",
    "record_batch_in",
    "record_event",
    "record_handover",
]


Admit = Callable[[Mapping[str, PackageInfo]], None]
"""Refuses an event by its packages with a SalurError (the sync layer's region scope)."""


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
    sub = submission if isinstance(submission, Submission) else parse_submission(submission)
    signed = Signed.of(sub)
    s = uow.session
    try:
        batch = Batch(s, [signed], packages or KitsPackageSource(), rules)
        recorded = _record(batch, signed, seals or KitsSealRegistry(), None, now)
        batch.flush()
    except _NotTepatError as refused:
        uow.rollback()
        log = province_log(s, rules, refused.province)
        ledger_repo.lock_log(s, log.id)
        error = _write_refusal(s, log, refused, rules, now)
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
    admit: Admit | None = None,
) -> list[Recorded | SalurError]:
    """Record a device's batch in one transaction, each event on its own; commits.

    Per event the outcome is what `record_event` gives (its record, or the error it raises;
    a tepat refusal's incident is kept). One commit per batch instead of one per event is what
    lets a synced phone upload hundreds of handovers at once: on SQLite each commit is a disk
    flush; and the batch's reads are made once for all its events (`custody.batch`). `admit`
    may refuse an event by its packages (the sync layer's region scope) with a SalurError.
    Every check of an event runs before its first write, so a refusal writes nothing. Anything
    else aborts the whole batch: an error other than a SalurError, any error while an accepted
    event writes (a store that disagrees with its own log), and a registry refusing the batch's
    seal moves at the end (custody only moves seals the registry holds on the package, and new
    ones it found usable and this batch did not apply already).
    """
    results = record_batch_in(
        uow.session, submissions, packages=packages, seals=seals, rules=rules, now=now, admit=admit
    )
    uow.commit()
    return results


def prepare_batch(
    s: Session,
    submissions: Sequence[Submission | Mapping[str, Any] | bytes | str],
    packages: PackageSource | None = None,
) -> list[Signed | SalurError]:
    """Parse and canonicalise a batch's events, verify their signatures and read their packages
    ahead of recording them, in a read of its own: the CPU-heavy half of recording (RFC 8785,
    Ed25519), which a server runs outside the write lock, on every core. `record_batch_in`
    takes the result and reads again what can change: it checks every device (a signature is
    only not verified twice under the same key, so a device revoked meanwhile is refused) and
    reads the packages' seals (a `SealedPackageSource`'s packages change in nothing else)."""
    parsed = [_signed(x) for x in submissions]
    valid = [x for x in parsed if isinstance(x, Signed)]
    devices = device_keys(s, {sig.device for x in valid for sig in x.submission.signatures})
    source = packages or KitsPackageSource()
    ids = {item.package for x in valid for item in x.submission.event.items}
    infos = source.packages(s, ids) if ids and isinstance(source, SealedPackageSource) else {}
    return [
        replace(
            x,
            verified=verify_ahead(x.submission.signatures, devices, x.body),
            packages={
                i.package: infos[i.package] for i in x.submission.event.items if i.package in infos
            },
        )
        if isinstance(x, Signed)
        else x
        for x in parsed
    ]


def _signed(submission: Submission | Mapping[str, Any] | bytes | str) -> Signed | SalurError:
    try:
        sub = submission if isinstance(submission, Submission) else parse_submission(submission)
        return Signed.of(sub)
    except SalurError as error:
        return error


def record_batch_in(
    s: Session,
    submissions: Sequence[Signed | SalurError | Submission | Mapping[str, Any] | bytes | str],
    *,
    packages: PackageSource | None = None,
    seals: SealRegistry | None = None,
    rules: CustodyRules | None = None,
    now: dt.datetime | None = None,
    admit: Admit | None = None,
    admits: Sequence[Admit | None] | None = None,
) -> list[Recorded | SalurError]:
    """`record_batch` in the caller's transaction (does not commit; takes the write lock).
    `submissions` may come from `prepare_batch` (its outcomes, refusals included). `admits`,
    one per submission, replaces `admit` where the batch joins several uploaders' events (the
    service's group commit reads and writes them all once)."""
    if admits is not None and len(admits) != len(submissions):
        raise ValueError("one admit per submission")
    rules = rules or load_rules()
    now = now or dt.datetime.now(dt.UTC)
    registry = seals or KitsSealRegistry()
    begin_write(s)
    parsed = [x if isinstance(x, Signed | SalurError) else _signed(x) for x in submissions]
    valid = [x for x in parsed if isinstance(x, Signed)]
    batch = Batch(s, valid, packages or KitsPackageSource(), rules)
    results: list[Recorded | SalurError] = []
    for n, signed in enumerate(parsed):
        if isinstance(signed, SalurError):
            results.append(signed)
            continue
        try:
            checked = _check(batch, signed, registry, admit if admits is None else admits[n])
        except _NotTepatError as refused:
            batch.events.flush()  # the refusal's incident is written now, after them
            results.append(_write_refusal(s, batch.log(refused.province), refused, rules, now))
            continue
        except SalurError as error:  # refused before writing anything: no savepoint to undo
            results.append(error)
            continue
        # Past its checks an event only writes; anything failing now aborts the whole batch.
        results.append(_apply(checked, registry, now) if isinstance(checked, _Checked) else checked)
    batch.flush()
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
    batch: Batch,
    signed: Signed,
    registry: SealRegistry,
    admit: Admit | None,
    now: dt.datetime,
) -> Recorded:
    """Check and write one event in the batch's transaction (no commit); _NotTepatError if not
    tepat, another SalurError if refused otherwise. The batch learns of it only at the end."""
    checked = _check(batch, signed, registry, admit)
    return _apply(checked, registry, now) if isinstance(checked, _Checked) else checked


@dataclass(frozen=True)
class _Checked:
    """An event that passed every check, with what its writes need."""

    batch: Batch
    signed: Signed
    log: LedgerLog
    infos: Mapping[str, PackageInfo]
    assessment: Assessment
    moved: dict[str, PackageState]
    changes: SealChanges


def _check(
    batch: Batch, signed: Signed, registry: SealRegistry, admit: Admit | None
) -> _Checked | Recorded:
    """Every check of one event, writing nothing: the event ready to write, or its first record
    if it was recorded before; _NotTepatError or another SalurError if refused. Because a
    refusal has written nothing, a batch needs no savepoint per event."""
    rules = batch.rules
    sub, sha = signed.submission, signed.sha
    body = sub.event
    if body.election != rules.election.election:
        raise EventInvalidError("custody.wrong_election", election=body.election)
    infos = batch.packages(body.items)
    if admit is not None:
        admit(infos)
    province = checks.province(body, infos)
    log = batch.log(province)
    existing = batch.recorded(sha)
    if existing is not None:
        return existing
    places = checks.party_places(body, rules)
    check_signatures(body, sub.signatures, batch.devices, signed.body, signed.verified)
    held = batch.states(infos)
    assessment = assess(
        body,
        infos,
        places,
        rules,
        seals=resealed(held),
        issued=batch.counts_at_tps(list(infos)) if body.type == "sealed_return" else {},
    )
    if assessment.refusals:
        attempt = {"event": signed.data, "signatures": [x.model_dump() for x in sub.signatures]}
        raise _NotTepatError(province, body.at, sha, attempt, assessment)
    moved = _advance(body, infos, held, places, rules)
    changes = seal_moves.changes_of(batch, body, infos, registry, assessment)
    return _Checked(batch, signed, log, infos, assessment, moved, changes)


def _apply(checked: _Checked, registry: SealRegistry, now: dt.datetime) -> Recorded:
    """The writes of a checked event: its leaf, row and incidents now, its seal moves, items
    and states with the batch's (`Batch.flush`)."""
    batch, signed = checked.batch, checked.signed
    body = signed.submission.event
    recorded = _write(batch, checked.log, signed, checked.assessment, now)
    changes = checked.changes
    if changes:
        seal_moves.record(batch, registry, body, changes, recorded)
    batch.accept(signed.sha, recorded, body, checked.infos, checked.moved, changes, now)
    return recorded


def _write_refusal(
    s: Session, log: LedgerLog, refused: _NotTepatError, rules: CustodyRules, now: dt.datetime
) -> TepatRefusedError:
    """Write the refusal's incident (a retried refusal finds the first one) in the session."""
    cause = {"event_sha256": refused.sha, "attempt": refused.attempt}
    findings = refused.assessment.refusals + refused.assessment.discrepancies
    event = append_incident(s, log, rules, refused.at, "refused", findings, cause, None, now)
    incident = Recorded(event.id, event.log_index, event.kind, findings=tuple(findings))
    return TepatRefusedError(refused.assessment.refusals, incident)


def _write(
    batch: Batch, log: LedgerLog, signed: Signed, assessment: Assessment, now: dt.datetime
) -> Recorded:
    """The event's leaf and row (with the batch's, `Batch.events`), and its incidents (written
    now, after it: they name it); its items and states: `Batch.accept`."""
    body = signed.submission.event
    recorded: dict[str, Any] = {}
    if assessment.deadline is not None:
        recorded = {"deadline": format_time(assessment.deadline), "late": assessment.late}
    signatures = [x.model_dump() for x in signed.submission.signatures]
    event = batch.events.add(
        log,
        entry_bytes(signed.body, signatures, recorded),
        kind=body.type,
        hop=getattr(body, "hop", None),
        category=getattr(body, "category", None),
        sha=signed.sha,
        at=body.time,
        now=now,
        late=assessment.late,
    )
    incidents = []
    for category, findings in (
        ("discrepancy", assessment.discrepancies),
        ("reconciliation", assessment.mismatches),
    ):
        if findings:
            batch.events.flush()
            cause = {"index": event.log_index}
            incidents.append(
                append_incident(
                    batch.session,
                    log,
                    batch.rules,
                    body.at,
                    category,
                    findings,
                    cause,
                    event.id,
                    now,
                )
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


def _advance(
    body: PackageBody | ReportedIncidentBody,
    infos: Mapping[str, PackageInfo],
    held: Mapping[str, Held],
    places: Mapping[str, Place],
    rules: CustodyRules,
) -> dict[str, PackageState]:
    """Each package's next state; CustodyRefusedError on the first impossible move."""
    move = checks.move(body, places, rules)
    if move is None:
        return {}
    return {
        item.package: next_state(
            state_of(held.get(item.package), infos[item.package]), move, item.package
        )
        for item in body.items
    }
