"""Packing Meranti's 677 kits on both backends: stock consumed exactly, all or nothing,
idempotent, the PSU reserve kept, and manifests that add up to every TPS's needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from salur.geo.models import Tps
from salur.kits.ids import parse_package_id
from salur.kits.models import Kit, KitPackage, KitPackageLine
from salur.kits.service import pack_regency
from salur.needs.formula import Needs
from salur.stock import repository as stock_repo
from salur.stock.errors import ShortageError
from salur.stock.movements import BALLOT_ITEM, StockKey
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import (
    MERANTI,
    count_rows,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
)

TABLES = ("kit", "kit_package", "kit_package_line", "stock_document", "stock_movement")
DAPIL_3 = StockKey(BALLOT_ITEM, "dprd_kab", "141003")


def test_packing_consumes_exactly_the_kits_needs(packed: Engine) -> None:
    """After packing, the packed quantities are the kits' needs, line by line, and what stays on
    hand is exactly the PSU reserve (items: nothing)."""
    needs = tps_totals(needs_of(packed))
    psu = psu_totals(packed)
    with UnitOfWork(packed) as uow:
        levels = stock_repo.levels(uow.session, MERANTI)[MERANTI]
    assert {key: level.packed for key, level in levels.items()} == needs
    assert {key: level.on_hand for key, level in levels.items()} == {
        key: psu.get(key, 0) for key in needs
    }


def test_packing_again_packs_nothing_and_moves_no_stock(packed: Engine) -> None:
    """A second call finds every TPS packed: no kit, package, document or movement is added."""
    before = count_rows(packed, *TABLES)
    with UnitOfWork(packed) as uow:
        again = pack_regency(uow, MERANTI)
    assert (again.packed, again.already, again.packages) == (0, 677, 0)
    assert count_rows(packed, *TABLES) == before


def test_a_shortfall_refuses_the_whole_packing_and_names_each_gap(
    meranti: Engine, tmp_path: Path
) -> None:
    """One DPRD kab ballot and five kotak short: nothing is packed, and the error names both
    lines with need, stock and PSU reserve."""
    psu = psu_totals(meranti)
    stock = {key: q + psu.get(key, 0) for key, q in tps_totals(needs_of(meranti)).items()}
    stock[DAPIL_3] -= 1
    stock[StockKey("kotak")] -= 5
    receive_all(meranti, tmp_path, stock, "SJ-1")
    before = count_rows(meranti, *TABLES)
    with UnitOfWork(meranti) as uow, pytest.raises(ShortageError) as caught:
        pack_regency(uow, MERANTI)
    gaps = {s.key: s.missing for s in caught.value.shortfalls}
    assert gaps == {DAPIL_3: 1, StockKey("kotak"): 5}
    message = str(caught.value)
    assert "surat_suara dprd_kab 141003" in message and "kotak" in message
    assert count_rows(meranti, *TABLES) == before


def test_the_psu_reserve_never_goes_into_tps_kits(meranti: Engine, tmp_path: Path) -> None:
    """Stock that covers the kits but not the PSU reserves is refused for every reserved line."""
    receive_all(meranti, tmp_path, tps_totals(needs_of(meranti)), "SJ-1")
    with UnitOfWork(meranti) as uow, pytest.raises(ShortageError) as caught:
        pack_regency(uow, MERANTI)
    assert {s.key: s.missing for s in caught.value.shortfalls} == psu_totals(meranti)
    assert count_rows(meranti, "kit")["kit"] == 0


def test_every_tps_has_one_kit_of_seven_packages_with_valid_ids(packed: Engine) -> None:
    """677 kits, 4,739 packages, every id unique, valid, and naming its own TPS and content."""
    with UnitOfWork(packed) as uow:
        rows = uow.session.execute(
            select(KitPackage.id, KitPackage.kind, KitPackage.seq, Tps.code)
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
        ).all()
    assert len(rows) == 677 * 7
    assert len({pid for pid, *_ in rows}) == len(rows)
    assert len({code for *_, code in rows}) == 677
    for pid, kind, seq, code in rows:
        parsed = parse_package_id(pid)
        assert (parsed.kind, parsed.tps_code) == (kind, code)
        assert parsed.segment == ["PPWP", "DPR", "DPD", "DPRDP", "DPRDK", "BILIK", "SET"][seq - 1]


def test_each_tps_packages_add_up_to_its_needs(packed: Engine) -> None:
    """Summing the manifests of a TPS's packages gives its needs, line by line, for all 677."""
    result = needs_of(packed)
    expected = _per_tps(result.tps["tps_id"].tolist(), result.needs)
    with UnitOfWork(packed) as uow:
        rows = uow.session.execute(
            select(
                Kit.tps_id,
                KitPackageLine.item,
                KitPackageLine.ballot_type,
                KitPackageLine.dapil,
                func.sum(KitPackageLine.quantity),
            )
            .join(KitPackage, KitPackage.id == KitPackageLine.package_id)
            .join(Kit, Kit.id == KitPackage.kit_id)
            .group_by(
                Kit.tps_id, KitPackageLine.item, KitPackageLine.ballot_type, KitPackageLine.dapil
            )
        ).all()
    got = {(tps, StockKey(item, bt, dapil)): int(q) for tps, item, bt, dapil, q in rows}
    assert got == expected


def _per_tps(tps_ids: list[int], needs: Needs) -> dict[tuple[int, StockKey], int]:
    out = {}
    for i, line in enumerate(needs.lines):
        for row, quantity in enumerate(needs.quantity[:, i].tolist()):
            if quantity:
                key = (
                    StockKey(line.code)
                    if line.ballot_type is None
                    else StockKey(
                        BALLOT_ITEM, line.ballot_type, str(needs.districts[line.ballot_type][row])
                    )
                )
                out[(tps_ids[row], key)] = quantity
    return out
