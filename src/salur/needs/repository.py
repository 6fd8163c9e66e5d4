"""Every query of needs: reading TPS for the formula, and storing and finding runs."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from salur.db import fetch_rows
from salur.geo.models import District, Regency, Tps, Village
from salur.geo.repository import in_region
from salur.needs.formula import DistrictSpans, Needs, TpsInput
from salur.needs.models import NeedsLine, NeedsRun, PsuReserveNeed, TpsNeed

COPY_CHUNK = 200_000
COPY_SQL = "COPY tps_need (run_id, tps_id, line_idx, quantity) FROM STDIN"


def tps_frame(session: Session, region: str) -> pd.DataFrame:
    """TPS of a region with their parent codes, dapil, DPT and DPT source, in code order.

    Two plain queries joined in pandas: for 820,161 TPS this is several times faster than a
    four-table SQL join returning one wide row per TPS, and repeated codes become categoricals.
    """
    tps = pd.DataFrame.from_records(
        fetch_rows(
            session,
            select(Tps.id, Tps.code, Tps.village_code, Tps.kind, Tps.dpt, Tps.dpt_source)
            .where(in_region(Tps.village_code, region))
            .order_by(Tps.code),
        ),
        columns=["tps_id", "tps", "village", "kind", "dpt", "dpt_source"],
    )
    villages = pd.DataFrame.from_records(
        fetch_rows(
            session,
            select(
                Village.code,
                Village.district_code,
                District.regency_code,
                Regency.province_code,
                Village.dapil_dpr_ri,
                Village.dapil_dprd_prov,
                Village.dapil_dprd_kab,
            )
            .join(District, Village.district_code == District.code)
            .join(Regency, District.regency_code == Regency.code)
            .where(in_region(Village.code, region)),
        ),
        columns=[
            "village",
            "district",
            "regency",
            "province",
            "dapil_dpr_ri",
            "dapil_dprd_prov",
            "dapil_dprd_kab",
        ],
    ).fillna("")
    frame = tps.merge(villages, on="village", how="left", sort=False)
    for column in ("village", "district", "regency", "province", "kind", "dpt_source"):
        frame[column] = frame[column].astype("category")
    return frame


def district_spans(session: Session) -> DistrictSpans:
    """For every dapil and region code: the lowest and highest regency it touches in the store."""
    regency = District.regency_code
    joined = select(Village.code).join(District, Village.district_code == District.code)
    spans: DistrictSpans = {}
    for level, column in (
        ("dpr_ri", Village.dapil_dpr_ri),
        ("dprd_prov", Village.dapil_dprd_prov),
        ("dprd_kab", Village.dapil_dprd_kab),
    ):
        stmt = (
            joined.with_only_columns(column, func.min(regency), func.max(regency))
            .where(column.is_not(None))
            .group_by(column)
        )
        spans[level] = {str(code): (lo, hi) for code, lo, hi in session.execute(stmt).all()}
    return spans


def formula_input(frame: pd.DataFrame) -> TpsInput:
    """The arrays the pure formula reads."""

    def text(column: str) -> npt.NDArray[np.object_]:
        return frame[column].to_numpy(dtype=object)

    return TpsInput(
        dpt=frame["dpt"].to_numpy(dtype=np.int64),
        province=text("province"),
        regency=text("regency"),
        dapil_dpr_ri=text("dapil_dpr_ri"),
        dapil_dprd_prov=text("dapil_dprd_prov"),
        dapil_dprd_kab=text("dapil_dprd_kab"),
    )


def replace_runs(session: Session, norm_id: str, region: str) -> None:
    """Drop earlier runs of the same norm and region: the newest run is the one in force."""
    old = list(
        session.scalars(
            select(NeedsRun.id).where(NeedsRun.norm_id == norm_id, NeedsRun.region_code == region)
        )
    )
    if old:
        for model in (TpsNeed, NeedsLine, PsuReserveNeed):
            session.execute(delete(model).where(model.run_id.in_(old)))
        session.execute(delete(NeedsRun).where(NeedsRun.id.in_(old)))


def store_needs(
    session: Session, run: NeedsRun, needs: Needs, tps_ids: npt.NDArray[np.int64]
) -> int:
    """Write the run's lines, PSU reserves and every non-zero quantity; returns rows written."""
    session.add(run)
    session.flush()
    session.add_all(
        NeedsLine(
            run_id=run.id,
            idx=i,
            item=line.code,
            ballot_type=line.ballot_type,
            weight_g=line.weight_g,
            volume_cm3=line.volume_cm3,
            inside_kotak=line.inside_kotak,
        )
        for i, line in enumerate(needs.lines)
    )
    session.add_all(
        PsuReserveNeed(
            run_id=run.id,
            ballot_type=p.ballot_type,
            district=p.district,
            holder_region=p.holder,
            quantity=p.quantity,
        )
        for p in needs.psu
    )
    session.flush()
    return _bulk_quantities(session, run.id, needs, tps_ids)


def _quantity_blocks(
    run_id: int, needs: Needs, tps_ids: npt.NDArray[np.int64]
) -> Iterator[npt.NDArray[np.int64]]:
    """(run_id, tps_id, line_idx, quantity) rows of the non-zero quantities, in key order."""
    rows, cols = np.nonzero(needs.quantity)
    for start in range(0, len(rows), COPY_CHUNK):
        r, c = rows[start : start + COPY_CHUNK], cols[start : start + COPY_CHUNK]
        yield np.column_stack(
            [np.full(len(r), run_id, dtype=np.int64), tps_ids[r], c, needs.quantity[r, c]]
        )


def _bulk_quantities(
    session: Session, run_id: int, needs: Needs, tps_ids: npt.NDArray[np.int64]
) -> int:
    """Millions of rows: written with the driver's fastest path (PostgreSQL COPY of text blocks,
    SQLite executemany of plain lists) rather than ORM objects, which take minutes and gigabytes."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None
    written = 0
    cursor = raw.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(
                "COPY tps_need (run_id, tps_id, line_idx, quantity) FROM STDIN"
            ) as copy:
                for block in _quantity_blocks(run_id, needs, tps_ids):
                    text = io.StringIO()
                    np.savetxt(text, block, fmt="%d", delimiter="\t")
                    copy.write(text.getvalue())
                    written += len(block)
        else:
            sql = "INSERT INTO tps_need (run_id, tps_id, line_idx, quantity) VALUES (?, ?, ?, ?)"
            for block in _quantity_blocks(run_id, needs, tps_ids):
                cursor.executemany(sql, block.tolist())
                written += len(block)
    finally:
        cursor.close()
    return written


def latest_run(session: Session, norm_id: str, region: str) -> NeedsRun | None:
    return session.scalars(
        select(NeedsRun)
        .where(NeedsRun.norm_id == norm_id, NeedsRun.region_code == region)
        .order_by(NeedsRun.id.desc())
    ).first()


def stored_totals(session: Session, run_id: int) -> dict[tuple[str, str | None], int]:
    """Sum of stored quantities per (item, ballot type): for checks that the store is whole."""

    rows = session.execute(
        select(NeedsLine.item, NeedsLine.ballot_type, func.sum(TpsNeed.quantity))
        .join(
            NeedsLine,
            (NeedsLine.run_id == TpsNeed.run_id) & (NeedsLine.idx == TpsNeed.line_idx),
        )
        .where(TpsNeed.run_id == run_id)
        .group_by(NeedsLine.item, NeedsLine.ballot_type)
    ).all()
    return {(item, bt): int(total) for item, bt, total in rows}
