"""Recording warehouse papers on both backends: idempotent receipts, conflicts refused, sortir,
claims and replacements bounded, and a bad file writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from salur.errors import InputError
from salur.stock import repository as repo
from salur.stock.errors import DocumentConflictError
from salur.stock.movements import BALLOT_ITEM, StockKey
from salur.stock.service import (
    open_claims,
    receive,
    record_replacements,
    record_sortir,
    stock_on_hand,
)
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import MERANTI, count_rows, receipt_csv

DAPIL_3 = StockKey(BALLOT_ITEM, "dprd_kab", "141003")
KOTAK = StockKey("kotak")


def on_hand(engine: Engine, key: StockKey) -> int:
    with UnitOfWork(engine) as uow:
        level = repo.levels(uow.session, MERANTI).get(MERANTI, {}).get(key)
    return level.on_hand if level else 0


def write(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_retried_receipt_is_applied_once(meranti: Engine, tmp_path: Path) -> None:
    """Uploading the same BTTB twice records it once; the second upload says it was on record."""
    path = receipt_csv(tmp_path / "bttb.csv", {DAPIL_3: 26_000, KOTAK: 3_385})
    with UnitOfWork(meranti) as uow:
        first = receive(uow, path)
    with UnitOfWork(meranti) as uow:
        again = receive(uow, path)
    assert (len(first.recorded), first.movements) == (1, 2)
    assert (again.recorded, again.already, again.movements) == ([], first.recorded, 0)
    assert on_hand(meranti, DAPIL_3) == 26_000
    assert count_rows(meranti, "stock_document", "stock_movement") == {
        "stock_document": 1,
        "stock_movement": 2,
    }


def test_the_same_note_with_other_content_is_refused_and_nothing_is_written(
    meranti: Engine, tmp_path: Path
) -> None:
    """A changed figure under a recorded note number is refused, and the file's other (new)
    notes are not written either."""
    with UnitOfWork(meranti) as uow:
        receive(uow, receipt_csv(tmp_path / "a.csv", {KOTAK: 3_385}, note="SJ-1"))
    changed = tmp_path / "b.csv"
    receipt_csv(tmp_path / "new.csv", {DAPIL_3: 100}, note="SJ-2")
    receipt_csv(tmp_path / "old.csv", {KOTAK: 3_380}, note="SJ-1")
    lines = (tmp_path / "new.csv").read_text().splitlines()
    lines += (tmp_path / "old.csv").read_text().splitlines()[1:]
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with UnitOfWork(meranti) as uow, pytest.raises(DocumentConflictError) as caught:
        receive(uow, changed)
    assert (caught.value.row, caught.value.column, caught.value.code) == (
        3,
        "note_number",
        "conflict",
    )
    assert "SJ-1" in str(caught.value)
    assert count_rows(meranti, "stock_document")["stock_document"] == 1
    assert on_hand(meranti, DAPIL_3) == 0


def test_ballots_for_a_dapil_of_another_regency_write_nothing(
    meranti: Engine, tmp_path: Path
) -> None:
    """A wrong-dapil line in the second note stops the whole file at its row and column."""
    path = write(
        tmp_path / "bttb.csv",
        "regency,supplier,note_number,date,item,dapil,quantity",
        "14.10,PT A,SJ-1,2024-01-10,kotak,,3385",
        "14.10,PT A,SJ-2,2024-01-11,dprd_kab,140101,500",
    )
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        receive(uow, path)
    assert (caught.value.row, caught.value.column, caught.value.key) == (
        3,
        "dapil",
        "stock.unknown_dapil",
    )
    assert count_rows(meranti, "stock_document", "stock_movement") == {
        "stock_document": 0,
        "stock_movement": 0,
    }


def test_an_unknown_regency_is_refused_at_its_cell(meranti: Engine, tmp_path: Path) -> None:
    """A province code, or a regency not loaded, names the regency column of its row."""
    path = write(
        tmp_path / "bttb.csv",
        "regency,supplier,note_number,date,item,dapil,quantity",
        "14,PT A,SJ-1,2024-01-10,kotak,,3385",
    )
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        receive(uow, path)
    assert (caught.value.row, caught.value.column) == (2, "regency")


SORTIR_HEADER = "regency,reference,date,item,dapil,good,damaged"


def test_sortir_cannot_exceed_what_was_delivered(meranti: Engine, tmp_path: Path) -> None:
    """1,000 delivered: sorting 990 + 10 passes, one more sheet in a later record is refused."""
    with UnitOfWork(meranti) as uow:
        receive(uow, receipt_csv(tmp_path / "r.csv", {DAPIL_3: 1_000}))
    ok = write(tmp_path / "s1.csv", SORTIR_HEADER, "14.10,BA-1,2024-01-15,dprd_kab,141003,990,10")
    with UnitOfWork(meranti) as uow:
        record_sortir(uow, ok)
    assert on_hand(meranti, DAPIL_3) == 990
    over = write(tmp_path / "s2.csv", SORTIR_HEADER, "14.10,BA-2,2024-01-16,dprd_kab,141003,1,0")
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        record_sortir(uow, over)
    assert (caught.value.row, caught.value.key) == (2, "stock.sortir_exceeds")
    assert "1.001" in str(caught.value) and "1.000" in str(caught.value)
    never = write(tmp_path / "s3.csv", SORTIR_HEADER, "14.10,BA-3,2024-01-16,kotak,,5,0")
    with UnitOfWork(meranti) as uow, pytest.raises(InputError):
        record_sortir(uow, never)  # nothing delivered, nothing to sort


CLAIM_HEADER = "regency,supplier,claim_number,date,reason,item,dapil,quantity"
ARRIVAL_HEADER = "regency,supplier,claim_number,note_number,date,item,dapil,quantity"


def test_damaged_ballots_are_claimed_and_replaced_within_bounds(
    meranti: Engine, tmp_path: Path
) -> None:
    """30 damaged: a claim for 31 is refused, 30 accepted; 30 arrive against it, 1 more does not."""
    with UnitOfWork(meranti) as uow:
        receive(uow, receipt_csv(tmp_path / "r.csv", {DAPIL_3: 1_000}, supplier="PT A"))
    sortir = write(
        tmp_path / "s.csv", SORTIR_HEADER, "14.10,BA-1,2024-01-15,dprd_kab,141003,970,30"
    )
    with UnitOfWork(meranti) as uow:
        record_sortir(uow, sortir)
    too_much = write(
        tmp_path / "c0.csv", CLAIM_HEADER, "14.10,PT A,KL-1,2024-01-16,damaged,dprd_kab,141003,31"
    )
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        open_claims(uow, too_much)
    assert caught.value.key == "stock.claim_exceeds_damaged"
    claim = write(
        tmp_path / "c1.csv", CLAIM_HEADER, "14.10,PT A,KL-1,2024-01-16,damaged,dprd_kab,141003,30"
    )
    with UnitOfWork(meranti) as uow:
        open_claims(uow, claim)
    arrival = write(
        tmp_path / "a1.csv",
        ARRIVAL_HEADER,
        "14.10,PT A,KL-1,SJ-R1,2024-01-20,dprd_kab,141003,30",
    )
    with UnitOfWork(meranti) as uow:
        record_replacements(uow, arrival)
    assert on_hand(meranti, DAPIL_3) == 1_000
    extra = write(
        tmp_path / "a2.csv",
        ARRIVAL_HEADER,
        "14.10,PT A,KL-1,SJ-R2,2024-01-21,dprd_kab,141003,1",
    )
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        record_replacements(uow, extra)
    assert caught.value.key == "stock.replacement_exceeds_claim"
    with UnitOfWork(meranti) as uow:
        claim_row = repo.claims(uow.session, MERANTI)[0]
        assert repo.claim_balance(uow.session, claim_row.id) == {DAPIL_3: (30, 30)}


def test_replacements_need_a_recorded_claim_that_names_the_goods(
    meranti: Engine, tmp_path: Path
) -> None:
    """An arrival against an unknown claim, or of goods the claim does not name, is refused."""
    short = write(tmp_path / "c.csv", CLAIM_HEADER, "14.10,PT A,KL-9,2024-01-16,short,kotak,,5")
    with UnitOfWork(meranti) as uow:
        open_claims(uow, short)  # short deliveries need no sortir record
    unknown = write(tmp_path / "a.csv", ARRIVAL_HEADER, "14.10,PT A,KL-0,SJ-R1,2024-01-20,kotak,,5")
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        record_replacements(uow, unknown)
    assert (caught.value.column, caught.value.key) == ("claim_number", "stock.unknown_claim")
    other = write(tmp_path / "b.csv", ARRIVAL_HEADER, "14.10,PT A,KL-9,SJ-R1,2024-01-20,bilik,,5")
    with UnitOfWork(meranti) as uow, pytest.raises(InputError) as caught:
        record_replacements(uow, other)
    assert caught.value.key == "stock.not_in_claim"


def test_stock_on_hand_is_listed_per_regency_item_type_and_dapil(
    meranti: Engine, tmp_path: Path
) -> None:
    """`stock show` for the province lists Meranti's lines, ballots first."""
    with UnitOfWork(meranti) as uow:
        receive(uow, receipt_csv(tmp_path / "r.csv", {KOTAK: 10, DAPIL_3: 40}))
        frame = stock_on_hand(uow.session, "14")
    assert frame[["region", "item", "ballot_type", "dapil", "on_hand"]].values.tolist() == [
        ["14.10", "surat_suara", "dprd_kab", "141003", 40],
        ["14.10", "kotak", "", "", 10],
    ]


def test_movements_are_append_only(meranti: Engine, tmp_path: Path) -> None:
    """A stray UPDATE or DELETE on stock movements is refused by the database itself."""
    with UnitOfWork(meranti) as uow:
        receive(uow, receipt_csv(tmp_path / "r.csv", {KOTAK: 10}))
    for sql in ("UPDATE stock_movement SET quantity = 99", "DELETE FROM stock_movement"):
        with pytest.raises(DBAPIError, match="append-only"), meranti.begin() as conn:
            conn.execute(text(sql))
    assert on_hand(meranti, KOTAK) == 10
