"""The needs a regency's stock is measured against: its stored needs run, or computed afresh.

The latest stored run of the norm that covers the regency (its own, its province's or the
country's) is the one in force, since that is what the office reviewed; without one, the needs
are computed with `needs.service.calculate`. A run made with another version of the norm file is
refused: its quantities would not match the norm's packing rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.db import fetch_rows
from salur.errors import SalurError
from salur.geo.models import Tps
from salur.geo.repository import in_region, region_level, region_name
from salur.needs import repository as needs_repo
from salur.needs.formula import Line, PsuReserve, TpsInput
from salur.needs.models import NeedsLine, NeedsRun, PsuReserveNeed, TpsNeed
from salur.needs.service import calculate
from salur.norms.loader import LoadedNorm
from salur.stock.catalogue import Catalogue
from salur.stock.movements import BALLOT_ITEM, StockKey


@dataclass(frozen=True)
class RegencyNeeds:
    """Per-TPS needs of one regency, the dapil of each TPS per ballot type, and PSU reserves."""

    regency: str
    norm: LoadedNorm
    tps: pd.DataFrame  # tps_id, tps (code), village, district, ... in code order
    lines: list[Line]
    quantity: npt.NDArray[np.int64]  # (n_tps, n_lines)
    dapil: dict[str, npt.NDArray[np.object_]]  # ballot type -> dapil per TPS
    psu: list[PsuReserve]  # reserves held within the regency
    run_id: int | None  # the stored run used, or None when computed afresh

    def line_key(self, index: int, row: int) -> StockKey:
        line = self.lines[index]
        if line.ballot_type is None:
            return StockKey(line.code)
        return StockKey(BALLOT_ITEM, line.ballot_type, str(self.dapil[line.ballot_type][row]))

    def tps_totals(self) -> dict[StockKey, int]:
        """Needs of the regency's TPS kits per stock key."""
        totals: dict[StockKey, int] = {}
        for i, line in enumerate(self.lines):
            column = self.quantity[:, i]
            if line.ballot_type is None:
                totals[StockKey(line.code)] = int(column.sum())
                continue
            frame = pd.DataFrame({"dapil": self.dapil[line.ballot_type], "q": column})
            for dapil, q in frame.groupby("dapil", sort=True)["q"].sum().items():
                if q:
                    totals[StockKey(BALLOT_ITEM, line.ballot_type, str(dapil))] = int(q)
        return totals

    def psu_totals(self) -> dict[StockKey, int]:
        """PSU reserves per stock key: the reserve of a scope (PPWP's regency) counts against the
        ballots that scope's TPS use (PPWP's single national design)."""
        inputs = needs_repo.formula_input(self.tps)
        scopes = {bt.code: (bt.district, bt.psu_scope) for bt in self.norm.norm.ballot_types}
        totals: dict[StockKey, int] = {}
        for p in self.psu:
            kind, scope = scopes[p.ballot_type]
            content = set(inputs.district(kind)[inputs.district(scope) == p.district])
            dapil = str(content.pop()) if len(content) == 1 else p.district
            key = StockKey(BALLOT_ITEM, p.ballot_type, dapil)
            totals[key] = totals.get(key, 0) + p.quantity
        return totals

    def catalogue(self) -> Catalogue:
        return catalogue_of(self.norm, self.tps)


def check_regency(session: Session, code: str) -> str:
    """The regency's name; refuses unknown codes and codes of another level."""
    if region_level(code) != "regency":
        raise SalurError("stock.not_a_regency", code=code)
    return region_name(session, code)


def catalogue_of(norm: LoadedNorm, tps: pd.DataFrame) -> Catalogue:
    """The keys a regency may stock: items, and each ballot type's dapil among its TPS."""
    inputs = needs_repo.formula_input(tps)
    dapil = {
        bt.code: sorted({str(d) for d in _districts(inputs, bt.district)} - {""})
        for bt in norm.norm.ballot_types
        if not set(inputs.province) <= set(bt.excluded_provinces)
    }
    return Catalogue([item.code for item in norm.norm.items], dapil)


def regency_catalogue(session: Session, regency: str, norm: LoadedNorm) -> Catalogue:
    check_regency(session, regency)
    return catalogue_of(norm, needs_repo.tps_frame(session, regency))


def regency_needs(session: Session, regency: str, norm: LoadedNorm) -> RegencyNeeds:
    """Needs of `regency`: from the stored run in force, else computed now (not stored)."""
    check_regency(session, regency)
    run = _run_in_force(session, regency, norm)
    if run is None:
        result = calculate(session, regency, norm)
        return RegencyNeeds(
            regency,
            norm,
            result.tps,
            result.needs.lines,
            result.needs.quantity,
            result.needs.districts,
            result.needs.psu,
            None,
        )
    if run.norm_sha256 != norm.sha256:
        raise SalurError("stock.run_other_norm", run=run.id, norm=norm.norm.id, region=regency)
    tps = needs_repo.tps_frame(session, regency)
    lines = _stored_lines(session, run.id)
    inputs = needs_repo.formula_input(tps)
    dapil = {bt.code: inputs.district(bt.district) for bt in norm.norm.ballot_types}
    return RegencyNeeds(
        regency,
        norm,
        tps,
        lines,
        _stored_quantities(session, run.id, regency, tps, len(lines)),
        dapil,
        _stored_psu(session, run.id, regency),
        run.id,
    )


def _districts(inputs: TpsInput, kind: str) -> npt.NDArray[np.object_]:
    return inputs.district(kind)  # type: ignore[arg-type]


def _run_in_force(session: Session, regency: str, norm: LoadedNorm) -> NeedsRun | None:
    covering = [regency, regency.split(".")[0], ""]
    return session.scalars(
        select(NeedsRun)
        .where(NeedsRun.norm_id == norm.norm.id, NeedsRun.region_code.in_(covering))
        .order_by(NeedsRun.id.desc())
    ).first()


def _stored_lines(session: Session, run_id: int) -> list[Line]:
    rows = session.scalars(
        select(NeedsLine).where(NeedsLine.run_id == run_id).order_by(NeedsLine.idx)
    ).all()
    return [Line(r.item, r.ballot_type, r.weight_g, r.volume_cm3, r.inside_kotak) for r in rows]


def _stored_quantities(
    session: Session, run_id: int, regency: str, tps: pd.DataFrame, n_lines: int
) -> npt.NDArray[np.int64]:
    rows = fetch_rows(
        session,
        select(TpsNeed.tps_id, TpsNeed.line_idx, TpsNeed.quantity).where(
            TpsNeed.run_id == run_id,
            TpsNeed.tps_id.in_(select(Tps.id).where(in_region(Tps.village_code, regency))),
        ),
    )
    quantity = np.zeros((len(tps), n_lines), dtype=np.int64)
    if rows:
        data = np.array(rows, dtype=np.int64)
        position = pd.Index(tps["tps_id"].to_numpy()).get_indexer(data[:, 0])
        quantity[position, data[:, 1]] = data[:, 2]
    return quantity


def _stored_psu(session: Session, run_id: int, regency: str) -> list[PsuReserve]:
    rows = session.scalars(
        select(PsuReserveNeed).where(
            PsuReserveNeed.run_id == run_id, in_region(PsuReserveNeed.holder_region, regency)
        )
    ).all()
    return [PsuReserve(r.ballot_type, r.district, r.holder_region, r.quantity) for r in rows]
