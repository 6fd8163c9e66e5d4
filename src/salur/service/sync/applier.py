"""Applying a device's claimed events: recording them as one custody batch, signing their
receipts under one checkpoint, storing each answer under its key, and waiting on keys another
upload holds (taking over a claim whose upload died, after a lease).

Every write transaction here holds the store's writer lock (`salur.writelock`) on SQLite, so the
threads and worker processes of a server queue for SQLite's single writer instead of sleeping
and polling for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from salur.custody.batch import Signed
from salur.custody.config import CustodyRules
from salur.custody.events import ReportedIncidentBody, Submission, parse_submission
from salur.custody.packages import PackageSource
from salur.custody.receipts import sign_receipts_in
from salur.custody.service import (
    Recorded,
    TepatRefusedError,
    prepare_batch,
    record_batch_in,
)
from salur.custody.tepat import PackageInfo
from salur.db import begin_write
from salur.errors import SalurError
from salur.i18n import t
from salur.identity.errors import AccessDeniedError
from salur.identity.principal import Principal
from salur.identity.regions import within
from salur.identity.roles import UPLOADS
from salur.service.errors import field_of, message
from salur.service.settings import ServiceSettings
from salur.service.sync import repository as repo
from salur.service.sync.schemas import EventResult, SyncEventIn
from salur.service.sync.sequence import advance
from salur.uow import UnitOfWork
from salur.writelock import writing

log = logging.getLogger(__name__)
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Uploader:
    """Who uploads, through which device, in which language, and where denials are logged."""

    principal: Principal
    device_id: str
    device_region: str
    lang: str
    on_denied: Callable[[str, str | None], None]


@dataclass
class Batch:
    """The batch as keyed items: key -> (position, event, request digest)."""

    events: dict[str, tuple[int, SyncEventIn, str]]
    results: dict[str, EventResult] = field(default_factory=dict)


def scope_check(scope: str) -> Callable[[Mapping[str, PackageInfo]], None]:
    """Refuses an event with a package of a TPS outside the uploader's region scope."""

    def admit(infos: Mapping[str, PackageInfo]) -> None:
        outside = sorted(p for p, info in infos.items() if not within(info.tps_code, scope))
        if outside:
            raise AccessDeniedError(
                "service.package_out_of_scope",
                reason="scope",
                package=", ".join(outside[:5]),
                scope=scope,
            )

    return admit


def stored_answers(stored: Mapping[str, repo.Stored]) -> dict[str, EventResult]:
    return {
        key: EventResult.model_validate_json(row.result)
        for key, row in stored.items()
        if row.state == repo.DONE and row.result is not None
    }


