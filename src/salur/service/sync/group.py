"""Group commit: the uploads of one server process that queue for the store's writer lock are
written together, in one transaction, by whichever of their threads leads.

SQLite has one writer, so under load uploads wait for it anyway. Each upload's transaction
also paid for things that do not grow with its events: a commit, a checkpoint signature,
the reads of its batch, its receipts' tree nodes and bookkeeping: about 40% of the time it held
the lock. Written together, a group pays for them once (the same idea as a transparency log
sequencing a pool of entries per checkpoint). Each upload stays on its own: it is recorded in a
savepoint of its own, so an upload whose keys clash (422) or whose claim fails leaves the others
standing. Their events are then recorded as one custody batch (`recording.record_group_in`: the
batch's reads and writes once per group, not per upload); a failure of that shared part
(recording, receipts, answers, commit) answers every upload of the group "send it again later",
as a failed upload always was.

Leadership passes on: after writing a group, the leader wakes the first upload queued since,
which leads the next group, so no thread writes for others indefinitely.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from salur.db import begin_write
from salur.service.settings import ServiceSettings
from salur.service.sync.applier import Applier, Claimed, sign_receipts
from salur.service.sync.recording import record_group_in
from salur.service.sync.schemas import EventResult
from salur.uow import UnitOfWork
from salur.writelock import writing

MAX_GROUP_EVENTS = 500  # keeps a group's transaction, and the other workers' wait, short


@dataclass(eq=False)
class Job:
    """One upload's part of a group: its keys, and what became of them."""

    applier: Applier
    keys: Sequence[str]
    answers: dict[str, EventResult] = field(default_factory=dict)
    error: BaseException | None = None
    done: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


class GroupCommit:
    """The group commit of one store in this process."""

    def __init__(self, engine: Engine, settings: ServiceSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._guard = threading.Lock()
        self._queue: list[Job] = []
        self._leading = False

    def write(self, applier: Applier, keys: Sequence[str]) -> dict[str, EventResult]:
        """Claim and record `keys` of an upload with their receipts and stored answers, in the
        next group's transaction; raises what the upload alone raised (a 422 conflict)."""
        if not keys:
            return {}
        job = Job(applier, keys)
        with self._guard:
            self._queue.append(job)
            lead = not self._leading
            self._leading = True
        if not lead:
            job.wake.wait()
        if not job.done:  # first in, or woken to lead the next group
            self._lead()
        if job.error is not None:
            raise job.error
        applier.log_denials()
        return job.answers

    def _lead(self) -> None:
        """Write one group (taken once the writer lock is held, so it is as large as the wait
        made it), then hand the lead to the next upload in line."""
        group: list[Job] = []
        try:
            with writing(self.engine):
                with self._guard:
                    group = self._take()
                self._write(group)
        finally:
            for job in group:
                job.done = True
            with self._guard:
                if self._queue:
                    self._queue[0].wake.set()  # not done: it leads the next group
                else:
                    self._leading = False
            for job in group:
                job.wake.set()

    def _take(self) -> list[Job]:
        group: list[Job] = []
        events = 0
        while self._queue and (not group or events + len(self._queue[0].keys) <= MAX_GROUP_EVENTS):
            job = self._queue.pop(0)
            group.append(job)
            events += len(job.keys)
        return group

    def _write(self, group: list[Job]) -> None:
        """The group's transaction: each upload claimed and recorded in a savepoint, then one
        checkpoint and the receipts of all, every answer stored, one commit."""
        written: list[tuple[Job, Claimed]] = []
        try:
            with UnitOfWork(self.engine) as uow:
                s = uow.session
                begin_write(s)
                for job in group:
                    savepoint = s.begin_nested()
                    try:
                        claimed = job.applier.claim_in(s, job.keys)
                    except SQLAlchemyError:
                        savepoint.rollback()
                        job.answers = job.applier.not_recorded(job.keys)
                    except Exception as error:  # this upload's alone (a 422 conflict)
                        savepoint.rollback()
                        job.error = error
                    else:
                        savepoint.commit()
                        written.append((job, claimed))
                record_group_in(s, [(job.applier, c.mine, c.out) for job, c in written])
                issued = sign_receipts(s, [c.out for _, c in written], self.settings)
                for job, claimed in written:
                    job.applier.answer_in(s, claimed.mine, claimed.out, issued, claimed_here=True)
                uow.commit()
        except SQLAlchemyError:  # nothing of the group was written
            for job in group:
                if job.error is None:
                    job.answers = job.applier.not_recorded(job.keys)
        except Exception as error:  # in the group's shared part: nothing was written
            for job in group:
                if job.error is None:
                    job.error = error
        else:
            for job, claimed in written:
                job.answers = claimed.out
