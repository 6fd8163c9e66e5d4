"""Use cases of the seal registry: issue numbered ranges to a regency, apply seals to packages,
check them and record them broken, each with a history row, all or nothing per call.

Each change exists twice: `*_in(session, ...)` writes in the caller's transaction and never
commits (custody moves seals inside the transaction of its own event), and the use case of the
same name without `_in` wraps it in one unit of work and commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from salur.csvrows import read_rows
from salur.errors import SalurError
from salur.kits import repository as repo
from salur.kits.ids import InvalidPackageIdError, parse_package_id
from salur.kits.models import Seal
from salur.kits.seals import APPLY, BREAK, CHECK, ISSUE, ISSUED, SealRefusedError, next_state
from salur.stock.demand import check_regency
from salur.uow import UnitOfWork

Unusable = Literal["unknown", "other_regency", "used"]

MAX_RANGE = 500_000  # seal numbers one call may issue (Riau's 19,366 TPS use about 200,000)


@dataclass(frozen=True)
class SealAction:
    """One action on one seal: the package is required to apply and to check."""

    seal: int
    package_id: str | None = None
    note: str = ""


def read_actions(path: Path) -> list[SealAction]:
    """Seal actions from a CSV file (package_id, seal, optional note), checked cell by cell."""
    actions = []
    for row in read_rows(path, ["package_id", "seal"]):
        package = row.opt_text("package_id")
        if package is not None:
            try:
                package = str(parse_package_id(package))
            except InvalidPackageIdError as exc:
                raise row.fail("package_id", exc.key) from None
        actions.append(SealAction(row.count("seal"), package, row.opt_text("note") or ""))
    return actions


def issue_seals(
    uow: UnitOfWork,
    regency: str,
    first: int,
    last: int,
    actor: str = "",
    at: dt.datetime | None = None,
) -> int:
    """Issue seal numbers first..last to a regency; refused whole if any was issued before."""
    count = issue_seals_in(uow.session, regency, first, last, actor, at)
    uow.commit()
    return count


def issue_seals_in(
    session: Session,
    regency: str,
    first: int,
    last: int,
    actor: str = "",
    at: dt.datetime | None = None,
) -> int:
    """`issue_seals` in the caller's transaction (does not commit)."""
    check_regency(session, regency)
    if first < 1 or last < first or last - first + 1 > MAX_RANGE:
        raise SalurError("kits.seal_bad_range", first=str(first), last=str(last), max=MAX_RANGE)
    taken, lowest = repo.seals_in_range(session, first, last)
    if taken:
        raise SealRefusedError("kits.seal_already_issued", seal=str(lowest), state="")
    now = at or dt.datetime.now(dt.UTC)
    numbers = range(first, last + 1)
    seals = [
        {
            "number": n,
            "regency_code": regency,
            "state": ISSUED,
            "package_id": None,
            "updated_at": now,
        }
        for n in numbers
    ]
    repo.add_seals(
        session, seals, [_event(n, ISSUE, ISSUED, None, actor, "", now) for n in numbers]
    )
    return len(seals)


def apply_seals(
    uow: UnitOfWork, actions: Sequence[SealAction], actor: str = "", at: dt.datetime | None = None
) -> int:
    """Apply each seal to its package (a seal of the package's own regency, never used before)."""
    return _committed(uow, APPLY, actions, actor, at)


def check_seals(
    uow: UnitOfWork, actions: Sequence[SealAction], actor: str = "", at: dt.datetime | None = None
) -> int:
    """Record that each seal was found intact on its package."""
    return _committed(uow, CHECK, actions, actor, at)


def break_seals(
    uow: UnitOfWork, actions: Sequence[SealAction], actor: str = "", at: dt.datetime | None = None
) -> int:
    """Record seals broken (opened at the TPS, or damaged): they can never be used again."""
    return _committed(uow, BREAK, actions, actor, at)


def apply_seals_in(
    session: Session,
    actions: Sequence[SealAction],
    actor: str = "",
    at: dt.datetime | None = None,
) -> int:
    """`apply_seals` in the caller's transaction (does not commit)."""
    return _act(session, APPLY, actions, actor, at)


def check_seals_in(
    session: Session,
    actions: Sequence[SealAction],
    actor: str = "",
    at: dt.datetime | None = None,
) -> int:
    """`check_seals` in the caller's transaction (does not commit)."""
    return _act(session, CHECK, actions, actor, at)


def break_seals_in(
    session: Session,
    actions: Sequence[SealAction],
    actor: str = "",
    at: dt.datetime | None = None,
) -> int:
    """`break_seals` in the caller's transaction (does not commit)."""
    return _act(session, BREAK, actions, actor, at)


