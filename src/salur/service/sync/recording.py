"""The events of several uploads recorded as one custody batch, in the writer's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from salur.custody.service import record_batch_in
from salur.service.sync.schemas import EventResult

if TYPE_CHECKING:
    from salur.service.sync.applier import Applier


def record_group_in(
    s: Session, parts: Sequence[tuple[Applier, Sequence[str], dict[str, EventResult]]]
) -> None:
    """Record the events of several uploads (applier, keys, answers) in order, as one custody
    batch: its reads (states, seals, devices, the log) and writes are made once for the group
    rather than per upload, which is most of what an upload costs under the writer lock. Uploads
    that use another package source or rules than the first are recorded as batches of their
    own (tests give some their own)."""
    runs: list[list[tuple[Applier, Sequence[str], dict[str, EventResult]]]] = []
    for part in parts:
        if runs and _same_sources(runs[-1][0][0], part[0]):
            runs[-1].append(part)
        else:
            runs.append([part])
    for run in runs:
        todo = [(applier, out, applier.pending(keys, out)) for applier, keys, out in run]
        signed = [event for *_, pending in todo for _, event in pending]
        if not signed:
            continue
        first = run[0][0]
        outcomes = record_batch_in(
            s,
            signed,
            packages=first.packages,
            rules=first.rules,
            admits=[applier.admit for applier, _, pending in todo for _ in pending],
        )
        at = 0
        for applier, out, pending in todo:
            applier.answer(pending, outcomes[at : at + len(pending)], out)
            at += len(pending)


def _same_sources(a: Applier, b: Applier) -> bool:
    return a.rules is b.rules and type(a.packages) is type(b.packages)
