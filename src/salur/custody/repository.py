"""Every query of custody, including the kit packages read by `packages.KitsPackageSource`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import Dialect, func, select
from sqlalchemy.orm import Session

from salur.custody.models import (
    CustodyDevice,
    CustodyEvent,
    CustodyFinding,
    CustodyItem,
    CustodyPackage,
)
from salur.db import raw_cursor, raw_sql

CHUNK = 5_000
ARRIVALS_AT_TPS = ("opening", "handover", "receipt")


def event_by_id(session: Session, event_id: int) -> CustodyEvent | None:
    return session.get(CustodyEvent, event_id)


def event_by_sha(session: Session, body_sha256: str) -> CustodyEvent | None:
    """The event whose canonical body has this hash (a resubmission finds its first record)."""
    query = select(CustodyEvent).where(CustodyEvent.body_sha256 == body_sha256)
    return session.scalars(query).one_or_none()


def events_by_sha(session: Session, shas: Collection[str]) -> dict[str, CustodyEvent]:
    """The events among these body hashes that are recorded already (a batch's resubmissions)."""
    wanted = sorted(set(shas))
    out: dict[str, CustodyEvent] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(CustodyEvent).where(
            CustodyEvent.body_sha256.in_(wanted[start : start + CHUNK])
        )
        out.update({row.body_sha256: row for row in session.scalars(query)})
    return out


def event_at(session: Session, log_id: int, index: int) -> CustodyEvent | None:
    query = select(CustodyEvent).where(
        CustodyEvent.log_id == log_id, CustodyEvent.log_index == index
    )
    return session.scalars(query).one_or_none()


def package_states(session: Session, ids: Collection[str]) -> dict[str, CustodyPackage]:
    """The stored custody state of each package among `ids` (none: still at its warehouse)."""
    wanted = sorted(set(ids))
    out: dict[str, CustodyPackage] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(CustodyPackage).where(
            CustodyPackage.package_id.in_(wanted[start : start + CHUNK])
        )
        out.update({row.package_id: row for row in session.scalars(query)})
    return out


StateRow = tuple[str, str, str, str | None, str | None, str | None]
"""(phase, holder level, holder region, heading level, heading region, seals) of a package."""


def locked_states(session: Session, ids: Collection[str]) -> dict[str, StateRow]:
    """The stored state of each package among `ids`, locked for the transaction (the rows a
    batch reads under the writer lock: plain tuples, not ORM instances, which cost ~10x)."""
    table = CustodyPackage.__table__.c
    wanted = sorted(set(ids))
    out: dict[str, StateRow] = {}
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(
                table.package_id,
                table.phase,
                table.holder_level,
                table.holder_region,
                table.to_level,
                table.to_region,
                table.seals,
            )
            .where(table.package_id.in_(wanted[start : start + CHUNK]))
            .with_for_update()
        )
        out.update({row[0]: tuple(row[1:]) for row in session.connection().execute(query)})
    return out


def device_rows(
    session: Session, ids: Collection[str]
) -> Sequence[tuple[str, str, str, str, bytes, dt.datetime | None]]:
    """(id, role, region_code, person, public_key, revoked_at) of the registered devices among
    `ids`: plain rows, as every upload checks its signatures against them under the writer
    lock, where ORM objects cost more than the query."""
    if not ids:
        return ()
    d = CustodyDevice
    columns = (d.id, d.role, d.region_code, d.person, d.public_key, d.revoked_at)
    return session.execute(select(*columns).where(d.id.in_(sorted(set(ids))))).tuples().all()


def device(session: Session, device_id: str) -> CustodyDevice | None:
    return session.get(CustodyDevice, device_id)


def add(session: Session, *rows: Any) -> None:
    """Stage rows and flush, so their ids exist and constraint errors surface here."""
    session.add_all(rows)
    session.flush()


def counts_at_tps(session: Session, package_ids: Collection[str]) -> dict[str, int]:
    """The latest count seen of each package at its TPS (on arrival or opening).

    In chunks: SQLite slows to a crawl on one IN list of a province's ~100,000 packages (the
    season report's reconciliation); a package's rows all fall in its own chunk.
    """
    wanted = sorted(set(package_ids))
    out: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(CustodyItem.package_id, CustodyItem.count)
            .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
            .where(
                CustodyItem.package_id.in_(wanted[start : start + CHUNK]),
                CustodyItem.count.is_not(None),
                CustodyEvent.kind.in_(ARRIVALS_AT_TPS),
                (CustodyEvent.kind == "opening") | (CustodyEvent.hop == "pps_kpps"),
            )
            .order_by(CustodyEvent.id)
        )
        out.update({str(pid): int(count or 0) for pid, count in session.execute(query).all()})
    return out


def events_of_package(session: Session, package_id: str) -> list[CustodyEvent]:
    """Every event that concerned a package, oldest first."""
    query = (
        select(CustodyEvent)
        .join(CustodyItem, CustodyItem.event_id == CustodyEvent.id)
        .where(CustodyItem.package_id == package_id)
        .order_by(CustodyEvent.id)
    )
    return list(session.scalars(query))


def incidents_caused_by(session: Session, event_id: int) -> list[CustodyEvent]:
    query = (
        select(CustodyEvent)
        .where(CustodyEvent.cause_event_id == event_id)
        .order_by(CustodyEvent.id)
    )
    return list(session.scalars(query))