def unusable_seals(session: Session, wanted: Mapping[int, str]) -> dict[int, Unusable]:
    """Of seal numbers meant for packages of a regency (number -> regency code), those that may
    not be applied and why: never issued, issued to another regency, or used already."""
    seals = repo.lock_seals(session, wanted)
    out: dict[int, Unusable] = {}
    for number, regency in wanted.items():
        seal = seals.get(number)
        if seal is None:
            out[number] = "unknown"
        elif seal.regency_code != regency:
            out[number] = "other_regency"
        elif seal.state != ISSUED:
            out[number] = "used"
    return out


def _committed(
    uow: UnitOfWork,
    action: str,
    actions: Sequence[SealAction],
    actor: str,
    at: dt.datetime | None,
) -> int:
    count = _act(uow.session, action, actions, actor, at)
    uow.commit()
    return count


def _act(
    session: Session,
    action: str,
    actions: Sequence[SealAction],
    actor: str,
    at: dt.datetime | None,
) -> int:
    now = at or dt.datetime.now(dt.UTC)
    return act_all(session, [Step(action, a, actor, now) for a in actions])


@dataclass(frozen=True)
class Step:
    """One action on one seal, by whom and when: a custody batch moves many kits' seals."""

    action: str
    seal: SealAction
    actor: str
    at: dt.datetime


def act_all(session: Session, steps: Sequence[Step]) -> int:
    """Take `steps` in order, each from the state the ones before it left (in the caller's
    transaction, never commits): one read of the seals and one write for all of them, however
    many events of a custody batch they come from. Any refusal refuses all.

    Custody runs this under the writer lock for every handover, so it reads and writes no more
    than it must: package regencies only where a seal is applied (or a package is not the one
    its seal is on, to tell an unknown package from a wrong one), and a seal's row only when its
    state or package changes (a seal checked again keeps its row; its history gains a line)."""
    packages = {
        a.package_id: str(parse_package_id(a.package_id))
        for a in (step.seal for step in steps)
        if a.package_id
    }
    applying = [
        packages[s.seal.package_id] for s in steps if s.action == APPLY and s.seal.package_id
    ]
    regencies = repo.package_regencies(session, applying) if applying else {}
    seals = repo.lock_seals(session, [step.seal.seal for step in steps])
    state: dict[int, tuple[str, str | None]] = {
        n: (s.state, s.package_id) for n, s in seals.items()
    }
    changes: dict[int, dict[str, Any]] = {}
    events = []
    for step in steps:
        action, a = step.action, step.seal
        package = packages.get(a.package_id) if a.package_id else None
        if action in (APPLY, CHECK) and package is None:
            raise SalurError("kits.seal_needs_package", seal=str(a.seal))
        current, on = state.get(a.seal, (None, None))
        if package is not None and package not in regencies and on != package:
            regencies |= repo.package_regencies(session, [package])
            if package not in regencies:
                raise SalurError("kits.unknown_package", package=package)
        after = next_state(current, action, a.seal)
        seal = seals[a.seal]
        if action == APPLY and package is not None and regencies[package] != seal.regency_code:
            raise SealRefusedError(
                "kits.seal_other_regency",
                seal=str(a.seal),
                regency=seal.regency_code,
                package=package,
                package_regency=regencies[package],
            )
        if package is not None and action != APPLY and on != package:
            raise SealRefusedError(
                "kits.seal_on_other_package", seal=str(a.seal), package=package, actual=on or "-"
            )
        before = (current, on)
        on = package if action == APPLY else on
        state[a.seal] = (after, on)
        if (after, on) != before:
            changes[a.seal] = {
                "number": a.seal,
                "state": after,
                "package_id": on,
                "updated_at": step.at,
            }
        events.append(_event(a.seal, action, after, on, step.actor, a.note, step.at))
    repo.update_seals(session, list(changes.values()), events)
    return len(events)


def _event(
    number: int,
    action: str,
    state: str,
    package: str | None,
    actor: str,
    note: str,
    at: dt.datetime,
) -> dict[str, Any]:
    return {
        "seal_number": number,
        "action": action,
        "state": state,
        "package_id": package,
        "actor": actor,
        "note": note,
        "at": at,
    }


@dataclass(frozen=True)
class SealHistory:
    """One action on a seal, as recorded."""

    action: str
    state: str
    package_id: str | None
    actor: str
    note: str
    at: dt.datetime


@dataclass(frozen=True)
class SealStatus:
    """A seal, where it is now, and its history oldest first."""

    number: int
    regency: str
    state: str
    package_id: str | None
    history: list[SealHistory]


def seal_status(uow: UnitOfWork, number: int) -> SealStatus:
    """A seal and its history (plain values, usable after the unit of work ends)."""
    seal = uow.session.get(Seal, number)
    if seal is None:
        raise SealRefusedError("kits.seal_unknown", seal=str(number), state="")
    history = [
        SealHistory(e.action, e.state, e.package_id, e.actor, e.note, e.at)
        for e in repo.seal_history(uow.session, number)
    ]
    return SealStatus(seal.number, seal.regency_code, seal.state, seal.package_id, history)
