"""What a batch of custody events reads, read once for the whole batch and kept current in memory.

A synced phone uploads dozens of events at once, often several about the same kits (the PPS
receives a kit and hands it to the KPPS in one upload). Read per event, its packages, devices,
states, duplicate check, counts at the TPS and log row were ~15 statements an event, most of a
sync's cost. A `Batch` reads them for all its events up front, in a handful of statements, and
writes the items, package states and seal moves of its accepted events in one go (`flush`).

Order matters for correctness: the logs of the batch's provinces are locked before any package
state is read (custody.service's rule: a state is read and changed under its log's lock), and
the lock holds for the whole transaction. An event changes the memory only once all of its
writes are done (`accept`), so a refused event leaves nothing behind here either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.config import CustodyRules
from salur.custody.entries import PendingEvents, province_log, utc
from salur.custody.events import (
    Item,
    PackageBody,
    ReportedIncidentBody,
    Submission,
    body_dict,
    body_sha256,
    canonical,
)
from salur.custody.packages import (
    BatchSealRegistry,
    PackageSource,
    SealChanges,
    SealedPackageSource,
    SealMove,
)
from salur.custody.signing import DeviceKey, Verified
from salur.custody.states import Level, PackageState, Phase, Place, start
from salur.custody.tepat import Finding, PackageInfo
from salur.errors import NotFoundError
from salur.ledger import repository as ledger_repo
from salur.ledger.models import LedgerLog


class UnknownPackageError(NotFoundError):
    """A package id no kit has."""

    status = 404


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


@dataclass(frozen=True)
class Signed:
    """A parsed submission with its body's canonical bytes and hash, computed once: signatures,
    the duplicate check and the log entry are all built on them. Read ahead of recording
    (`custody.service.prepare_batch`): `verified`, its signatures found good, and `packages`,
    its packages as a `SealedPackageSource` had them (their seals are read again)."""

    submission: Submission
    data: dict[str, Any]
    body: bytes
    sha: str
    verified: frozenset[Verified] = frozenset()
    packages: Mapping[str, PackageInfo] = field(default_factory=dict)

    @classmethod
    def of(cls, submission: Submission) -> Signed:
        data = body_dict(submission.event)
        body = canonical(data)
        return cls(submission, data, body, body_sha256(body))


@dataclass(frozen=True, slots=True)
class Held:
    """A package's custody as the batch knows it: its state, the seals applied for the way back
    (`custody_package.seals`), and whether its row is stored yet."""

    state: PackageState
    seals: str | None
    stored: bool


class Batch:
    """The reads of one batch of events in one transaction; see the module docstring."""

    def __init__(
        self,
        session: Session,
        signed: Sequence[Signed],
        source: PackageSource,
        rules: CustodyRules,
    ) -> None:
        self.session = session
        self.rules = rules
        submissions = [x.submission for x in signed]
        ids = sorted({item.package for sub in submissions for item in sub.event.items})
        self.infos = _packages(
            session, source, ids, {k: v for x in signed for k, v in x.packages.items()}
        )
        self.logs: dict[str, LedgerLog] = {}
        provinces = {info.province_code for info in self.infos.values()}
        provinces |= {  # reports on no package belong to the reporter's province
            sub.event.reporter.region.replace(".", "")[:2]
            for sub in submissions
            if isinstance(sub.event, ReportedIncidentBody) and not sub.event.items
        }
        for province in sorted(provinces):  # all locked before any state is read
            with suppress(NotFoundError):  # that province's events are refused one by one
                self.log(province)
        self.held: dict[str, Held] = {
            pid: _held(row) for pid, row in repo.locked_states(session, ids).items()
        }
        self.devices = device_keys(
            session, {sig.device for sub in submissions for sig in sub.signatures}
        )
        self.existing = repo.events_by_sha(session, [x.sha for x in signed])
        returning = [
            item.package
            for sub in submissions
            if sub.event.type == "sealed_return"
            for item in sub.event.items
        ]
        self.counts = repo.counts_at_tps(session, returning) if returning else {}
        self.events = PendingEvents(session)  # the accepted events' rows and leaves
        self.accepted: dict[str, Recorded] = {}
        self._changed: dict[str, tuple[Held, int, str, dt.datetime]] = {}
        self._items: list[tuple[Any, ...]] = []
        self._seals: list[tuple[BatchSealRegistry, SealMove]] = []
        self.applied_seals: set[int] = set()  # by this batch's events (one seal, one package)

    def log(self, province: str) -> LedgerLog:
        """The province's log, locked for this transaction the first time it is asked for."""
        log = self.logs.get(province)
        if log is None:
            log = province_log(self.session, self.rules, province)
            ledger_repo.lock_log(self.session, log.id)
            self.logs[province] = log
        return log

    def packages(self, items: Sequence[Item]) -> dict[str, PackageInfo]:
        """The event's packages; UnknownPackageError names the ones no kit has."""
        missing = [item.package for item in items if item.package not in self.infos]
        if missing:
            raise UnknownPackageError("custody.package_unknown", package=", ".join(missing))
        return {item.package: self.infos[item.package] for item in items}

    def recorded(self, sha: str) -> Recorded | None:
        """The first record of an event with this body, if there is one (a resubmission)."""
        if sha in self.accepted:
            return replace(self.accepted[sha], duplicate=True)
        event = self.existing.get(sha)
        if event is None:
            return None
        incidents = tuple(e.id for e in repo.incidents_caused_by(self.session, event.id))
        return Recorded(
            event.id, event.log_index, event.kind, event.late, None, incidents, duplicate=True
        )

    def states(self, ids: Iterable[str]) -> dict[str, Held]:
        """The packages' custody as of the events accepted so far (none: at the warehouse)."""
        return {pid: self.held[pid] for pid in ids if pid in self.held}

    def counts_at_tps(self, ids: Sequence[str]) -> dict[str, int]:
        """The latest count seen of each package at its TPS, this batch's events included
        (read for the batch's sealed returns up front, then kept as `accept` sees arrivals)."""
        return {pid: self.counts[pid] for pid in ids if pid in self.counts}

    def accept(
        self,
        sha: str,
        recorded: Recorded,
        body: PackageBody | ReportedIncidentBody,
        infos: Mapping[str, PackageInfo],
        moved: Mapping[str, PackageState],
        changes: SealChanges,
        now: dt.datetime,
    ) -> None:
        """Take in an event whose writes are all done: its items and its packages' new states
        (written by `flush`), and the seals it broke or applied."""
        self.accepted[sha] = recorded
        event_id = recorded.event_id
        for item in body.items:
            self._items.append(_item_row(event_id, item, infos[item.package]))
        if _arrives_at_tps(body):  # what repo.counts_at_tps would now read
            self.counts.update({i.package: i.count for i in body.items if i.count is not None})
        resealed = body.type == "sealed_return"
        for pid, state in moved.items():
            before = self.held.get(pid)
            seals = _seal_list(body, pid) if resealed else (before.seals if before else None)
            held = Held(state, seals, before.stored if before else False)
            self.held[pid] = held
            self._changed[pid] = (held, event_id, infos[pid].tps_code, now)
        # What the registry now holds on each package (custody.packages.SealRegistry): broken
        # seals no longer, applied ones from now on; a check changes nothing.
        self.applied_seals.update(n for n, _ in changes.applied)
        touched = {pid for _, pid in changes.broken + changes.applied}
        for pid in touched:
            broken = {n for n, p in changes.broken if p == pid}
            applied = {n for n, p in changes.applied if p == pid}
            info = self.infos[pid]
            self.infos[pid] = replace(info, seals=(info.seals - broken) | applied)

    def defer_seals(self, registry: BatchSealRegistry, move: SealMove) -> None:
        """Keep an event's seal moves for `flush`, which hands them all to the registry at
        once (three statements for a batch instead of three per event)."""
        self._seals.append((registry, move))

    def flush(self) -> None:
        """Write the accepted events' items, the packages' latest states and the seal moves,
        one statement each (a handover to a PPK carries hundreds of packages), after the
        events themselves, which they reference."""
        self.events.flush()
        registries: dict[int, tuple[BatchSealRegistry, list[SealMove]]] = {}
        for registry, move in self._seals:
            registries.setdefault(id(registry), (registry, []))[1].append(move)
        for registry, moves in registries.values():
            registry.record_all(self.session, moves)
        self._seals = []
        if self._items:
            repo.insert_items(self.session, self._items)
            self._items = []
        added, changed = [], []
        for pid, (held, event_id, tps, now) in self._changed.items():
            values = _state_row(held, event_id, now)
            if held.stored:
                changed.append((*values, pid))
            else:
                added.append((pid, tps, *values))
                self.held[pid] = replace(held, stored=True)
        self._changed = {}
        if added:
            repo.insert_states(self.session, added)
        if changed:
            repo.update_states(self.session, changed)


