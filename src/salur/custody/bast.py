"""The BAST (berita acara serah terima) of a handover as an A4 PDF: the paper record of the hop.

Parties with roles and regions (names only on paper, from the office's own list), the items
handed over, witnesses, the electronic signatures with key IDs and times, notes on findings and
lateness, and the log receipt as a QR code drawn as vector squares, with its log index and
checkpoint size in text. Rendering only: `receipts.bast_pdf` gathers the record. Text comes
from the catalogue in the requested language (the official record is in Bahasa Indonesia).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from salur.i18n import t
from salur.reports.qr import draw_qr

MARGIN = 18 * mm
QR_SIZE = 50 * mm
QR_BORDER = 4  # the quiet zone QR readers need, in modules
BLANK = "...................................."


@dataclass(frozen=True)
class PartyLine:
    """One person on the record, as the BAST names them."""

    role: str  # the role's name, e.g. Panitia Pemilihan Kecamatan (PPK)
    region: str  # name and code of the region
    person: str  # pseudonym
    name: str | None = None
    device: str | None = None
    key_id: str | None = None


@dataclass(frozen=True)
class ItemLine:
    package: str
    content: str  # kind, and the ballot type of a kotak
    dapil: str
    count: str
    seals: str
    remarks: str


@dataclass(frozen=True)
class SignatureLine:
    party: str
    role: str
    device: str
    key_id: str
    signed_at: dt.datetime  # local time


@dataclass(frozen=True)
class BastRecord:
    """Everything printed on one BAST."""

    number: str
    election: str
    hop: str
    at: dt.datetime  # local time
    timezone: str
    giver: PartyLine
    receiver: PartyLine
    witnesses: Sequence[PartyLine]
    items: Sequence[ItemLine]
    signatures: Sequence[SignatureLine]
    notes: Sequence[str]
    origin: str
    log_index: int
    checkpoint_size: int
    leaf_hash: str
    receipt: bytes


class QrCode(Flowable):  # type: ignore[misc]
    """A QR code of bytes, drawn as filled rectangles (one per run of dark modules)."""

    def __init__(self, data: bytes, size: float) -> None:
        super().__init__()
        self.data = data
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        draw_qr(self.canv, self.data, 0, 0, self.size, border=QR_BORDER)


def render_bast(record: BastRecord, lang: str = "id") -> bytes:
    """The BAST as PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=t("custody.bast.title", lang),
        author="salur",
        subject=record.number,
    )
    story = _story(record, lang, doc.width)
    footer = t("custody.bast.footer", lang, number=record.number)

    def numbered(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, footer=footer, language=lang, **kwargs)

    doc.build(story, canvasmaker=numbered)
    return buffer.getvalue()


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Prints "page n of m" and the BAST number at the foot of every page."""

    def __init__(self, *args: Any, footer: str, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer, self._lang = footer, language

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            page = t("custody.bast.page", self._lang, page=self._pageNumber, pages=len(self._pages))
            self.drawString(MARGIN, 10 * mm, self._footer)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, page)
            super().showPage()
        super().save()


_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9.5, leading=12.5)
_SMALL = ParagraphStyle("small", parent=_BASE, fontSize=7.5, leading=9.5)
_CELL = ParagraphStyle("cell", parent=_BASE, fontSize=8, leading=10)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName="Helvetica-Bold")
_TITLE = ParagraphStyle(
    "title", parent=_BASE, fontName="Helvetica-Bold", fontSize=13, leading=17, alignment=TA_CENTER
)
_CENTER = ParagraphStyle("center", parent=_BASE, alignment=TA_CENTER)
_SECTION = ParagraphStyle(
    "section", parent=_BASE, fontName="Helvetica-Bold", spaceBefore=6, spaceAfter=3
)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)
_PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
    ]
)


def _p(text: str, style: ParagraphStyle = _CELL) -> Paragraph:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def _story(record: BastRecord, lang: str, width: float) -> list[Flowable]:
    def tr(key: str, **params: Any) -> str:
        return t(f"custody.bast.{key}", lang, **params)

    story: list[Flowable] = [
        _p(tr("authority"), _CENTER),
        Spacer(1, 1 * mm),
        _p(tr("title"), _TITLE),
        _p(record.election.upper(), _CENTER),
        _p(tr("number", number=record.number), _CENTER),
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=1.2, color=colors.black),
        Spacer(1, 3 * mm),
        _p(_opening(record, lang), _BASE),
    ]
    story += [Spacer(1, 2 * mm), _parties(record, lang, width), Spacer(1, 2 * mm)]
    story += [_p(tr("statement", hop=record.hop), _BASE)]
    story += [_p(tr("items"), _SECTION), _items_table(record.items, lang, width)]
    if record.witnesses:
        story += [_p(tr("witnessed_by"), _SECTION), _witness_table(record.witnesses, lang, width)]
    story += [_p(tr("signatures"), _SECTION), _signature_table(record, lang, width)]
    if record.notes:
        story += [_p(tr("notes"), _SECTION)]
        story += [_p(f"{i}. {note}", _BASE) for i, note in enumerate(record.notes, start=1)]
    story += [Spacer(1, 2 * mm), _p(tr("closing"), _BASE), Spacer(1, 3 * mm)]
    story += [KeepTogether(_signing_blocks(record, lang, width))]
    story += [Spacer(1, 3 * mm), KeepTogether([_receipt_block(record, lang, width)])]
    return story


def _opening(record: BastRecord, lang: str) -> str:
    days = t("custody.bast.days", lang).split(",")
    months = t("custody.bast.months", lang).split(",")
    at = record.at
    return t(
        "custody.bast.opening",
        lang,
        day=days[at.weekday()],
        date=f"{at.day} {months[at.month - 1]} {at.year}",
        time=at.strftime("%H.%M"),
        tz=record.timezone,
    )


def _parties(record: BastRecord, lang: str, width: float) -> Table:
    """Giver and receiver side by side."""
    half = width / 2
    cells = [
        _party(t(f"custody.bast.{key}", lang), party, lang, half - 3 * mm)
        for key, party in (("first_party", record.giver), ("second_party", record.receiver))
    ]
    return Table([cells], colWidths=[half, half], style=_PLAIN)


def _party(title: str, party: PartyLine, lang: str, width: float) -> list[Flowable]:
    def tr(key: str) -> str:
        return t(f"custody.bast.{key}", lang)

    rows = [
        [_p(tr("name")), _p(": " + (party.name or BLANK))],
        [_p(tr("role")), _p(": " + party.role)],
        [_p(tr("region")), _p(": " + party.region)],
        [_p(tr("pseudonym")), _p(": " + party.person)],
    ]
    if party.device:
        device = f": {party.device} ({tr('key_id')} {party.key_id or '-'})"
        rows.append([_p(tr("device")), _p(device)])
    table = Table(rows, colWidths=[20 * mm, width - 20 * mm], style=_PLAIN)
    return [_p(title, _HEAD), table]


def _items_table(items: Sequence[ItemLine], lang: str, width: float) -> Table:
    head = [
        t(f"custody.bast.col_{c}", lang)
        for c in ("no", "package", "kind", "dapil", "count", "seals", "remarks")
    ]
    rows = [[_p(h, _HEAD) for h in head]]
    for i, item in enumerate(items, start=1):
        cells = (str(i), item.package, item.content, item.dapil, item.count, item.seals)
        rows.append([*(_p(c) for c in cells), _p(item.remarks)])
    fixed = [7, 47, 38, 14, 13, 25]
    widths = [w * mm for w in fixed] + [width - sum(fixed) * mm]
    return Table(rows, colWidths=widths, repeatRows=1, style=_GRID)


def _witness_table(witnesses: Sequence[PartyLine], lang: str, width: float) -> Table:
    head = [t(f"custody.bast.col_{c}", lang) for c in ("no", "role", "region", "pseudonym", "name")]
    rows = [[_p(h, _HEAD) for h in head]]
    for i, w in enumerate(witnesses, start=1):
        rows.append([_p(str(i)), _p(w.role), _p(w.region), _p(w.person), _p(w.name or "")])
    fixed = [8, 48, 40, 45]
    widths = [w * mm for w in fixed] + [width - sum(fixed) * mm]
    return Table(rows, colWidths=widths, repeatRows=1, style=_GRID)


def _signature_table(record: BastRecord, lang: str, width: float) -> Table:
    head = [
        t(f"custody.bast.col_{c}", lang) for c in ("party", "role", "device", "key_id", "signed")
    ]
    rows = [[_p(h, _HEAD) for h in head]]
    for s in record.signatures:
        signed = f"{s.signed_at:%Y-%m-%d %H:%M:%S} {record.timezone}"
        rows.append([_p(s.party), _p(s.role), _p(s.device), _p(s.key_id), _p(signed)])
    if len(rows) == 1:
        rows.append([_p(t("custody.bast.unsigned", lang)), "", "", "", ""])
    fixed = [28, 58, 30, 20]
    widths = [w * mm for w in fixed] + [width - sum(fixed) * mm]
    return Table(rows, colWidths=widths, repeatRows=1, style=_GRID)


def _signing_blocks(record: BastRecord, lang: str, width: float) -> list[Flowable]:
    def block(title: str, party: PartyLine) -> list[Paragraph]:
        return [
            _p(title, _CENTER),
            _p(party.role, ParagraphStyle("r", parent=_CENTER, fontSize=8)),
            Spacer(1, 13 * mm),
            _p(f"( {party.name or BLANK} )", _CENTER),
        ]

    first = block(t("custody.bast.first_party", lang), record.giver)
    second = block(t("custody.bast.second_party", lang), record.receiver)
    return [Table([[first, second]], colWidths=[width / 2, width / 2], style=_PLAIN)]


def _receipt_block(record: BastRecord, lang: str, width: float) -> Table:
    text = [
        _p(t("custody.bast.log_title", lang), _HEAD),
        Spacer(1, 1.5 * mm),
        _p(t("custody.bast.log_origin", lang, origin=record.origin), _CELL),
        _p(t("custody.bast.log_index", lang, index=str(record.log_index)), _CELL),
        _p(t("custody.bast.log_size", lang, size=str(record.checkpoint_size)), _CELL),
        _p(t("custody.bast.log_leaf", lang, leaf=record.leaf_hash), _SMALL),
        Spacer(1, 1.5 * mm),
        _p(t("custody.bast.log_verify", lang), _SMALL),
    ]
    return Table(
        [[QrCode(record.receipt, QR_SIZE), text]],
        colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
