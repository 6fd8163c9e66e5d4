"""Use cases for voters per TPS: import an official DPT file, (re)compute the open estimate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from salur.csvrows import read_rows
from salur.geo.models import District, DptTotal, Regency, Tps, Village
from salur.uow import UnitOfWork
from salur.voters.estimate import NO_DPT, TpsColumns, estimate, sirekap_weights

OFFICIAL = "official"
ESTIMATED = "estimated"
# Desa flagged in the data (zero sum, mean above 300 per TPS) do not weigh the estimate.
USABLE_FLAGS = (None, "")
# Core table, not the ORM class: executemany UPDATEs by primary key without ORM bookkeeping.
TPS_TABLE = cast(Table, Tps.__table__)


def estimate_dpt(session: Session) -> int:
    """Recompute every estimated TPS (official figures stay); returns how many TPS changed."""
    rows = session.execute(
        select(
            Tps.id,
            Tps.village_code,
            District.regency_code,
            Regency.province_code,
            Tps.dpt,
            Tps.dpt_source,
        )
        .join(Village, Tps.village_code == Village.code)
        .join(District, Village.district_code == District.code)
        .join(Regency, District.regency_code == Regency.code)
        .order_by(Tps.code)
    ).all()
    if not rows:
        return 0
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    villages = session.execute(
        select(
            Village.code,
            District.regency_code,
            Village.dpt_reported,
            Village.tps_reported,
            Village.dpt_flag,
        ).join(District, Village.district_code == District.code)
    ).all()
    village_index = {v[0]: i for i, v in enumerate(villages)}
    regency_names, regency_of_village = np.unique([v[1] for v in villages], return_inverse=True)
    del regency_names
    weights = sirekap_weights(
        np.array([village_index[r[1]] for r in rows], dtype=np.int64),
        regency_of_village.astype(np.int64),
        np.array([v[2] or 0 for v in villages], dtype=np.float64),
        np.array([v[3] or 0 for v in villages], dtype=np.float64),
        np.array([v[4] in USABLE_FLAGS and (v[3] or 0) > 0 for v in villages]),
    )
    official = np.array(
        [r[4] if r[5] == OFFICIAL and r[4] is not None else NO_DPT for r in rows], dtype=np.int64
    )
    totals = {t.region_code: t.dpt for t in session.scalars(select(DptTotal))}
    columns = TpsColumns(
        regency=np.array([r[2] for r in rows]),
        province=np.array([r[3] for r in rows]),
        official=official,
        weight=weights,
    )
    result = estimate(columns, totals)
    changes = []
    for i, row in enumerate(rows):
        if official[i] != NO_DPT:
            continue
        dpt = int(result[i]) if result[i] != NO_DPT else None
        source = ESTIMATED if dpt is not None else None
        if row[4] != dpt or row[5] != source:
            changes.append({"b_id": int(ids[i]), "b_dpt": dpt, "b_source": source})
    if changes:
        session.execute(
            update(TPS_TABLE)
            .where(TPS_TABLE.c.id == bindparam("b_id"))
            .values(dpt=bindparam("b_dpt"), dpt_source=bindparam("b_source")),
            changes,
        )
    return len(changes)


@dataclass
class ImportReport:
    """What an official DPT import did."""

    imported: int
    estimates_changed: int


TPS_COLUMNS = ("tps_code", "tps_code_kpu", "kode_tps")


def import_dpt(uow: UnitOfWork, path: Path) -> ImportReport:
    """Import an official DPT-per-TPS CSV (TPS code, DPT) and re-scale the remaining estimates.

    The whole file is checked before anything is written: an unknown TPS, a duplicate, or a value
    that is not a whole number >= 0 is refused with its row and column.
    """
    s = uow.session
    header_probe = next(iter(read_rows(path, [])), None)
    code_column = next(
        (c for c in TPS_COLUMNS if header_probe and c in header_probe.values), TPS_COLUMNS[0]
    )
    known = dict(s.execute(select(Tps.code, Tps.id)))
    seen: dict[str, int] = {}
    updates = []
    for row in read_rows(path, [code_column, "dpt"]):
        code = row.text(code_column)
        if code not in known:
            raise row.fail(code_column, "dpt.unknown_tps")
        if code in seen:
            raise row.fail(code_column, "input.duplicate_code", first_row=seen[code])
        seen[code] = row.number
        updates.append({"b_id": known[code], "b_dpt": row.count("dpt"), "b_source": OFFICIAL})
    if updates:
        s.execute(
            update(TPS_TABLE)
            .where(TPS_TABLE.c.id == bindparam("b_id"))
            .values(dpt=bindparam("b_dpt"), dpt_source=bindparam("b_source")),
            updates,
        )
    changed = estimate_dpt(s)
    uow.commit()
    return ImportReport(imported=len(updates), estimates_changed=changed)


def estimated_share(session: Session, tps_filter: object = None) -> float:
    """Share of TPS whose DPT is estimated (0..1), for the banner every report carries."""
    total = session.scalar(select(func.count()).select_from(Tps)) or 0
    estimated = session.scalar(select(func.count()).where(Tps.dpt_source == ESTIMATED)) or 0
    return estimated / total if total else 0.0