def _packages(
    session: Session, source: PackageSource, ids: Sequence[str], ahead: Mapping[str, PackageInfo]
) -> dict[str, PackageInfo]:
    """The packages among `ids`: those read ahead with their seals read now, the rest read now."""
    if not ids:
        return {}
    if not ahead or not isinstance(source, SealedPackageSource):
        return source.packages(session, ids)
    known = [pid for pid in ids if pid in ahead]
    seals = source.seals(session, known)
    infos = {pid: _with_seals(ahead[pid], seals.get(pid, frozenset())) for pid in known}
    missing = [pid for pid in ids if pid not in ahead]
    return infos | (source.packages(session, missing) if missing else {})


def _with_seals(info: PackageInfo, seals: frozenset[int]) -> PackageInfo:
    # Seals rarely change between reading ahead and recording; a copy costs ~5 µs a package.
    return info if info.seals == seals else replace(info, seals=seals)


def _arrives_at_tps(body: PackageBody | ReportedIncidentBody) -> bool:
    """An arrival at the TPS or its opening, as `repository.counts_at_tps` selects them."""
    if body.type not in repo.ARRIVALS_AT_TPS:
        return False
    return body.type == "opening" or getattr(body, "hop", None) == "pps_kpps"


def _held(row: repo.StateRow) -> Held:
    phase, holder_level, holder_region, to_level, to_region, seals = row
    heading = None
    if to_level is not None and to_region is not None:
        heading = Place(Level(to_level), to_region)
    state = PackageState(Phase(phase), Place(Level(holder_level), holder_region), heading)
    return Held(state, seals, stored=True)


