"""Needs of Riau against published figures, stored whole, and rolled up consistently."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from salur.needs import repository as repo
from salur.needs.rollup import rollup
from salur.needs.service import NeedsResult, calculate, compute_needs
from salur.norms.loader import load_norm
from salur.uow import UnitOfWork


def totals(result: NeedsResult) -> dict[tuple[str, str | None], int]:
    sums = result.needs.quantity.sum(axis=0)
    return {
        (ln.code, ln.ballot_type): int(s) for ln, s in zip(result.needs.lines, sums, strict=True)
    }


@pytest.fixture(scope="module")
def riau_needs(riau_store: Engine) -> NeedsResult:
    """Riau's needs, computed and stored once per backend for this module."""
    with UnitOfWork(riau_store) as uow:
        return compute_needs(uow, "14", load_norm("pemilu-2024"))


def test_riau_needs_match_the_published_equipment_counts(riau_needs: NeedsResult) -> None:
    """Riau gets 96,830 kotak, 77,464 bilik and 38,732 tinta (5, 4 and 2 per TPS)."""
    got = totals(riau_needs)
    assert got[("kotak", None)] == 96_830
    assert got[("bilik", None)] == 77_464
    assert got[("tinta", None)] == 38_732


def test_pelalawan_needs_5530_kotak(riau_store: Engine) -> None:
    """Pelalawan's 1,106 TPS need 5,530 ballot boxes, as KPU Pelalawan reported."""
    with UnitOfWork(riau_store) as uow:
        result = calculate(uow.session, "14.05", load_norm("pemilu-2024"))
    assert len(result.tps) == 1106
    assert totals(result)[("kotak", None)] == 5_530


def test_ballots_are_dpt_plus_two_percent_rounded_up_per_tps(riau_needs: NeedsResult) -> None:
    """Each ballot type at each TPS is DPT + ceil(2% of DPT), summed per TPS, not per region."""
    dpt = riau_needs.tps["dpt"].to_numpy()
    expected = dpt + np.ceil(dpt * 2 / 100).astype(int)
    for i, line in enumerate(riau_needs.needs.lines):
        if line.ballot_type:
            assert (riau_needs.needs.quantity[:, i] == expected).all(), line.ballot_type


def test_stored_needs_equal_the_computed_needs(riau_store: Engine, riau_needs: NeedsResult) -> None:
    """Every non-zero quantity reached the store: per-line sums in the database match."""
    assert riau_needs.run_id is not None
    with UnitOfWork(riau_store) as uow:
        stored = repo.stored_totals(uow.session, riau_needs.run_id)
    assert stored == {k: v for k, v in totals(riau_needs).items() if v}


def test_a_new_run_replaces_the_previous_one(riau_store: Engine) -> None:
    """Recomputing the same region and norm leaves exactly one run in force, with a new id."""
    with UnitOfWork(riau_store) as uow:
        first = compute_needs(uow, "14.10", load_norm("pemilu-2024"))
    with UnitOfWork(riau_store) as uow:
        again = compute_needs(uow, "14.10", load_norm("pemilu-2024"))
    assert again.run_id != first.run_id
    with UnitOfWork(riau_store) as uow:
        latest = repo.latest_run(uow.session, "pemilu-2024", "14.10")
        assert latest is not None and latest.id == again.run_id
        assert repo.stored_totals(uow.session, first.run_id or -1) == {}
        assert repo.stored_totals(uow.session, again.run_id or -1)[("kotak", None)] == 677 * 5


@pytest.mark.parametrize("level", ["tps", "pps", "ppk", "regency", "province"])
def test_every_rollup_level_keeps_the_totals(riau_needs: NeedsResult, level: str) -> None:
    """Summing any level's rows gives the province totals per item and ballot type."""
    frame = rollup(riau_needs, level)  # type: ignore[arg-type]
    tps_lines = frame[frame["item"] != "surat_suara_psu"]
    sums = tps_lines.groupby(["item", "ballot_type"])["quantity"].sum()
    for (item, ballot_type), value in totals(riau_needs).items():
        assert sums[(item, ballot_type or "")] == value


def test_psu_reserve_is_1000_per_dapil_and_ballot_type(riau_needs: NeedsResult) -> None:
    """Riau's dapil: 2 DPR RI, 8 DPRD Provinsi, and one PSU reserve of 1,000 for each."""
    frame = rollup(riau_needs, "province")
    psu = frame[frame["item"] == "surat_suara_psu"]
    assert set(psu["quantity"]) == {1000}
    per_type = psu.groupby("ballot_type")["dapil"].nunique().to_dict()
    assert per_type["dpr"] == 2
    assert per_type["dprd_prov"] == 8
    assert per_type["dpd"] == 1
    assert per_type["ppwp"] == 12  # held per KPU kab/kota (norm: to confirm)
    assert per_type["dprd_kab"] > 50


def test_the_csv_has_one_row_per_region_item_type_and_dapil(riau_needs: NeedsResult) -> None:
    """No (region, item, ballot type, dapil) appears twice at any level."""
    for level in ("tps", "ppk", "regency"):
        frame = rollup(riau_needs, level)  # type: ignore[arg-type]
        assert not frame.duplicated(["region", "item", "ballot_type", "dapil"]).any()


def test_a_regency_run_lists_only_the_psu_reserves_it_holds(riau_store: Engine) -> None:
    """Meranti's own run holds its DPRD kab/kota and PPWP reserves, not Riau's DPD or DPR RI."""
    with UnitOfWork(riau_store) as uow:
        result = calculate(uow.session, "14.10", load_norm("pemilu-2024"))
    held = {(p.ballot_type, p.holder) for p in result.needs.psu}
    assert {bt for bt, _ in held} == {"ppwp", "dprd_kab"}
    assert {holder for _, holder in held} == {"14.10"}
