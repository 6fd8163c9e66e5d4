"""Use cases for voters per TPS: import an official DPT file, (re)compute the open estimate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from salur.csvrows import read_rows
from salur.db import fetch_rows
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
    tps = pd.DataFrame.from_records(
        fetch_rows(
            session,
            select(Tps.id, Tps.village_code, Tps.dpt, Tps.dpt_source).order_by(Tps.code),
        ),
        columns=["id", "village", "dpt", "source"],
    )
    if tps.empty:
        return 0
    villages = pd.DataFrame.from_records(
        fetch_rows(
            session,
            select(
                Village.code,
                District.regency_code,
                Regency.province_code,
                Village.dpt_reported,
                Village.tps_reported,
                Village.dpt_flag,
            )
            .join(District, Village.district_code == District.code)
            .join(Regency, District.regency_code == Regency.code),
        ),
        columns=["village", "regency", "province", "dpt_reported", "tps_reported", "flag"],
    )
    village_of_tps = pd.Index(villages["village"]).get_indexer(tps["village"])
    regency_of_village = pd.factorize(villages["regency"])[0]
    tps_reported = villages["tps_reported"].fillna(0).to_numpy(dtype=np.float64)
    weights = sirekap_weights(
        village_of_tps.astype(np.int64),
        regency_of_village.astype(np.int64),
        villages["dpt_reported"].fillna(0).to_numpy(dtype=np.float64),
        tps_reported,
        (villages["flag"].isna() | (villages["flag"] == "")).to_numpy() & (tps_reported > 0),
    )
    is_official = (tps["source"] == OFFICIAL).to_numpy() & tps["dpt"].notna().to_numpy()
    official = np.where(is_official, tps["dpt"].fillna(NO_DPT).to_numpy(), NO_DPT).astype(np.int64)
    totals = {t.region_code: t.dpt for t in session.scalars(select(DptTotal))}
    columns = TpsColumns(
        regency=villages["regency"].to_numpy(dtype=str)[village_of_tps],
        province=villages["province"].to_numpy(dtype=str)[village_of_tps],
        official=official,
        weight=weights,
    )
    result = estimate(columns, totals)
    old = tps["dpt"].fillna(NO_DPT).to_numpy(dtype=np.int64)
    was_estimated = (tps["source"] == ESTIMATED).to_numpy()
    changed = ~is_official & ((old != result) | (was_estimated != (result != NO_DPT)))
    changes = [
        {
            "b_id": tps_id,
            "b_dpt": dpt if dpt != NO_DPT else None,
            "b_source": ESTIMATED if dpt != NO_DPT else None,
        }
        for tps_id, dpt in zip(
            tps["id"].to_numpy()[changed].tolist(), result[changed].tolist(), strict=True
        )
    ]
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
    known = dict(s.execute(select(Tps.code, Tps.id)).all())
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
