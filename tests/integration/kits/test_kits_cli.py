"""`salur stock`, `salur kits` and `salur seals` end to end on an SQLite file, in Indonesian."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from salur.cli import kits as kits_cli
from salur.cli import stock as stock_cli
from salur.db import make_engine, migrate
from tests.integration.kits.conftest import stock_for_every_kit
from tests.integration.stock.meranti import load_regency, receipt_csv

runner = CliRunner()
app = typer.Typer()  # the three sub-apps as `salur.cli.main` mounts them
app.add_typer(stock_cli.app, name="stock")
app.add_typer(kits_cli.app, name="kits")
app.add_typer(kits_cli.seals_app, name="seals")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, meranti_folder: Path) -> str:
    """An SQLite store with Meranti loaded, its needs stocked in the warehouse, as a URL."""
    path = tmp_path_factory.mktemp("cli") / "cli.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    load_regency(engine, meranti_folder)
    engine.dispose()
    return f"sqlite:///{path}"


def salur(database: str, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"SALUR_DATABASE_URL": database})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_warehouse_day_from_receipt_to_sealed_labels(database: str, tmp_path: Path) -> None:
    """Receive (twice), check the shortage, pack, issue and apply seals, print labels."""
    engine = make_engine(database)
    stock_for_every_kit(engine, tmp_path)  # the full delivery, through the service
    engine.dispose()
    extra = receipt_csv(tmp_path / "extra.csv", {}, note="SJ-EXTRA")
    extra.write_text(
        extra.read_text() + "14.10,PT Percetakan,SJ-EXTRA,2024-01-12,kotak,,10\n",
        encoding="utf-8",
    )
    assert "1 dokumen dicatat" in salur(database, "stock", "receive", str(extra))
    assert "1 sudah tercatat" in salur(database, "stock", "receive", str(extra))
    out = tmp_path / "shortage.csv"
    salur(database, "stock", "shortage", "--region", "14.10", "--format", "csv", "--out", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["shortage"] for r in rows} == {"0"}
    assert next(r for r in rows if r["item"] == "kotak")["surplus"] == "10"
    assert "677 perlengkapan TPS dikemas" in salur(database, "kits", "pack", "--region", "14.10")
    assert "10 segel diterbitkan" in salur(
        database, "seals", "issue", "--regency", "14.10", "--from", "500", "--to", "509"
    )
    labels = tmp_path / "desa.pdf"
    salur(database, "kits", "labels", "--region", "14.10.01.1001", "--out", str(labels))
    text = subprocess.run(["pdftotext", str(labels), "-"], capture_output=True, text=True).stdout
    package = next(line for line in text.splitlines() if line.startswith("K-141001"))
    applied = salur(database, "seals", "apply", "--package", package, "--seal", "500", "--by", "A")
    assert "1 segel dipasang" in applied
    shown = salur(database, "seals", "show", "500")
    assert "applied" in shown and package in shown
    listed = tmp_path / "stock.csv"
    salur(database, "stock", "show", "--region", "14.10", "--format", "csv", "--out", str(listed))
    on_hand = {(r["item"], r["dapil"]): r["on_hand"] for r in csv.DictReader(listed.open())}
    assert on_hand[("kotak", "")] == "10" and on_hand[("surat_suara", "141001")] == "1000"


def test_a_bad_cell_is_one_clear_line_and_exit_code_2(database: str, tmp_path: Path) -> None:
    """Wrong-dapil ballots name file, row and column instead of printing a traceback."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "regency,supplier,note_number,date,item,dapil,quantity\n"
        "14.10,PT A,SJ-9,2024-01-10,dprd_kab,140101,5\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["stock", "receive", str(path)], env={"SALUR_DATABASE_URL": database}
    )
    assert result.exit_code == 2
    assert "baris 2, kolom dapil" in " ".join(result.output.split())  # rich wraps at 80
    assert "Traceback" not in result.output


def test_the_commands_load_heavy_modules_only_when_run() -> None:
    """Importing the command modules pulls in no pandas, SQLAlchemy ORM or reportlab."""
    code = (
        "import sys, salur.cli.stock, salur.cli.kits; "
        "print(sorted(m for m in ('pandas', 'reportlab', 'sqlalchemy.orm', 'segno') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
