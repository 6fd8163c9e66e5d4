"""Applying a device's claimed events: checking and reading them ahead (`prepare`), claiming
and recording them as one custody batch in a write transaction (the group's, `group.py`),
signing their receipts under one checkpoint, storing each answer under its key, and waiting on
keys another upload holds (taking over a claim whose upload died, after a lease).

Every write transaction holds the store's writer lock (`salur.writelock`) on SQLite, so the
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
from typing import Any

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
)
from salur.custody.tepat import PackageInfo
from salur.db import begin_write
from salur.errors import SalurError
from salur.identity.errors import AccessDeniedError
from salur.identity.principal import Principal
from salur.identity.regions import within
from salur.identity.roles import UPLOADS
from salur.ledger.tlogproof import Receipt
from salur.service.errors import field_of, message
from salur.service.settings import ServiceSettings
from salur.service.sync import repository as repo
from salur.service.sync.answers import (
    in_progress,
    refuse_conflicts,
    retry_later,
    sequence_reused,
    stored_answers,
)
from salur.service.sync.recording import record_group_in
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

    def claim_in(self, s: Session, keys: Sequence[str]) -> Claimed:
        """Claim the batch's new keys in the caller's write transaction (a group's:
        `group.GroupCommit`, which then records the events with `record_group_in`); receipts and
        stored answers follow in `answer_in`. Keys another upload holds are answered here only
        if their sequence number was reused (and refuse the whole batch if their body differs);
        the caller waits for the rest. Concurrent uploads of a key: SQLite's write lock orders
        them; on PostgreSQL the second insert waits for the first to commit, then finds the key
        taken."""
        claimed = Claimed()
        if not keys:
            return claimed
        mine = repo.claim(s, self._claim_rows(keys))
        claimed.out.update(self._held_elsewhere(s, [k for k in keys if k not in mine]))
        claimed.mine = [k for k in keys if k in mine]
        return claimed

    def not_recorded(self, keys: Sequence[str]) -> dict[str, EventResult]:
        """Every key answered "send it again later": its upload was not recorded."""
        log.warning("sync: a batch of %s was not recorded", self.uploader.device_id, exc_info=True)
        return {key: retry_later(self.work.events[key][1], self.uploader.lang) for key in keys}

    def apply(self, keys: Sequence[str]) -> dict[str, EventResult]:
        """Record keys this upload holds already (claimed or taken over), with their receipts
        and stored answers, in one transaction."""
        if not keys:
            return {}
        out: dict[str, EventResult] = {}
        try:
            with writing(self.engine), UnitOfWork(self.engine) as uow:
                s = uow.session
                begin_write(s)
                self._record_in(s, keys, out)
                lost = self.answer_in(s, keys, out, sign_receipts(s, [out], self.settings))
                uow.commit()
        except SQLAlchemyError:
            self.release(keys)
            return self.not_recorded(keys)
        except BaseException:
            self.release(keys)
            raise
        self.log_denials()
        if lost:  # taken over after the lease: answer what the other upload stored
            with UnitOfWork(self.engine) as uow:
                out.update(stored_answers(repo.items(uow.session, self.uploader.device_id, lost)))
        return out

    def _record_in(self, s: Session, keys: Sequence[str], out: dict[str, EventResult]) -> None:
        """Record the events of `keys` in order (custody's `record_batch_in`)."""
        record_group_in(s, [(self, keys, out)])

    def pending(self, keys: Sequence[str], out: dict[str, EventResult]) -> list[tuple[str, Signed]]:
        """The keys' events to record, in order; those refused already are answered in `out`
        and left out."""
        self.prepare(keys)  # done already, but for keys taken over from another upload
        todo = []
        for key in keys:
            prepared = self.prepared[key]
            if isinstance(prepared, SalurError):
                out[key] = self._result(self.work.events[key][1], prepared)
            else:
                todo.append((key, prepared))
        return todo

    def answer(
        self,
        pending: Sequence[tuple[str, Signed]],
        outcomes: Sequence[Recorded | SalurError],
        out: dict[str, EventResult],
    ) -> None:
        """The answers of `pending`'s keys, from their events' outcomes."""
        for (key, _), outcome in zip(pending, outcomes, strict=True):
            out[key] = self._result(self.work.events[key][1], outcome)

    def answer_in(
        self,
        s: Session,
        keys: Sequence[str],
        out: dict[str, EventResult],
        issued: Mapping[int, Receipt],
        *,
        claimed_here: bool = False,
    ) -> set[str]:
        """Give the accepted events of `keys` their receipts and store every answer; returns the
        keys another upload took over meanwhile (their answers are not stored)."""
        if not keys:
            return set()
        for key in keys:
            result = out[key]
            receipt = issued.get(result.event_id) if result.event_id is not None else None
            if result.status == "accepted" and receipt is not None:
                result.receipt = receipt.to_bytes().decode("utf-8")
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

    def log_denials(self) -> None:
        """Log the denials of this upload's last transaction (in a write of their own)."""
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
        refuse_conflicts(found, self.work.events)
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
                    out[key] = in_progress(event, self.uploader.lang)
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


@dataclass
class Claimed:
    """What an upload claimed and recorded in a write transaction: the keys it holds (`mine`)
    and the answers so far."""

    mine: list[str] = field(default_factory=list)
    out: dict[str, EventResult] = field(default_factory=dict)


def sign_receipts(
    s: Session, outs: Sequence[Mapping[str, EventResult]], settings: ServiceSettings
) -> dict[int, Receipt]:
    """One checkpoint per log for every event the answers accepted, and their receipts."""
    ids = sorted(
        {r.event_id for out in outs for r in out.values() if r.status == "accepted" and r.event_id}
    )
    return sign_receipts_in(s, ids, keys=settings.key_dir) if ids else {}


def _advance_watermark(session: Session, device_id: str, now: dt.datetime) -> None:
    """Move the device's watermark over every sequence number that has arrived."""
    contiguous, highest = repo.lock_watermark(session, device_id, now)
    state = advance(contiguous, repo.sequences_above(session, device_id, contiguous))
    repo.set_watermark(
        session, device_id, max(contiguous, state.contiguous), max(highest, state.highest), now
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