def state_of(held: Held | None, info: PackageInfo) -> PackageState:
    """A package's state: as held, or packed at its regency's warehouse."""
    return held.state if held is not None else start(info.regency_code)


def resealed(held: Mapping[str, Held]) -> dict[str, set[int]]:
    """Seals applied at the TPS for the way back, which replace the registry's."""
    return {
        pid: {int(n) for n in h.seals.split(",") if n}
        for pid, h in held.items()
        if h.seals is not None
    }


def _seal_list(body: PackageBody | ReportedIncidentBody, package_id: str) -> str:
    for item in body.items:
        if item.package == package_id:
            return ",".join(map(str, sorted(item.seals)))
    return ""


def _item_row(event_id: int, item: Item, info: PackageInfo) -> tuple[Any, ...]:
    """A custody_item row (`repo.ITEM_COLUMNS`)."""
    tally = item.tally
    counted = (tally.used, tally.unused, tally.damaged, tally.voters) if tally else (None,) * 4
    return (
        event_id,
        item.package,
        info.tps_code,
        info.ballot_type,
        item.dapil,
        item.count,
        *counted,
    )


def _state_row(held: Held, event_id: int, now: dt.datetime) -> tuple[Any, ...]:
    """A package's state (`repo.STATE_COLUMNS`)."""
    state, heading = held.state, held.state.heading_to
    return (
        state.phase.value,
        state.holder.level.value,
        state.holder.region,
        heading.level.value if heading else None,
        heading.region if heading else None,
        held.seals,
        event_id,
        now,
    )


def device_keys(session: Session, ids: Iterable[str]) -> dict[str, DeviceKey]:
    """The registered devices among `ids`, as signatures are checked against them."""
    return {
        d: DeviceKey(d, role, region, person, bytes(key), utc(revoked))
        for d, role, region, person, key, revoked in repo.device_rows(session, list(ids))
    }
