"""Printable A4 label sheets, 8 labels a page (2 x 4, 97 x 70 mm), one label per package.

Each label carries the ballot type's official colour band, a QR code of the package id drawn as
vector squares (sharp at any printer resolution, no images), the id in large type, TPS, desa,
kecamatan, regency, dapil, count and the seal numbers (blank lines to write them on when the
package is not sealed yet). Pure rendering: the records come from `kits.service.labels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from salur.i18n import language, t
from salur.kits.ids import BILIK, KOTAK
from salur.reports.qr import draw_qr

COLUMNS, ROWS = 2, 4
MARGIN = 8 * mm
PAD = 4 * mm
BAND = 12 * mm
QR_SIZE = 32 * mm
QR_BORDER = 2  # modules of white around the code, inside QR_SIZE; the label adds more
QR_MASK = 2
# Ballot paper colours of Pemilu 2024 (KPU), keyed by the norm's English colour name.
COLOURS: dict[str, Color] = {
    "grey": Color(0.62, 0.62, 0.62),
    "yellow": Color(1.0, 0.84, 0.0),
    "red": Color(0.83, 0.14, 0.14),
    "blue": Color(0.08, 0.40, 0.75),
    "green": Color(0.18, 0.55, 0.22),
}
DARK_TEXT_ON = ("yellow", "grey")
NEUTRAL = Color(0.15, 0.15, 0.15)


@dataclass(frozen=True)
class Label:
    """What one package's label shows."""

    package_id: str
    kind: str  # kotak | bilik | support
    seq: int
    of: int
    ballot_type: str
    ballot_names: tuple[str, str]  # (Indonesian, English)
    colour: str  # the norm's English colour name, '' for bilik and support
    dapil: str
    dapil_name: str  # the dapil's name, or the region a province- or nation-wide ballot covers
    count: int
    seals: tuple[int, ...]
    election: str
    tps_code: str
    tps_name: str
    village: str
    district: str
    regency: str

    @property
    def dapil_text(self) -> str:
        """'141001 KEPULAUAN MERANTI 1' for a dapil; 'Riau' or 'Indonesia' for DPD and PPWP."""
        if self.dapil_name and self.dapil.isdigit():
            return f"{self.dapil} {self.dapil_name}"
        return self.dapil_name or self.dapil


