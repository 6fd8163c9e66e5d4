"""Label sheets: 8 labels an A4 page, the package id readable as text and (where a decoder is
installed) as a QR code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from salur.i18n import set_language
from salur.kits.ids import BILIK, KOTAK, make_package_id
from salur.kits.labels import Label, render_labels

BALLOTS = [
    ("ppwp", ("Presiden dan Wakil Presiden", "President"), "grey", "ID", "Indonesia"),
    ("dpr", ("DPR RI", "DPR"), "yellow", "1401", "RIAU I"),
    ("dpd", ("DPD RI", "DPD"), "red", "14", "Riau"),
    ("dprd_prov", ("DPRD Provinsi", "DPRD Prov"), "blue", "140005", "RIAU 5"),
    ("dprd_kab", ("DPRD Kabupaten/Kota", "DPRD Kab"), "green", "141001", "MERANTI 1"),
]


def sample_labels(tps_count: int) -> list[Label]:
    """The 6 packages (5 kotak and a bilik bundle) of `tps_count` made-up TPS."""
    labels = []
    for n in range(1, tps_count + 1):
        tps = f"1410011001{n:03d}"
        for seq, (bt, names, colour, dapil, dapil_name) in enumerate(BALLOTS, start=1):
            labels.append(
                Label(
                    package_id=make_package_id(KOTAK, tps, bt),
                    kind=KOTAK,
                    seq=seq,
                    of=6,
                    ballot_type=bt,
                    ballot_names=names,
                    colour=colour,
                    dapil=dapil,
                    dapil_name=dapil_name,
                    count=255,
                    seals=(100_001, 100_002) if seq == 1 else (),
                    election="Pemilu 2024",
                    tps_code=tps,
                    tps_name=f"TPS {n:03d}",
                    village="Selatpanjang Kota",
                    district="Tebing Tinggi",
                    regency="Kabupaten Kepulauan Meranti",
                )
            )
        bilik = make_package_id(BILIK, tps)
        labels.append(
            Label(bilik, BILIK, 6, 6, "", ("", ""), "", "", "", 4, (), "Pemilu 2024", tps,
                  f"TPS {n:03d}", "Selatpanjang Kota", "Tebing Tinggi", "Meranti")
        )  # fmt: skip
    return labels


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_labels_fill_a4_pages_eight_at_a_time(tmp_path: Path) -> None:
    """18 labels take 3 A4 pages; an empty region still gives a one-page sheet saying so."""
    assert render_labels(sample_labels(3), tmp_path / "l.pdf") == 3
    pdf = (tmp_path / "l.pdf").read_bytes()
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    assert render_labels([], tmp_path / "none.pdf") == 1


def test_the_package_id_tps_dapil_and_seals_are_printed_as_text(tmp_path: Path) -> None:
    """What a person reads: id, TPS code, dapil name, count and the seal numbers."""
    labels = sample_labels(1)
    render_labels(labels, tmp_path / "l.pdf")
    text = pdf_text(tmp_path / "l.pdf")
    for label in labels:
        assert label.package_id in text
    for expected in ("1410011001001", "141001 MERANTI 1", "255 lembar surat suara", "100001"):
        assert expected in text
    assert "PRESIDEN DAN WAKIL PRESIDEN" in text


def test_labels_follow_the_chosen_language(tmp_path: Path) -> None:
    """In English the count reads '255 ballots' and the bundle 'VOTING BOOTHS'."""
    set_language("en")
    render_labels(sample_labels(1), tmp_path / "l.pdf")
    text = pdf_text(tmp_path / "l.pdf")
    assert "255 ballots" in text and "VOTING BOOTHS" in text


def test_every_qr_code_on_a_page_scans_to_its_package_id(tmp_path: Path) -> None:
    """A 150 dpi rendering of page 1 decodes to exactly the ids of its 8 labels."""
    labels = sample_labels(2)
    render_labels(labels, tmp_path / "l.pdf")
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "150", "-png", str(tmp_path / "l.pdf"),
         str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    png = next(tmp_path.glob("page*.png"))
    found = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True
    ).stdout.split()
    assert sorted(found) == sorted(label.package_id for label in labels[:8])
