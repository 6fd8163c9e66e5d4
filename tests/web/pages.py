"""Helpers of the web tests: read the tables of a page, sign in through the browser, check a
page fits a phone."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.web.world import PASSWORD


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._name: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("data-table"):
            self._name = dict(attrs)["data-table"]
            self.tables[self._name or ""] = []
        elif self._name and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._name:
            self.tables[self._name].append(self._row)
            self._row = None
        elif tag == "table":
            self._name = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every `data-table` table of a page: its header row, then its rows, as cell texts."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def column_index(table: list[list[str]], heading: str) -> int:
    """The position of the column whose heading starts so."""
    return next(i for i, h in enumerate(table[0]) if h.startswith(heading))


def column(table: list[list[str]], heading: str) -> list[str]:
    """The cells under a heading (the start of the heading suffices)."""
    index = column_index(table, heading)
    return [row[index] for row in table[1:]]


def number(text: str) -> int:
    """An Indonesian-formatted count ('1.234', or '202 202' with the plan beneath) as int."""
    return int(text.split()[0].replace(".", "").replace(",", ""))


def workbook_rows(body: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def sign_in(page: Page, base: str, username: str, next_path: str) -> None:
    """Sign in through the sign-in form and land on `next_path`."""
    page.goto(f"{base}/web/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + next_path.rstrip("/")) + ".*"))


def fits_phone(page: Page) -> None:
    """Nothing makes the page scroll sideways (tables scroll inside their cards)."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url}: {width} px wide in a {inner} px window"
