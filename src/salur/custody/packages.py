"""What custody needs to know of packages and their seals, and the adapters onto the kits feature.

Custody depends on kits only through `PackageSource` (package id -> its TPS and that TPS's
chain, ballot type, dapil, expected count and seals) and `SealRegistry` (the seals an event
checks, breaks or applies, written in the event's own transaction). `KitsPackageSource` and
`KitsSealRegistry` are the adapters; tests and other deployments may plug in their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.tepat import SEAL_UNKNOWN, SEAL_USED, PackageInfo
from salur.kits import sealing
from salur.kits.seals import APPLY, BREAK, CHECK
from salur.needs.formula import NATIONAL
from salur.norms.loader import load_norm


class PackageSource(Protocol):
    """Where custody learns what a package is and where it must go."""

    def packages(self, session: Session, ids: Collection[str]) -> dict[str, PackageInfo]:
        """The known packages among `ids` (unknown ids are simply absent)."""
        ...


@runtime_checkable
class SealedPackageSource(PackageSource, Protocol):
    """A source whose packages, once packed, change only in their seals: a batch may read its
    packages ahead, outside the write lock, and then only their seals again under it."""

    def seals(self, session: Session, ids: Collection[str]) -> dict[str, frozenset[int]]:
        """The seals holding on each package among `ids` (none: absent)."""
        ...


class KitsPackageSource:
    """Packages as the kits feature packed them, with the seals its registry has on them."""

    def seals(self, session: Session, ids: Collection[str]) -> dict[str, frozenset[int]]:
        return {pid: frozenset(numbers) for pid, numbers in repo.kit_seals(session, ids).items()}

    def packages(self, session: Session, ids: Collection[str]) -> dict[str, PackageInfo]:
        seals = repo.kit_seals(session, ids)
        out = {}
        for row in repo.kit_packages(session, ids):
            (pid, kind, ballot_type, dapil, count, norm_id, tps, village, district, regency) = row[
                :10
            ]
            dapil_of_level = {
                "national": NATIONAL,
                "province": str(regency).split(".")[0],
                "regency": str(regency),
                "dpr_ri": row[10] or "",
                "dprd_prov": row[11] or "",
                "dprd_kab": row[12] or "",
            }
            out[str(pid)] = PackageInfo(
                package_id=str(pid),
                kind=str(kind),
                tps_code=str(tps),
                village_code=str(village),
                district_code=str(district),
                regency_code=str(regency),
                ballot_type=str(ballot_type),
                dapil=str(dapil),
                count=int(count),
                seals=frozenset(seals.get(str(pid), ())),
                tps_dapil={bt: dapil_of_level[level] for bt, level in _districts(norm_id)},
            )
        return out


@cache
def _districts(norm_id: str) -> tuple[tuple[str, str], ...]:
    """(ballot type, kind of district that decides its content) of a norm."""
    return tuple((bt.code, bt.district) for bt in load_norm(norm_id).norm.ballot_types)


SealOnPackage = tuple[int, str]  # (seal number, package id)


@dataclass(frozen=True, slots=True)
class SealChanges:
    """What one custody event does to the seal registry."""

    checked: tuple[SealOnPackage, ...] = ()
    broken: tuple[SealOnPackage, ...] = ()
    applied: tuple[SealOnPackage, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.checked or self.broken or self.applied)


class SealRegistry(Protocol):
    """Where custody moves seals; every call writes in the caller's transaction, never commits."""

    def unusable(self, session: Session, wanted: Mapping[int, str]) -> dict[int, str]:
        """Of new seals (number -> regency of the package they close), those that may not be
        applied, each with the finding code why (`tepat.SEAL_UNKNOWN`, `tepat.SEAL_USED`)."""
        ...

    def record(
        self, session: Session, changes: SealChanges, actor: str, note: str, at: dt.datetime
    ) -> None:
        """Check, break and apply the seals of `changes`, with history rows saying `note`."""
        ...


@dataclass(frozen=True, slots=True)
class SealMove:
    """One event's seal changes, as `SealRegistry.record` takes them."""

    changes: SealChanges
    actor: str
    note: str
    at: dt.datetime


@runtime_checkable
class BatchSealRegistry(SealRegistry, Protocol):
    """A registry that can also take a whole batch's moves at once (in the events' order)."""

    def record_all(self, session: Session, moves: Sequence[SealMove]) -> None:
        """`record` of every move in turn, each seeing the ones before, in one go."""
        ...


class KitsSealRegistry:
    """The kits feature's seal registry."""

    def unusable(self, session: Session, wanted: Mapping[int, str]) -> dict[int, str]:
        return {
            number: SEAL_USED if why == "used" else SEAL_UNKNOWN
            for number, why in sealing.unusable_seals(session, wanted).items()
        }

    def record(
        self, session: Session, changes: SealChanges, actor: str, note: str, at: dt.datetime
    ) -> None:
        self.record_all(session, [SealMove(changes, actor, note, at)])

    def record_all(self, session: Session, moves: Sequence[SealMove]) -> None:
        steps = [
            sealing.Step(action, sealing.SealAction(n, pid, move.note), move.actor, move.at)
            for move in moves
            for action, seals in (
                (CHECK, move.changes.checked),
                (BREAK, move.changes.broken),
                (APPLY, move.changes.applied),
            )
            for n, pid in seals
        ]
        if steps:
            sealing.act_all(session, steps)
