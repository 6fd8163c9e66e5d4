"""Every query of kits and seals: kits written in bulk, label rows, seals locked for update."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Table, func, insert, select
from sqlalchemy.orm import Session, aliased

from salur.db import raw_cursor, raw_sql
from salur.geo.models import Dapil, District, Province, Regency, Tps, Village
from salur.geo.repository import in_region
from salur.kits.models import Kit, KitPackage, KitPackageLine, Seal, SealEvent
from salur.kits.seals import APPLIED, CHECKED

CHUNK = 10_000


def packed_tps(session: Session, regency: str) -> set[int]:
    """TPS of the regency that already have a kit."""
    return set(session.scalars(select(Kit.tps_id).where(Kit.regency_code == regency)))


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Core executemany in chunks: tens of thousands of rows without ORM bookkeeping."""
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model.__table__), list(rows[start : start + CHUNK]))


def add_kits(session: Session, kits: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Insert kits (one dict per kit); returns kit id per TPS id."""
    _insert(session, Kit, kits)
    packing_ids = {k["packing_id"] for k in kits}
    rows = session.execute(select(Kit.tps_id, Kit.id).where(Kit.packing_id.in_(packing_ids)))
    return {int(tps_id): int(kit_id) for tps_id, kit_id in rows}


def add_packages(
    session: Session, packages: Sequence[dict[str, Any]], lines: Sequence[dict[str, Any]]
) -> None:
    _insert(session, KitPackage, packages)
    _insert(session, KitPackageLine, lines)


def package_count(session: Session, region: str) -> int:
    stmt = (
        select(func.count())
        .select_from(KitPackage)
        .join(Kit, Kit.id == KitPackage.kit_id)
        .join(Tps, Tps.id == Kit.tps_id)
        .where(in_region(Tps.village_code, region))
    )
    return int(session.scalar(stmt) or 0)


def label_rows(session: Session, region: str) -> list[tuple[Any, ...]]:
    """Packages at or below `region` with their TPS, desa, kecamatan and regency, in TPS order:
    (id, kind, seq, packages in kit, ballot type, dapil, count, norm, TPS code, TPS name, desa,
    kecamatan, regency)."""
    sibling = aliased(KitPackage)
    size = (
        select(func.count())
        .select_from(sibling)
        .where(sibling.kit_id == Kit.id)
        .correlate(Kit)
        .scalar_subquery()
    )
    stmt = (
        select(
            KitPackage.id,
            KitPackage.kind,
            KitPackage.seq,
            size,
            KitPackage.ballot_type,
            KitPackage.dapil,
            KitPackage.count,
            Kit.norm_id,
            Tps.code,
            Tps.name,
            Village.name,
            District.name,
            Regency.name,
        )
        .join(Kit, Kit.id == KitPackage.kit_id)
        .join(Tps, Tps.id == Kit.tps_id)
        .join(Village, Village.code == Tps.village_code)
        .join(District, District.code == Village.district_code)
        .join(Regency, Regency.code == District.regency_code)
        .where(in_region(Tps.village_code, region))
        .order_by(Tps.code, KitPackage.seq)
    )
    return [tuple(row) for row in session.execute(stmt).all()]


def seals_on_packages(session: Session, region: str) -> dict[str, list[int]]:
    """Seal numbers holding on each package at or below `region` (applied or checked)."""
    stmt = (
        select(Seal.package_id, Seal.number)
        .join(KitPackage, KitPackage.id == Seal.package_id)
        .join(Kit, Kit.id == KitPackage.kit_id)
        .join(Tps, Tps.id == Kit.tps_id)
        .where(Seal.state.in_((APPLIED, CHECKED)), in_region(Tps.village_code, region))
        .order_by(Seal.number)
    )
    out: dict[str, list[int]] = {}
    for package_id, number in session.execute(stmt).all():
        out.setdefault(str(package_id), []).append(int(number))
    return out


def dapil_names(session: Session) -> dict[tuple[str, str], str]:
    rows = session.execute(select(Dapil.level, Dapil.code, Dapil.name)).all()
    return {(level, code): name for level, code, name in rows}


def province_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(Province.code, Province.name)).all()
    return {str(code): str(name) for code, name in rows}


def package_regencies(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The regency of each known package id among `ids`."""
    wanted = sorted(set(ids))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = (
            select(KitPackage.id, Kit.regency_code)
            .join(Kit, Kit.id == KitPackage.kit_id)
            .where(KitPackage.id.in_(wanted[start : start + CHUNK]))
        )
        out.update({str(pid): str(regency) for pid, regency in session.execute(stmt).all()})
    return out


@dataclass(frozen=True, slots=True)
class SealRow:
    """A seal as read for a change: plain values, always what the store holds now (ORM objects
    would be the session's cached copies, stale after the bulk updates below)."""

    number: int
    regency_code: str
    state: str
    package_id: str | None


def lock_seals(session: Session, numbers: Iterable[int]) -> dict[int, SealRow]:
    """The seals among `numbers`, locked until commit (PostgreSQL; SQLite has one writer)."""
    wanted = sorted(set(numbers))
    out: dict[int, SealRow] = {}
    columns = (Seal.number, Seal.regency_code, Seal.state, Seal.package_id)
    for start in range(0, len(wanted), CHUNK):
        stmt = select(*columns).where(Seal.number.in_(wanted[start : start + CHUNK]))
        out.update({int(r[0]): SealRow(*r) for r in session.execute(stmt.with_for_update())})
    return out


def seals_in_range(session: Session, first: int, last: int) -> tuple[int, int | None]:
    """How many seals in [first, last] exist already, and the lowest of them."""
    row = session.execute(
        select(func.count(), func.min(Seal.number)).where(Seal.number.between(first, last))
    ).one()
    return int(row[0]), (None if row[1] is None else int(row[1]))


def add_seals(
    session: Session, seals: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]]
) -> None:
    _insert(session, Seal, seals)
    _insert(session, SealEvent, events)


def update_seals(
    session: Session, changes: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]]
) -> None:
    """Set each seal's state and package (rows: number, state, package_id, updated_at) and add
    the history rows, on the transaction's DBAPI cursor: custody checks the seals of every
    handover under the store's writer lock, where SQLAlchemy's per-row parameter processing
    (even Core executemany) cost as much as SQLite's writes themselves."""
    raw = raw_cursor(session)
    stamp = _stamp(raw.dialect)
    if changes:
        sql = "UPDATE seal SET state = ?, package_id = ?, updated_at = ? WHERE number = ?"
        rows = [(c["state"], c["package_id"], stamp(c["updated_at"]), c["number"]) for c in changes]
        raw.cursor.executemany(raw_sql(raw.dialect, sql), rows)
    if events:
        sql = (
            "INSERT INTO seal_event (seal_number, action, state, package_id, actor, note, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        columns = ("seal_number", "action", "state", "package_id", "actor", "note")
        history = [(*(e[c] for c in columns), stamp(e["at"])) for e in events]
        raw.cursor.executemany(raw_sql(raw.dialect, sql), history)


@functools.lru_cache(maxsize=8)
def _stamp(dialect: Dialect) -> Callable[[Any], Any]:
    """How a seal's times are stored, exactly as their column type stores them."""
    column = cast(Table, SealEvent.__table__).c.at
    return column.type.bind_processor(dialect) or (lambda value: value)


def seal_history(session: Session, number: int) -> list[SealEvent]:
    return list(
        session.scalars(
            select(SealEvent).where(SealEvent.seal_number == number).order_by(SealEvent.id)
        )
    )
