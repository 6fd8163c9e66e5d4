"""Use case: apply a device's batch of signed custody events exactly once.

1. Refuse the batch (422) if a key was used before with another body; nothing changes.
   Parse the new events and verify their signatures (no lock held: uploads overlap here).
2. In one transaction (one disk flush for the upload, shared with the uploads queued with it:
   `group.py`): claim the new keys (of concurrent claims of a key exactly one wins), record
   the claimed events with custody's `record_batch_in` in the batch's order (each event with
   its leaf; a refused one writes nothing), sign one checkpoint and a receipt per accepted
   event, and store every answer.
3. Wait for keys another upload holds, and answer them with what it stored; a claim left
   pending by an older upload is taken over after a lease.
Replays read stored answers, so the same key gets the same answer and changes nothing. A
failed upload leaves nothing: its retry is recorded afresh, and an event recorded before
(another key, the same body) is answered with its first record.
"""

from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy import Engine

from salur.custody.config import CustodyRules, load_rules
from salur.custody.entries import province_log
from salur.custody.packages import KitsPackageSource, PackageSource
from salur.errors import NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.service.settings import ServiceSettings
from salur.service.sync import repository as repo
from salur.service.sync.answers import IdempotencyConflictError, refuse_conflicts, stored_answers
from salur.service.sync.applier import Applier, Batch, Uploader
from salur.service.sync.group import GroupCommit
from salur.service.sync.schemas import (
    CheckpointOut,
    ConsistencyOut,
    Gap,
    SequenceOut,
    SyncEventIn,
    SyncIn,
    SyncOut,
)
from salur.service.sync.sequence import advance
from salur.uow import UnitOfWork

__all__ = ["IdempotencyConflictError", "Uploader", "request_digest", "sequence_state", "upload"]


def request_digest(event: SyncEventIn) -> str:
    """What a key's body is compared by: the sequence and submission as parsed JSON."""
    content = {"sequence": event.sequence, "submission": event.submission}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upload(
    engine: Engine,
    settings: ServiceSettings,
    uploader: Uploader,
    batch: SyncIn,
    *,
    rules: CustodyRules | None = None,
    packages: PackageSource | None = None,
    group: GroupCommit | None = None,
) -> SyncOut:
    """Apply a batch; the answer lists one result per event, in the batch's order. `group`: the
    server's group commit, which writes this upload with the others queued for the store."""
    rules = rules or load_rules()
    work = Batch({e.idempotency_key: (i, e, request_digest(e)) for i, e in enumerate(batch.events)})
    applier = Applier(engine, settings, uploader, rules, packages or KitsPackageSource(), work)
    with UnitOfWork(engine) as uow:
        stored = repo.items(uow.session, uploader.device_id, work.events)
    refuse_conflicts(stored, work.events)
    work.results.update(stored_answers(stored))
    new = [key for key in work.events if key not in stored]
    applier.prepare(new)
    work.results.update((group or GroupCommit(engine, settings)).write(applier, new))
    waiting = [key for key in work.events if key not in work.results]
    work.results.update(applier.await_others(waiting))
    ordered = sorted(work.events, key=lambda k: work.events[k][0])
    return SyncOut(
        device=uploader.device_id,
        results=[work.results[key] for key in ordered],
        sequence=sequence_state(engine, uploader.device_id),
        **_log_view(engine, rules, uploader.device_region, batch.known_size),
    )


def sequence_state(engine: Engine, device_id: str) -> SequenceOut:
    """The device's sequence state, as the last upload left it (a read)."""
    with UnitOfWork(engine) as uow:
        s = uow.session
        row = repo.device_state(s, device_id)
        floor = row.contiguous if row is not None else 0
        state = advance(floor, repo.sequences_above(s, device_id, floor))
    return SequenceOut(
        contiguous=state.contiguous,
        highest=state.highest,
        gaps=[Gap(first=a, last=b) for a, b in state.gaps],
    )


def _log_view(
    engine: Engine, rules: CustodyRules, region: str, known_size: int
) -> dict[str, object]:
    """The latest checkpoint of the device's province log, and its consistency with the one
    the device last verified."""
    with UnitOfWork(engine) as uow:
        s = uow.session
        try:
            log_row = province_log(s, rules, region.replace(".", "")[:2])
        except NotFoundError:
            return {"checkpoint": None, "consistency": None}
        latest = ledger_repo.latest_checkpoint(s, log_row.id)
        if latest is None:
            warning = "ahead_of_log" if known_size > 0 else None
            return {"checkpoint": None, "consistency": None, "log_warning": warning}
        checkpoint = CheckpointOut(
            origin=log_row.origin,
            size=latest.size,
            note=ledger.checkpoint_note(s, latest).decode("utf-8"),
        )
        if known_size > latest.size:
            return {"checkpoint": checkpoint, "consistency": None, "log_warning": "ahead_of_log"}
        proof: list[bytes] = []
        if 0 < known_size < latest.size:
            proof = ledger.consistency_proof(s, log_row, known_size, latest.size)
        consistency = ConsistencyOut(
            old_size=known_size,
            size=latest.size,
            proof=[_b64(h) for h in proof],
        )
        return {"checkpoint": checkpoint, "consistency": consistency}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
