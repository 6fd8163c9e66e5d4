"""An event's seal moves: the seals it checks, breaks or applies, and how they reach the
seal registry (with the batch's rows, in order, when the registry takes a batch at once)."""

from __future__ import annotations

from collections.abc import Mapping

from salur.custody import checks
from salur.custody.batch import Batch, Recorded
from salur.custody.checks import Assessment
from salur.custody.events import PackageBody, ReportedIncidentBody
from salur.custody.packages import BatchSealRegistry, SealChanges, SealMove, SealRegistry
from salur.custody.tepat import SEAL_USED, PackageInfo


def changes_of(
    batch: Batch,
    body: PackageBody | ReportedIncidentBody,
    infos: Mapping[str, PackageInfo],
    registry: SealRegistry,
    assessment: Assessment,
) -> SealChanges:
    """The event's seal moves; new seals the registry refuses (or this batch applied already)
    become discrepancies instead."""
    new, again = checks.return_seals(body, infos)
    wanted = {n: infos[pid].regency_code for n, pid in new.items()}
    refused = registry.unusable(batch.session, wanted) if wanted else {}
    refused |= {n: SEAL_USED for n in wanted if n in batch.applied_seals}
    assessment.discrepancies += again + [
        checks.seal_finding(code, infos[new[n]], n) for n, code in sorted(refused.items())
    ]
    usable = {n: pid for n, pid in new.items() if n not in refused}
    return checks.seal_changes(body, infos, usable)


def record(
    batch: Batch,
    registry: SealRegistry,
    body: PackageBody | ReportedIncidentBody,
    changes: SealChanges,
    recorded: Recorded,
) -> None:
    """Move the seals of an event just written, its history lines naming the event."""
    note = f"custody {body.type} event {recorded.event_id}, log index {recorded.log_index}"
    move = SealMove(changes, _actor(body), note, body.time)
    if isinstance(registry, BatchSealRegistry):
        batch.defer_seals(registry, move)  # written with the batch's rows, in order
    else:
        registry.record(batch.session, move.changes, move.actor, move.note, move.at)


def _actor(body: PackageBody | ReportedIncidentBody) -> str:
    """Who saw the seals: the receiver, else the holder acting at its place, else the giver."""
    for name in ("receiver", "by", "giver"):
        party = getattr(body, name, None)
        if party is not None:
            return f"{party.role} {party.region}"
    return ""