class Applier:
    """Records claimed events and stores their answers, under one claim token."""

    def __init__(
        self,
        engine: Engine,
        settings: ServiceSettings,
        uploader: Uploader,
        rules: CustodyRules,
        packages: PackageSource,
        work: Batch,
    ) -> None:
        self.engine = engine
        self.work = work
        self.settings = settings
        self.uploader = uploader
        self.rules = rules
        self.packages = packages
        self.admit = scope_check(uploader.principal.scope)
        self.token = secrets.token_hex(16)
        self.denials: list[str] = []  # logged once the transaction is over (its own write)
        self.prepared: dict[str, Signed | SalurError] = {}

    def claim(self, keys: Sequence[str]) -> set[str]:
        """Claim these keys of the batch (a transaction of their own); returns those this upload
        now holds."""
        if not keys:
            return set()
        with writing(self.engine), UnitOfWork(self.engine) as uow:
            mine = repo.claim(uow.session, self._claim_rows(keys))
            uow.commit()
        return mine

    def _claim_rows(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        now = _now()
        events = self.work.events
        return [
            {
                "device_id": self.uploader.device_id,
                "idempotency_key": key,
                "sequence": events[key][1].sequence,
                "request_sha256": events[key][2],
                "state": repo.PENDING,
                "claim": self.token,
                "claimed_at": now,
                "user_id": self.uploader.principal.user_id,
            }
            for key in keys
        ]

    def release(self, keys: Collection[str]) -> None:
        with writing(self.engine), UnitOfWork(self.engine) as uow:
            repo.release(uow.session, self.uploader.device_id, keys, self.token)
            uow.commit()

    def claim_and_apply(self, keys: Sequence[str]) -> dict[str, EventResult]:
        """Claim the batch's new keys and record the ones this upload gets, receipts and stored
        answers included, in one transaction: one disk flush per upload on SQLite, and nothing
        half-done if it fails. Keys another upload holds are answered here only if their
        sequence number was reused (and refuse the whole batch if their body differs); the
        caller waits for the rest. Concurrent uploads of a key: SQLite's write lock orders them;
        on PostgreSQL the second insert waits for the first to commit, then finds the key taken.
        """
        out: dict[str, EventResult] = {}
        if not keys:
            return out
        try:
            with writing(self.engine), UnitOfWork(self.engine) as uow:
                s = uow.session
                begin_write(s)
                mine = repo.claim(s, self._claim_rows(keys))
                out.update(self._held_elsewhere(s, [k for k in keys if k not in mine]))
                self._apply_in(s, [k for k in keys if k in mine], out, claimed_here=True)
                uow.commit()
        except SQLAlchemyError:
            device = self.uploader.device_id
            log.warning("sync: a batch of %s was not recorded", device, exc_info=True)
            lang = self.uploader.lang
            return {key: _retry_later(self.work.events[key][1], lang) for key in keys}
        self._log_denials()
        return out

    def apply(self, keys: Sequence[str]) -> dict[str, EventResult]:
        """Record keys this upload holds already (claimed or taken over), with their receipts
        and stored answers, in one transaction."""
        if not keys:
            return {}
        out: dict[str, EventResult] = {}
        try:
            with writing(self.engine), UnitOfWork(self.engine) as uow:
                begin_write(uow.session)
                lost = self._apply_in(uow.session, keys, out)
                uow.commit()
        except SQLAlchemyError:
            device = self.uploader.device_id
            log.warning("sync: a batch of %s was not recorded", device, exc_info=True)
            self.release(keys)
            lang = self.uploader.lang
            return {key: _retry_later(self.work.events[key][1], lang) for key in keys}
        except BaseException:
            self.release(keys)
            raise
        self._log_denials()
        if lost:  # taken over after the lease: answer what the other upload stored
            with UnitOfWork(self.engine) as uow:
                out.update(stored_answers(repo.items(uow.session, self.uploader.device_id, lost)))
        return out

    def _apply_in(
        self,
        s: Session,
        keys: Sequence[str],
        out: dict[str, EventResult],
        *,
        claimed_here: bool = False,
    ) -> set[str]:
        """Record the events of `keys` in order (custody's `record_batch_in`), sign their
        receipts under one checkpoint, and store every answer; returns the keys another upload
        took over meanwhile (their answers are not stored)."""
        if not keys:
            return set()
        self.prepare(keys)  # done already, but for keys taken over from another upload
        pending = []
        for key in keys:
            prepared = self.prepared[key]
            if isinstance(prepared, SalurError):
                out[key] = self._result(self.work.events[key][1], prepared)
            else:
                pending.append((key, prepared))
        if pending:
            outcomes = record_batch_in(
                s,
                [signed for _, signed in pending],
                packages=self.packages,
                rules=self.rules,
                admit=self.admit,
            )
            for (key, _), outcome in zip(pending, outcomes, strict=True):
                out[key] = self._result(self.work.events[key][1], outcome)
        accepted = [r for key in keys if (r := out[key]).status == "accepted" and r.event_id]
        if accepted:
            ids = sorted({r.event_id for r in accepted if r.event_id})
            issued = sign_receipts_in(s, ids, keys=self.settings.key_dir)
            for result in accepted:
                if result.event_id in issued:
                    result.receipt = issued[result.event_id].to_bytes().decode("utf-8")
        now = _now()
        answers = [
            repo.Answer(key, out[key].status, out[key].event_id, out[key].model_dump_json())
            for key in keys
        ]
        lost = repo.finish(
            s, self.uploader.device_id, self.token, answers, now, claimed_here=claimed_here
        )
        _advance_watermark(s, self.uploader.device_id, now)
        return lost

    def _log_denials(self) -> None:
        for reason in self.denials:
            self.uploader.on_denied(reason, self.uploader.device_region)
        self.denials = []

    def _held_elsewhere(self, s: Session, keys: Sequence[str]) -> dict[str, EventResult]:
        """Keys of the batch another upload holds: refuse the batch if one was used with another
        body; answer those whose sequence number another key has taken."""
        if not keys:
            return {}
        device = self.uploader.device_id
        found = repo.items(s, device, keys)
        refuse_conflicts(found, self.work)
        events = self.work.events
        owners = repo.sequence_owner(s, device, [events[k][1].sequence for k in keys])
        return {
            key: sequence_reused(events[key][1], self.uploader.lang)
            for key in keys
            if key not in found and owners.get(events[key][1].sequence, key) != key
        }

    def prepare(self, keys: Sequence[str]) -> None:
        """Parse the keys' submissions, refuse those this uploader may not make, verify the
        signatures of the rest and read their packages (custody's `prepare_batch`, in a read of
        its own): the CPU-heavy part of an upload, done before the writer lock so that uploads
        overlap in it."""
        todo = [key for key in keys if key not in self.prepared]
        parsed: list[tuple[str, Submission]] = []
        for key in todo:
            try:
                submission = parse_submission(self.work.events[key][1].submission)
                self._check_upload(submission.event)
            except SalurError as exc:
                self.prepared[key] = exc
            else:
                parsed.append((key, submission))
        if parsed:
            with UnitOfWork(self.engine) as uow:
                submissions = [submission for _, submission in parsed]
                ready = prepare_batch(uow.session, submissions, self.packages)
            self.prepared.update(zip([key for key, _ in parsed], ready, strict=True))

    def _result(self, event: SyncEventIn, outcome: Recorded | SalurError) -> EventResult:
        base: dict[str, object] = {
            "idempotency_key": event.idempotency_key,
            "sequence": event.sequence,
        }
        if isinstance(outcome, TepatRefusedError):
            return self._refused(base, outcome, incident=outcome.incident.event_id)
        if isinstance(outcome, AccessDeniedError):
            self.denials.append(outcome.reason)
            return self._refused(base, outcome)
        if isinstance(outcome, SalurError):
            return self._refused(base, outcome)
        return EventResult.model_validate(
            {
                **base,
                "status": "accepted",
                "event_id": outcome.event_id,
                "log_index": outcome.log_index,
                "duplicate": outcome.duplicate,
                "late": outcome.late,
                "incidents": list(outcome.incidents),
            }
        )

    def _check_upload(self, body: object) -> None:
        principal = self.uploader.principal
        kind = getattr(body, "type", "")
        if principal.role is None or kind not in UPLOADS[principal.role]:
            raise AccessDeniedError(
                "service.upload_kind_denied", reason="role", kind=kind, role=str(principal.role)
            )
        if isinstance(body, ReportedIncidentBody) and not within(
            body.reporter.region, principal.scope
        ):
            raise AccessDeniedError(
                "identity.out_of_scope",
                reason="scope",
                region=body.reporter.region,
                scope=principal.scope,
            )

    def _refused(
        self, base: dict[str, object], exc: SalurError, incident: int | None = None
    ) -> EventResult:
        return EventResult.model_validate(
            {
                **base,
                "status": "refused",
                "code": exc.code,
                "key": exc.key,
                "message": message(exc, self.uploader.lang),
                "field": field_of(exc),
                "incident": incident,
            }
        )

    def await_others(self, keys: Sequence[str]) -> dict[str, EventResult]:
        """Answers of keys another upload holds: stored ones, or ours once it gave them up."""
        out: dict[str, EventResult] = {}
        waiting = list(keys)
        deadline = time.monotonic() + self.settings.sync_wait.total_seconds()
        while waiting:
            with UnitOfWork(self.engine) as uow:
                rows = repo.items(uow.session, self.uploader.device_id, waiting)
            out.update(stored_answers(rows))
            vanished = [k for k in waiting if k not in rows]
            stale = [
                k
                for k, row in rows.items()
                if row.state == repo.PENDING and _now() - row.claimed_at > self.settings.sync_lease
            ]
            mine = self.claim(vanished) | self._take_over(stale, rows)
            out.update(self.apply([k for k in waiting if k in mine]))
            waiting = [k for k in waiting if k not in out]
            if waiting and time.monotonic() > deadline:
                for key in waiting:
                    event = self.work.events[key][1]
                    out[key] = _in_progress(event, self.uploader.lang)
                break
            if waiting:
                time.sleep(POLL_SECONDS)
        return out

    def _take_over(self, keys: Sequence[str], rows: Mapping[str, repo.Stored]) -> set[str]:
        taken = set()
        for key in keys:
            with writing(self.engine), UnitOfWork(self.engine) as uow:
                if repo.take_over(
                    uow.session, self.uploader.device_id, key, rows[key].claim, self.token, _now()
                ):
                    taken.add(key)
                uow.commit()
        return taken


class IdempotencyConflictError(SalurError):
    """A key already used for another body: the batch is refused whole."""

    code = "idempotency_conflict"
    status = 422

    def __init__(self, key: str, index: int) -> None:
        self.field = f"body.events.{index}.idempotency_key"
        super().__init__("service.idempotency_conflict", idempotency_key=key, field=self.field)


def refuse_conflicts(stored: Mapping[str, repo.Stored], work: Batch) -> None:
    """IdempotencyConflictError if a stored key's body differs from the batch's."""
    for key, row in stored.items():
        index, _, digest = work.events[key]
        if row.request_sha256 != digest:
            raise IdempotencyConflictError(key, index)


def sequence_reused(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "refused", "sequence_reused", field="sequence")


def _retry_later(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "pending", "retry_later")


def _in_progress(event: SyncEventIn, lang: str) -> EventResult:
    return _answer(event, lang, "pending", "in_progress")


def _answer(
    event: SyncEventIn,
    lang: str,
    status: Literal["refused", "pending"],
    code: str,
    field: str | None = None,
) -> EventResult:
    """An answer the sync layer gives itself (not custody's), its message in `lang`."""
    key = f"service.{code}"
    return EventResult(
        idempotency_key=event.idempotency_key,
        sequence=event.sequence,
        status=status,
        code=code,
        key=key,
        message=t(key, lang, sequence=event.sequence),
        field=field,
    )


def _advance_watermark(session: Session, device_id: str, now: dt.datetime) -> None:
    """Move the device's watermark over every sequence number that has arrived."""
    contiguous, highest = repo.lock_watermark(session, device_id, now)
    state = advance(contiguous, repo.sequences_above(session, device_id, contiguous))
    repo.set_watermark(
        session, device_id, max(contiguous, state.contiguous), max(highest, state.highest), now
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
