"""Every query of needs: reading TPS for the formula, and storing and finding runs."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from salur.geo.repository import tps_in_region
from salur.needs.formula import Needs, TpsInput
from salur.needs.models import NeedsLine, NeedsRun, PsuReserveNeed, TpsNeed

COPY_CHUNK = 200_000


def tps_frame(session: Session, region: str) -> pd.DataFrame:
    """TPS of a region with their parent codes, dapil, DPT and DPT source, in code order."""
    rows = session.execute(tps_in_region(region)).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "tps_id",
            "tps",
            "village",
            "district",
            "regency",
            "province",
            "kind",
            "dpt",
            "dpt_source",
            "dapil_dpr_ri",
            "dapil_dprd_prov",
            "dapil_dprd_kab",
        ],
    )
    for column in ("dapil_dpr_ri", "dapil_dprd_prov", "dapil_dprd_kab"):
        frame[column] = frame[column].fillna("")
    return frame


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


def _quantity_rows(
    run_id: int, needs: Needs, tps_ids: npt.NDArray[np.int64]
) -> Iterator[list[tuple[int, int, int, int]]]:
    rows, cols = np.nonzero(needs.quantity)
    values = needs.quantity[rows, cols]
    ids = tps_ids[rows]
    for start in range(0, len(rows), COPY_CHUNK):
        end = start + COPY_CHUNK
        yield list(
            zip(
                [run_id] * len(ids[start:end]),
                ids[start:end].tolist(),
                cols[start:end].tolist(),
                values[start:end].tolist(),
                strict=True,
            )
        )


def _bulk_quantities(
    session: Session, run_id: int, needs: Needs, tps_ids: npt.NDArray[np.int64]
) -> int:
    """Millions of rows: written with the driver's fastest path (PostgreSQL COPY, SQLite
    executemany) rather than ORM objects, which would take minutes and gigabytes."""
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
                for chunk in _quantity_rows(run_id, needs, tps_ids):
                    for row in chunk:
                        copy.write_row(row)
                    written += len(chunk)
        else:
            sql = "INSERT INTO tps_need (run_id, tps_id, line_idx, quantity) VALUES (?, ?, ?, ?)"
            for chunk in _quantity_rows(run_id, needs, tps_ids):
                cursor.executemany(sql, chunk)
                written += len(chunk)
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
    from sqlalchemy import func

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
