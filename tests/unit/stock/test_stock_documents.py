"""Reading warehouse papers from CSV: grouping rows into documents, and errors at row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from salur.csvrows import Row
from salur.errors import InputError
from salur.stock.catalogue import Catalogue
from salur.stock.documents import (
    CLAIM,
    RECEIPT,
    SORTIR,
    DocumentSpec,
    ParsedDocument,
    read_documents,
)
from salur.stock.movements import BALLOT_ITEM, DAMAGED, RECEIVED, SORTED, StockKey

HEADER = "regency,supplier,note_number,date,item,dapil,quantity\n"
CATALOGUE = Catalogue(["kotak", "bilik"], {"ppwp": ["ID"], "dprd_kab": ["141001", "141002"]})


def write(tmp_path: Path, text: str, name: str = "bttb.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def resolved(path: Path, spec: DocumentSpec = RECEIPT) -> list[ParsedDocument]:
    documents = read_documents(path, spec)
    for document in documents:
        for line in document.lines:
            line.key = CATALOGUE.resolve(line.row)
    return documents


def test_rows_group_into_one_document_per_supplier_note(tmp_path: Path) -> None:
    """Two notes in one file; lines naming the same goods twice are added up."""
    path = write(
        tmp_path,
        HEADER
        + "14.10,PT A,SJ-1,2024-01-10,kotak,,100\n"
        + "14.10,PT A,SJ-1,2024-01-10,kotak,,20\n"
        + "14.10,PT A,SJ-2,2024-01-11,dprd_kab,141002,500\n",
    )
    first, second = resolved(path)
    assert first.movements() == [(StockKey("kotak"), RECEIVED, 120)]
    assert second.movements() == [(StockKey(BALLOT_ITEM, "dprd_kab", "141002"), RECEIVED, 500)]


def test_the_fingerprint_ignores_row_order_but_not_quantities(tmp_path: Path) -> None:
    """A retried upload with rows reordered is the same paper; one changed figure is not."""
    rows = ["14.10,PT A,SJ-1,2024-01-10,kotak,,100\n", "14.10,PT A,SJ-1,2024-01-10,bilik,,80\n"]
    a = resolved(write(tmp_path, HEADER + "".join(rows), "a.csv"))[0]
    b = resolved(write(tmp_path, HEADER + "".join(reversed(rows)), "b.csv"))[0]
    c = resolved(write(tmp_path, HEADER + rows[0] + rows[1].replace(",80", ",81"), "c.csv"))[0]
    assert a.content_sha256() == b.content_sha256() != c.content_sha256()


@pytest.mark.parametrize(
    ("row", "column", "key"),
    [
        ("14.10,PT A,SJ-1,10/01/2024,kotak,,100", "date", "stock.not_a_date"),
        ("14.10,PT A,SJ-1,2024-01-10,kotak,,-3", "quantity", "input.negative"),
        ("14.10,PT A,SJ-1,2024-01-10,kotak,,0", "quantity", "stock.zero_quantity"),
        ("14.10,,SJ-1,2024-01-10,kotak,,5", "supplier", "input.required"),
    ],
)
def test_bad_cells_are_refused_naming_file_row_and_column(
    tmp_path: Path, row: str, column: str, key: str
) -> None:
    """Each bad cell names row 3 (the header is row 1) and its column."""
    path = write(tmp_path, HEADER + "14.10,PT A,SJ-0,2024-01-10,kotak,,1\n" + row + "\n")
    with pytest.raises(InputError) as caught:
        read_documents(path, RECEIPT)
    assert (caught.value.row, caught.value.column, caught.value.key) == (3, column, key)
    assert "bttb.csv" in str(caught.value)


def test_one_note_with_two_dates_is_refused_at_the_differing_row(tmp_path: Path) -> None:
    """Every row of a note must carry the note's date."""
    path = write(
        tmp_path,
        HEADER
        + "14.10,PT A,SJ-1,2024-01-10,kotak,,100\n"
        + "14.10,PT A,SJ-1,2024-01-12,bilik,,80\n",
    )
    with pytest.raises(InputError) as caught:
        read_documents(path, RECEIPT)
    assert (caught.value.row, caught.value.column) == (3, "date")


def test_a_missing_column_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    """The header must name every column of the paper; a header alone is no paper."""
    path = write(tmp_path, "regency,supplier,date,item,quantity\n14.10,A,2024-01-10,kotak,1\n")
    with pytest.raises(InputError) as caught:
        read_documents(path, RECEIPT)
    assert caught.value.column == "note_number"
    with pytest.raises(InputError) as caught:
        read_documents(write(tmp_path, HEADER, "empty.csv"), RECEIPT)
    assert caught.value.key == "stock.no_rows"


def test_sortir_rows_record_good_and_damaged(tmp_path: Path) -> None:
    """A sortir-lipat line moves its good count (kept) and its damaged count (out of stock)."""
    path = write(
        tmp_path,
        "regency,reference,date,item,dapil,good,damaged\n14.10,BA-7,2024-01-15,ppwp,,990,10\n",
    )
    (document,) = resolved(path, SORTIR)
    key = StockKey(BALLOT_ITEM, "ppwp", "ID")
    assert document.movements() == [(key, DAMAGED, 10), (key, SORTED, 990)]


def test_a_claim_reason_must_be_damaged_or_short(tmp_path: Path) -> None:
    """Claims say why: damaged at sortir, or short on delivery."""
    path = write(
        tmp_path,
        "regency,supplier,claim_number,date,reason,item,dapil,quantity\n"
        "14.10,PT A,K-1,2024-01-16,lost,kotak,,3\n",
    )
    with pytest.raises(InputError) as caught:
        read_documents(path, CLAIM)
    assert (caught.value.row, caught.value.column) == (2, "reason")


def row(item: str, dapil: str = "") -> Row:
    return Row(Path("bttb.csv"), 5, {"item": item, "dapil": dapil})


def test_a_single_dapil_may_be_left_empty_and_others_must_be_named() -> None:
    """PPWP has one design ('ID'); DPRD kab ballots need their dapil."""
    assert CATALOGUE.resolve(row("PPWP")) == StockKey(BALLOT_ITEM, "ppwp", "ID")
    assert CATALOGUE.resolve(row("dprd_kab", "141002")).dapil == "141002"
    with pytest.raises(InputError) as caught:
        CATALOGUE.resolve(row("dprd_kab"))
    assert caught.value.key == "stock.dapil_required" and caught.value.column == "dapil"


def test_ballots_of_a_dapil_outside_the_regency_are_refused() -> None:
    """Wrong-dapil ballots (surat suara tertukar) are stopped at the warehouse door."""
    with pytest.raises(InputError) as caught:
        CATALOGUE.resolve(row("dprd_kab", "140101"))
    assert caught.value.key == "stock.unknown_dapil"
    assert "141001, 141002" in str(caught.value)


def test_unknown_items_and_a_dapil_on_an_item_are_refused() -> None:
    """Only the norm's items and ballot types exist; items carry no dapil."""
    with pytest.raises(InputError) as caught:
        CATALOGUE.resolve(row("surat_suara"))
    assert (caught.value.key, caught.value.column) == ("stock.unknown_item", "item")
    with pytest.raises(InputError) as caught:
        CATALOGUE.resolve(row("kotak", "141001"))
    assert (caught.value.key, caught.value.column) == ("stock.dapil_for_item", "dapil")
