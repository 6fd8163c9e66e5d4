"""The shortage report: needs (TPS kits + PSU reserve) minus stock, exactly, from the needs
engine or from the stored run in force."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from salur.errors import SalurError
from salur.needs.service import compute_needs
from salur.norms.loader import NORMS_DIR, load_norm
from salur.stock.movements import BALLOT_ITEM, StockKey
from salur.stock.service import shortage
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import (
    MERANTI,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
)

PPWP = StockKey(BALLOT_ITEM, "ppwp", "ID")


def test_shortage_is_needs_minus_stock_exactly(meranti: Engine, tmp_path: Path) -> None:
    """Half of every line delivered: each line's shortage is need + PSU - half, to the sheet."""
    needs = tps_totals(needs_of(meranti))
    psu = psu_totals(meranti)
    delivered = {key: quantity // 2 for key, quantity in needs.items()}
    receive_all(meranti, tmp_path, delivered, "SJ-1")
    with UnitOfWork(meranti) as uow:
        report = shortage(uow.session, MERANTI)
    assert report.run_id is None  # no stored run: computed with the needs engine
    got = {line.key: line for line in report.lines}
    assert set(got) == set(needs)
    for key, need in needs.items():
        line = got[key]
        assert (line.need_tps, line.need_psu) == (need, psu.get(key, 0))
        assert line.shortage == need + psu.get(key, 0) - delivered[key]
    assert got[PPWP].need_psu == 1000  # PPWP's reserve is held per regency, one national design
    assert sum(1 for key in psu if key.ballot_type == "dprd_kab") == 5  # Meranti's 5 dapil


def test_the_report_lists_ballots_by_type_and_dapil_then_items(meranti: Engine) -> None:
    """Rows come in the norm's order: PPWP, DPR, DPD, DPRD Prov, DPRD Kab (by dapil), items."""
    with UnitOfWork(meranti) as uow:
        frame = shortage(uow.session, MERANTI).frame()
    assert frame["ballot_type"].tolist()[:5] == ["ppwp", "dpr", "dpd", "dprd_prov", "dprd_kab"]
    assert frame["item"].tolist()[9:] == [item.code for item in load_norm().norm.items]
    assert (frame["shortage"] == frame["need"]).all()  # nothing in stock yet


def test_a_stored_needs_run_is_the_one_in_force(meranti: Engine, tmp_path: Path) -> None:
    """With a stored run the report says which, and its figures equal the computed ones."""
    with UnitOfWork(meranti) as uow:
        computed = shortage(uow.session, MERANTI).frame()
    with UnitOfWork(meranti) as uow:
        run = compute_needs(uow, MERANTI, load_norm())
    with UnitOfWork(meranti) as uow:
        stored = shortage(uow.session, MERANTI)
    assert stored.run_id == run.run_id
    assert stored.frame().equals(computed)


def test_a_run_made_with_another_version_of_the_norm_is_refused(
    meranti: Engine, tmp_path: Path
) -> None:
    """If the norm file changed since the stored run, the office must recompute the needs."""
    with UnitOfWork(meranti) as uow:
        compute_needs(uow, MERANTI, load_norm())
    edited = tmp_path / "pemilu-2024.toml"
    text = (NORMS_DIR / "pemilu-2024.toml").read_text(encoding="utf-8")
    edited.write_text(text.replace("per_tps = 10 ", "per_tps = 12 "), encoding="utf-8")
    with UnitOfWork(meranti) as uow, pytest.raises(SalurError) as caught:
        shortage(uow.session, MERANTI, load_norm(str(edited)))
    assert caught.value.key == "stock.run_other_norm"


def test_stock_is_kept_per_regency_only(meranti: Engine) -> None:
    """A kecamatan or a province is not a warehouse."""
    for code in ("14", "14.10.01"):
        with UnitOfWork(meranti) as uow, pytest.raises(SalurError) as caught:
            shortage(uow.session, code)
        assert caught.value.key == "stock.not_a_regency"