def render_labels(labels: Sequence[Label], path: Path) -> int:
    """Write the label sheets to `path`; returns the number of pages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(t("kits.labels_title"))
    canvas.setCreator("salur")
    width = (A4[0] - 2 * MARGIN) / COLUMNS
    height = (A4[1] - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    pages = 0
    for index, label in enumerate(labels):
        slot = index % per_page
        if slot == 0 and index:
            canvas.showPage()
        if slot == 0:
            pages += 1
        x = MARGIN + (slot % COLUMNS) * width
        y = A4[1] - MARGIN - (slot // COLUMNS + 1) * height
        _draw_label(canvas, label, x, y, width, height)
    if not labels:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(MARGIN, A4[1] - MARGIN - 12, t("kits.no_packages"))
        pages = 1
    canvas.save()
    return pages


def _draw_label(canvas: Canvas, label: Label, x: float, y: float, w: float, h: float) -> None:
    canvas.setStrokeColor(Color(0.75, 0.75, 0.75))
    canvas.setLineWidth(0.4)
    canvas.rect(x, y, w, h, stroke=1, fill=0)  # cutting guide
    _band(canvas, label, x, y + h - BAND, w)
    top = y + h - BAND - 2.5 * mm
    draw_qr(
        canvas, label.package_id, x + PAD, top - QR_SIZE, QR_SIZE, border=QR_BORDER, mask=QR_MASK
    )
    _details(canvas, label, x + PAD + QR_SIZE + 3 * mm, top, x + w - PAD)
    canvas.setFillColor(black)
    font, size = "Courier-Bold", 13.0
    size = min(size, size * (w - 2 * PAD) / stringWidth(label.package_id, font, size))
    canvas.setFont(font, size)
    canvas.drawString(x + PAD, top - QR_SIZE - 5.5 * mm, label.package_id)
    _seals(canvas, label, x + PAD, y + PAD + 5 * mm, x + w - PAD)
    canvas.setFont("Helvetica", 6.5)
    canvas.setFillColor(Color(0.35, 0.35, 0.35))
    canvas.drawString(x + PAD, y + PAD, f"{label.election} · {label.regency}")
    canvas.drawRightString(x + w - PAD, y + PAD, "salur")


def _band(canvas: Canvas, label: Label, x: float, y: float, w: float) -> None:
    """The colour band: the ballot type in its paper colour; bilik and support in dark grey."""
    fill = COLOURS.get(label.colour, NEUTRAL) if label.kind == KOTAK else NEUTRAL
    canvas.setFillColor(fill)
    canvas.rect(x, y, w, BAND, stroke=0, fill=1)
    canvas.setFillColor(black if label.colour in DARK_TEXT_ON and label.kind == KOTAK else white)
    if label.kind == KOTAK:
        name = label.ballot_names[0 if language() == "id" else 1]
        title = t("kits.label_kotak", name=name.upper())
    else:
        title = t("kits.label_bilik" if label.kind == BILIK else "kits.label_support")
    room = w * 0.76
    size = max(8.0, min(12.0, 12.0 * room / stringWidth(title, "Helvetica-Bold", 12)))
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x + PAD, y + 4.3 * mm, _fit(title, "Helvetica-Bold", size, room))
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawRightString(
        x + w - PAD, y + 4.3 * mm, t("kits.label_package", seq=label.seq, of=label.of)
    )


def _details(canvas: Canvas, label: Label, x: float, top: float, right: float) -> None:
    width = right - x
    rows = [
        (t("kits.label_tps"), f"{label.tps_name} · {label.tps_code}"),
        (t("kits.label_village"), label.village),
        (t("kits.label_district"), label.district),
    ]
    if label.kind == KOTAK:
        rows.append((t("kits.label_dapil"), label.dapil_text))
    rows.append((t("kits.label_count"), _count(label)))
    line = top - 2 * mm
    for i, (caption, value) in enumerate(rows):
        canvas.setFillColor(Color(0.35, 0.35, 0.35))
        canvas.setFont("Helvetica", 5.5)
        canvas.drawString(x, line, caption.upper())
        canvas.setFillColor(black)
        font = "Helvetica-Bold" if i == len(rows) - 1 else "Helvetica"
        canvas.setFont(font, 9)
        canvas.drawString(x, line - 3.3 * mm, _fit(value, font, 9, width))
        line -= 6.5 * mm


def _count(label: Label) -> str:
    if label.kind == KOTAK:
        return t("kits.unit_ballots", count=label.count)
    if label.kind == BILIK:
        return t("kits.unit_bilik", count=label.count)
    return t("kits.unit_support", count=label.count)


def _seals(canvas: Canvas, label: Label, x: float, y: float, right: float) -> None:
    canvas.setFillColor(black)
    canvas.setFont("Helvetica-Bold", 9)
    caption = t("kits.label_seals") + ": "
    canvas.drawString(x, y, caption)
    start = x + stringWidth(caption, "Helvetica-Bold", 9)
    if label.seals:
        text = ", ".join(str(n) for n in label.seals)
        canvas.setFont("Courier-Bold", 9)
        canvas.drawString(start, y, _fit(text, "Courier-Bold", 9, right - start))
        return
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.5)
    gap = 3 * mm
    blank = (right - start - 2 * gap) / 3
    for i in range(3):
        left = start + i * (blank + gap)
        canvas.line(left, y - 0.8 * mm, left + blank, y - 0.8 * mm)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut with an ellipsis if it is wider than `width`."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
