"""Reading reference folders: TPS number ranges and precise errors on malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from salur.config import PACKAGE_DATA
from salur.csvrows import Row, read_rows
from salur.errors import InputError
from salur.geo.source import parse_tps_numbers, read_folder


def row(value: str) -> Row:
    return Row(Path("villages.csv"), 7, {"tps_numbers": value})


def test_tps_number_ranges_expand() -> None:
    """'1-3;901-902' lists TPS 001-003 and the special TPS 901-902."""
    assert parse_tps_numbers(row("1-3;901-902")) == [1, 2, 3, 901, 902]
    assert parse_tps_numbers(row("4")) == [4]


@pytest.mark.parametrize("value", ["", "3-1", "1-3;2-4", "a-b", "0-2"])
def test_bad_tps_number_ranges_are_refused_with_row_and_column(value: str) -> None:
    """Reversed, overlapping, empty or non-numeric ranges name row 7, column tps_numbers."""
    with pytest.raises(InputError) as caught:
        parse_tps_numbers(row(value))
    assert (caught.value.row, caught.value.column) == (7, "tps_numbers")


def test_a_row_with_a_missing_cell_is_refused(tmp_path: Path) -> None:
    """A short row is reported with its row number and both cell counts."""
    path = tmp_path / "x.csv"
    path.write_text("code,name\nA,a\nB\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(read_rows(path, ["code"]))
    assert caught.value.row == 3


def test_the_national_folder_reads_with_tps_from_number_ranges() -> None:
    """Without tps.csv, TPS come from villages.csv ranges: Riau's 19,366 TPS within the nation."""
    data = read_folder(PACKAGE_DATA / "riau")
    assert len(data.tps) == 19366
    assert sum(1 for t in data.tps if t["kind"] == "special") == 47
    assert {t["code"][:10] for t in data.tps} == {v["code"].replace(".", "") for v in data.villages}
