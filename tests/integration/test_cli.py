"""The `salur` command line end to end, on a real SQLite file chosen by SALUR_DATABASE_URL."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from salur.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite store with Riau loaded through the CLI itself."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite'}"
    result = runner.invoke(app, ["data", "load", "riau"], env={"SALUR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def test_loading_again_reports_nothing_changed(database: str) -> None:
    """The second `salur data load riau` adds and updates nothing, and says so in Indonesian."""
    result = runner.invoke(app, ["data", "load", "riau"], env={"SALUR_DATABASE_URL": database})
    assert result.exit_code == 0
    assert "0 baris ditambahkan, 0 diperbarui" in result.output


def test_needs_csv_has_one_row_per_region_item_type_and_dapil(
    database: str, tmp_path: Path
) -> None:
    """`salur needs --region 14.05 --level ppk --format csv` writes Pelalawan's kecamatan rows."""
    out = tmp_path / "needs.csv"
    result = runner.invoke(
        app,
        ["needs", "--region", "14.05", "--level", "ppk", "--format", "csv", "--out", str(out)],
        env={"SALUR_DATABASE_URL": database},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert set(rows[0]) == {
        "region",
        "item",
        "ballot_type",
        "dapil",
        "quantity",
        "weight_kg",
        "volume_m3",
        "dpt_estimated_pct",
    }
    assert {r["dpt_estimated_pct"] for r in rows} == {"100.000"}
    kotak = sum(int(r["quantity"]) for r in rows if r["item"] == "kotak")
    assert kotak == 5530
    assert {r["region"][:5] for r in rows} == {"14.05"}
    assert "perkiraan salur" in result.output  # the estimated-DPT banner


def test_needs_xlsx_opens_in_a_spreadsheet(database: str, tmp_path: Path) -> None:
    """The Excel export holds the same table with a header row."""
    out = tmp_path / "needs.xlsx"
    result = runner.invoke(
        app,
        ["needs", "--region", "14.10", "--level", "regency", "--format", "xlsx", "--out", str(out)],
        env={"SALUR_DATABASE_URL": database},
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["region", "item", "ballot_type", "dapil"]
    kotak = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "kotak"]
    assert kotak == [
        (
            "14.10",
            "kotak",
            None,
            None,
            677 * 5,
            pytest.approx(677 * 5 * 2.26),
            pytest.approx(677 * 5 * 0.096),
            100,
        )
    ]


def test_an_unknown_region_is_a_clear_error_in_english_on_request(database: str) -> None:
    """`--lang en` switches messages; an unknown region exits 2 with one readable line."""
    result = runner.invoke(
        app, ["--lang", "en", "needs", "--region", "99.99"], env={"SALUR_DATABASE_URL": database}
    )
    assert result.exit_code == 2
    assert "no region with code '99.99' is loaded" in result.output
    assert "Traceback" not in result.output


def test_a_bad_folder_is_refused_with_file_row_and_column(database: str, tmp_path: Path) -> None:
    """A folder with a broken villages.csv exits 2 naming the file, row and column."""
    folder = tmp_path / "prov"
    folder.mkdir()
    (folder / "regencies.csv").write_text("code,province_code,name,type\n14.01,14,A,kabupaten\n")
    (folder / "districts.csv").write_text("code,regency_code,name\n14.01.01,14.01,B\n")
    (folder / "villages.csv").write_text(
        "code,district_code,name,type,tps_numbers\n14.01.01.2001,14.01.01,C,desa,3-1\n"
    )
    result = runner.invoke(app, ["data", "load", str(folder)], env={"SALUR_DATABASE_URL": database})
    assert result.exit_code == 2
    squeezed = "".join(result.output.split())  # rich may wrap a long path anywhere
    assert "villages.csv,baris2,kolomtps_numbers" in squeezed


def test_the_main_job_writes_the_needs_report(tmp_path: Path) -> None:
    """`salur demo` on a fresh SQLite file loads Riau and writes the HTML, CSV and xlsx reports;
    the report's numbers are those of the store (Meranti: 677 TPS, 3,385 kotak)."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["demo", "--region", "14.10", "--out", str(out)], env={"SALUR_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    html = (out / "needs.html").read_text(encoding="utf-8")
    assert "Kabupaten Kepulauan Meranti" in html
    assert ">677<" in html  # TPS card
    assert ">3.385<" in html  # kotak, Indonesian digit grouping
    assert "<svg" in html  # a chart per regency, inline
    assert (out / "needs-ppk.csv").stat().st_size > 0
    assert (out / "needs-regency.xlsx").stat().st_size > 0
