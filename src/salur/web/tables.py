"""Tables as the pages show them and as Excel exports them: one definition, two renderings.

Every table of a page is a `Table` built by a named function, so its Excel file (`.xlsx`, one
sheet, numbers as numbers, times in the election's local time) holds exactly the rows the
page shows, and all of them when the page shows only the first few.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

Kind = Literal["text", "int", "pct", "time", "status", "code", "hours"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Column:
    """A column: the key of its values in each row, its heading, and how to show its values."""

    key: str
    label: str
    kind: Kind = "text"
    sub: str | None = None  # the key of a value the page shows small under this one
    web: bool = True  # False: only in the Excel file (the page shows it as another's `sub`)


@dataclass(frozen=True)
class Table:
    """A titled table; `links` gives a row's link per column key, `row_status` its colour."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    links: list[dict[str, str]] = field(default_factory=list)
    row_status: list[str] = field(default_factory=list)
    note: str = ""
    shown: int | None = None  # how many rows the page shows (None: all)

    @property
    def web_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.web)

    @property
    def visible(self) -> list[tuple[dict[str, Any], dict[str, str], str]]:
        count = len(self.rows) if self.shown is None else min(self.shown, len(self.rows))
        return [
            (
                self.rows[i],
                self.links[i] if i < len(self.links) else {},
                self.row_status[i] if i < len(self.row_status) else "",
            )
            for i in range(count)
        ]

    @property
    def hidden(self) -> int:
        return len(self.rows) - len(self.visible)


def to_xlsx(table: Table, tz: dt.tzinfo, tz_name: str, meta: Sequence[str] = ()) -> bytes:
    """The table as an Excel workbook: a title line, `meta` lines, then headings and rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title)
    bold = Font(bold=True)
    sheet.append([table.title])
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    for line in meta:
        sheet.append([line])
    header_row = sheet.max_row + 2
    headings = [f"{c.label} ({tz_name})" if c.kind == "time" else c.label for c in table.columns]
    for col, heading in enumerate(headings, start=1):
        cell = sheet.cell(header_row, col, heading)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="E8E2D9")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=header_row + 1):
        for col, column in enumerate(table.columns, start=1):
            cell = sheet.cell(r, col, _excel_value(row.get(column.key), column.kind, tz))
            if column.kind == "time":
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif column.kind == "pct":
                cell.number_format = "0.0%"
            elif column.kind == "int":
                cell.number_format = "#,##0"
    for col, heading in enumerate(headings, start=1):
        values = [heading, *(str(row.get(table.columns[col - 1].key, "")) for row in table.rows)]
        width = min(max(len(v) for v in values) + 2, 60)
        sheet.column_dimensions[get_column_letter(col)].width = max(width, 8)
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_value(value: Any, kind: Kind, tz: dt.tzinfo) -> Any:
    if value is None:
        return None
    if kind == "time" and isinstance(value, dt.datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    if isinstance(value, bool | int | float | str | dt.date):
        return value
    return str(value)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "salur"