def findings_of(session: Session, event_ids: Sequence[int]) -> list[CustodyFinding]:
    if not event_ids:
        return []
    query = (
        select(CustodyFinding)
        .where(CustodyFinding.event_id.in_(list(event_ids)))
        .order_by(CustodyFinding.id)
    )
    return list(session.scalars(query))


def tallies_in_region(session: Session, tps_prefix: str) -> list[CustodyItem]:
    """The latest sealed-return tally of each package of the TPS whose code starts so."""
    latest = (
        select(func.max(CustodyItem.event_id))
        .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
        .where(
            CustodyEvent.kind == "sealed_return",
            CustodyItem.used.is_not(None),
            CustodyItem.tps_code.like(tps_prefix + "%"),
        )
        .group_by(CustodyItem.package_id)
    )
    query = (
        select(CustodyItem)
        .where(CustodyItem.event_id.in_(latest), CustodyItem.tps_code.like(tps_prefix + "%"))
        .order_by(CustodyItem.tps_code, CustodyItem.ballot_type)
    )
    return [row for row in session.scalars(query) if row.used is not None]


def kit_packages(session: Session, ids: Collection[str]) -> list[tuple[Any, ...]]:
    """Kit packages among `ids` with their TPS's chain and dapil: (package, kind, ballot type,
    dapil, count, norm, TPS code, desa, kecamatan, regency, dapil DPR RI, DPRD prov, DPRD kab).
    """
    from salur.geo.models import Tps, Village
    from salur.kits.models import Kit, KitPackage

    wanted = sorted(set(ids))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(
                KitPackage.id,
                KitPackage.kind,
                KitPackage.ballot_type,
                KitPackage.dapil,
                KitPackage.count,
                Kit.norm_id,
                Tps.code,
                Village.code,
                Village.district_code,
                Kit.regency_code,
                Village.dapil_dpr_ri,
                Village.dapil_dprd_prov,
                Village.dapil_dprd_kab,
            )
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
            .join(Village, Village.code == Tps.village_code)
            .where(KitPackage.id.in_(wanted[start : start + CHUNK]))
        )
        rows.extend(tuple(row) for row in session.execute(query).all())
    return rows


def kit_seals(session: Session, ids: Collection[str]) -> dict[str, set[int]]:
    """Seals the registry has holding on each package (applied or checked)."""
    from salur.kits.models import Seal
    from salur.kits.seals import APPLIED, CHECKED

    wanted = sorted(set(ids))
    out: dict[str, set[int]] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(Seal.package_id, Seal.number).where(
            Seal.package_id.in_(wanted[start : start + CHUNK]),
            Seal.state.in_((APPLIED, CHECKED)),
        )
        for package_id, number in session.execute(query).all():
            out.setdefault(str(package_id), set()).add(int(number))
    return out


def event_positions(session: Session, event_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """(log id, log index) of each stored event among `event_ids`: a batch's receipts need
    only these, so one light query per 5,000 instead of loading each event."""
    wanted = sorted(set(event_ids))
    out: dict[int, tuple[int, int]] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(CustodyEvent.id, CustodyEvent.log_id, CustodyEvent.log_index).where(
            CustodyEvent.id.in_(wanted[start : start + CHUNK])
        )
        out.update({row[0]: (row[1], row[2]) for row in session.execute(query)})
    return out


# A batch's rows, written on the transaction's DBAPI cursor: under the store's writer lock
# SQLAlchemy's per-row parameter processing cost as much as SQLite's inserts themselves.
ITEM_COLUMNS = (
    "event_id, package_id, tps_code, ballot_type, dapil, count, used, unused, damaged, voters"
)
STATE_COLUMNS = (
    "phase, holder_level, holder_region, to_level, to_region, seals, last_event_id, updated_at"
)


def insert_items(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """custody_item rows, as tuples in ITEM_COLUMNS order."""
    raw = raw_cursor(session)
    sql = f"INSERT INTO custody_item ({ITEM_COLUMNS}) VALUES ({_marks(10)})"
    raw.cursor.executemany(raw_sql(raw.dialect, sql), rows)


def insert_states(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """New custody_package rows: (package id, TPS code, then STATE_COLUMNS)."""
    raw = raw_cursor(session)
    sql = (
        f"INSERT INTO custody_package (package_id, tps_code, {STATE_COLUMNS}) VALUES ({_marks(10)})"
    )
    raw.cursor.executemany(raw_sql(raw.dialect, sql), [_stamped(raw.dialect, r) for r in rows])


def update_states(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Stored custody_package rows changed: (STATE_COLUMNS, then the package id)."""
    raw = raw_cursor(session)
    assignments = ", ".join(f"{column} = ?" for column in STATE_COLUMNS.split(", "))
    sql = f"UPDATE custody_package SET {assignments} WHERE package_id = ?"
    stamp = _stamp(raw.dialect)
    rows = [(*r[:7], stamp(r[7]), r[8]) for r in rows]
    raw.cursor.executemany(raw_sql(raw.dialect, sql), rows)


def _stamped(dialect: Dialect, row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:9], _stamp(dialect)(row[9]))


@functools.lru_cache(maxsize=8)
def _stamp(dialect: Dialect) -> Callable[[Any], Any]:
    """How `updated_at` is stored, exactly as its column type stores it through SQLAlchemy."""
    column = CustodyPackage.__table__.c.updated_at
    return column.type.bind_processor(dialect) or (lambda value: value)


def _marks(count: int) -> str:
    return ", ".join("?" * count)
