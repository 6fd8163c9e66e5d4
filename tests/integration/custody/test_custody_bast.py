"""The BAST PDF of a handover: an official-looking record in Bahasa Indonesia, with every
package, the parties, the signatures and a receipt that verifies."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from salur.custody import documents
from salur.errors import SalurError
from salur.ledger import service as ledger
from salur.ledger.verify import check_receipt
from salur.uow import UnitOfWork
from tests.integration.custody.world import World

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


@needs_poppler
def test_the_bast_of_a_handover_lists_parties_packages_and_its_log_entry(
    world: World, tmp_path: Path
) -> None:
    """Title, both parties, every package id, a broken seal noted, names on paper only."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps")
    items = world.items(kit)
    items[1]["broken_seals"] = [items[1]["seals"].pop()]
    done = world.record(world.hop(kit, "pps_kpps", items=items))
    names = {world.person("pps"): "Siti Aminah", world.person("kpps"): "Budi Santoso"}
    with UnitOfWork(world.engine) as uow:
        pdf = documents.bast_pdf(
            uow, done.event_id, names=names, packages=world.kits, keys=world.keys
        )
    path = tmp_path / "bast.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert pdf_pages(path) <= 2
    assert "BERITA ACARA SERAH TERIMA LOGISTIK PEMILU" in text
    for package in kit.packages:
        assert package.package_id in text
    assert "Siti Aminah" in text and "Budi Santoso" in text
    assert "PIHAK PERTAMA" in text and "PIHAK KEDUA" in text
    assert "rusak" in text and f"Nomor entri (indeks): {done.log_index}" in text
    with Session(world.engine) as s:
        entry = ledger.entry_bytes(s, world.log, done.log_index)
    assert b"Budi" not in entry and b"Siti" not in entry


@needs_poppler
def test_a_handover_of_many_kits_runs_over_several_pages(world: World, tmp_path: Path) -> None:
    """A PPK receiving 40 kits gets one BAST whose items table continues page after page."""
    kits = [world.new_kit() for _ in range(40)]
    body = world.hop(kits[0], "warehouse_ppk")["event"]
    body["items"] = [item for kit in kits for item in world.items(kit)]
    done = world.record(world.signed(body))
    with UnitOfWork(world.engine) as uow:
        pdf = documents.bast_pdf(uow, done.event_id, packages=world.kits, keys=world.keys)
    path = tmp_path / "bast-ppk.pdf"
    path.write_bytes(pdf)
    pages = pdf_pages(path)
    assert pages >= 3
    text = pdf_text(path)
    assert all(kit.packages[-1].package_id in text for kit in kits)
    assert f"Halaman {pages} dari {pages}" in text


def test_only_handovers_have_a_bast(world: World) -> None:
    """An opening is not a handover and has no BAST."""
    kit = world.new_kit()
    done = world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening")[-1]
    with pytest.raises(SalurError) as refused, UnitOfWork(world.engine) as uow:
        documents.bast_pdf(uow, done.event_id, packages=world.kits, keys=world.keys)
    assert refused.value.key == "custody.bast_not_handover"


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbarimg or pdftoppm is not installed",
)
def test_the_printed_qr_code_is_a_receipt_that_verifies(world: World, tmp_path: Path) -> None:
    """Scanning the BAST's QR code gives the tlog-proof; with the entry it verifies offline."""
    kit = world.new_kit()
    done = world.record(world.hop(kit, "warehouse_ppk"))
    with UnitOfWork(world.engine) as uow:
        pdf = documents.bast_pdf(uow, done.event_id, packages=world.kits, keys=world.keys)
    (tmp_path / "bast.pdf").write_bytes(pdf)
    pages = pdf_pages(tmp_path / "bast.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "200", "-f", str(pages), "-png", "bast.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    image = sorted(tmp_path.glob("page*.png"))[-1]
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(image)], capture_output=True, check=True
    ).stdout
    with Session(world.engine) as s:
        entry = ledger.entry_bytes(s, world.log, done.log_index)
    checked = check_receipt(scanned, log_vkey=world.log.vkey, entry=entry)
    assert checked.index == done.log_index
