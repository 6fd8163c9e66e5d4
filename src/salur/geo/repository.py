"""Every query of the reference geography."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from salur.db import Base
from salur.errors import NotFoundError
from salur.geo.models import District, Province, Regency, Village

CHUNK = 20_000


@dataclass
class SyncCounts:
    """What a load did to one table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def sync_rows(
    session: Session,
    model: type[Base],
    key: Sequence[str],
    records: Sequence[dict[str, Any]],
    on_chunk: Any = None,
) -> SyncCounts:
    """Insert new rows and update changed ones, comparing only the columns in `records`.

    Columns not in the records (a TPS's DPT, say) are left alone, so reloading reference data
    never overwrites what users recorded since. Nothing is deleted.
    """
    counts = SyncCounts()
    if not records:
        return counts
    columns = [c for c in records[0] if not c.startswith("_")]
    table = cast(Table, model.__table__)
    existing = {
        tuple(r[: len(key)]): tuple(r[len(key) :])
        for r in session.execute(select(*[table.c[c] for c in (*key, *columns)])).all()
    }
    new, changed = [], []
    for record in records:
        row = {c: record[c] for c in columns}
        k = tuple(row[c] for c in key)
        old = existing.get(k)
        if old is None:
            new.append(row)
        elif old != tuple(row[c] for c in columns):
            changed.append(row)
        else:
            counts.unchanged += 1
    for start in range(0, len(new), CHUNK):
        session.execute(insert(table), new[start : start + CHUNK])
        if on_chunk:
            on_chunk(len(new[start : start + CHUNK]))
    if changed:
        # One executemany UPDATE; bound names are prefixed so they never clash with column names.
        stmt = update(table).values({c: bindparam("v_" + c) for c in columns if c not in key})
        for c in key:
            stmt = stmt.where(table.c[c] == bindparam("k_" + c))
        params = [{("k_" if c in key else "v_") + c: v for c, v in row.items()} for row in changed]
        session.execute(stmt, params)
    counts.inserted, counts.updated = len(new), len(changed)
    return counts


def region_level(code: str) -> str:
    """'14' province, '14.05' regency, '14.05.10' district, '14.05.10.2001' village."""
    return {0: "country", 1: "province", 2: "regency", 3: "district", 4: "village"}.get(
        len(code.split(".")) if code else 0, "unknown"
    )


def region_name(session: Session, code: str) -> str:
    """The name of a region, or NotFoundError if no such code is loaded."""
    model: Any = {
        "province": Province,
        "regency": Regency,
        "district": District,
        "village": Village,
    }.get(region_level(code))
    if not code:
        return "Indonesia"
    name = session.scalar(select(model.name).where(model.code == code)) if model else None
    if name is None:
        raise NotFoundError("region.unknown", code=code)
    return str(name)


def in_region(column: Any, code: str) -> Any:
    """A filter for dotted codes at or below `code` ('' = everything)."""
    if not code:
        return column.is_not(None)
    return (column == code) | column.like(code + ".%")


def count_rows(session: Session, model: type[Base], column: Any = None, code: str = "") -> int:
    stmt = select(func.count()).select_from(model)
    if column is not None:
        stmt = stmt.where(in_region(column, code))
    return int(session.scalar(stmt) or 0)


def names_in_region(session: Session, code: str) -> dict[str, str]:
    """Names of the regencies and kecamatan at or below `code`, by code (for reports)."""
    names: dict[str, str] = {}
    for model in (Regency, District):
        stmt = select(model.code, model.name).where(in_region(model.code, code))
        names.update(dict(session.execute(stmt).all()))
    return names
