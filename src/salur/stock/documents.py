"""Warehouse papers as CSV files: delivery notes (BTTB), sortir-lipat records, claims and
replacement deliveries, read into documents with every cell checked where it stands.

One file may hold several documents: rows are grouped by (regency, supplier, number), and the
date (and reason or claim number) must be the same on every row of a document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from salur.csvrows import Row, read_rows
from salur.errors import InputError
from salur.stock.movements import CLAIMED, DAMAGED, RECEIVED, REPLACED, SORTED, StockKey

CLAIM_REASONS = ("damaged", "short")


@dataclass(frozen=True)
class DocumentSpec:
    """The columns of one kind of paper and the movements its quantity columns record."""

    kind: str
    number_column: str
    has_supplier: bool
    quantities: Mapping[str, str]  # column -> movement kind
    header_columns: tuple[str, ...] = ()  # further per-document columns (reason, claim_number)

    def required(self) -> list[str]:
        supplier = ["supplier"] if self.has_supplier else []
        return [
            "regency",
            *supplier,
            self.number_column,
            "date",
            *self.header_columns,
            "item",
            *self.quantities,
        ]


RECEIPT = DocumentSpec("receipt", "note_number", True, {"quantity": RECEIVED})
SORTIR = DocumentSpec("sortir", "reference", False, {"good": SORTED, "damaged": DAMAGED})
CLAIM = DocumentSpec("claim", "claim_number", True, {"quantity": CLAIMED}, ("reason",))
REPLACEMENT = DocumentSpec(
    "replacement", "note_number", True, {"quantity": REPLACED}, ("claim_number",)
)


@dataclass
class DocumentLine:
    """One row of a document: the row (for errors) and its quantities per movement kind."""

    row: Row
    quantities: dict[str, int]
    key: StockKey | None = None  # resolved against the regency's catalogue


@dataclass
class ParsedDocument:
    """A document read from a file, before it is checked against the store."""

    spec: DocumentSpec
    regency: str
    supplier: str
    number: str
    date: dt.date
    header: dict[str, str]
    first: Row
    lines: list[DocumentLine] = field(default_factory=list)

    def movements(self) -> list[tuple[StockKey, str, int]]:
        """(key, kind, quantity) summed over lines naming the same key, in key order."""
        sums: dict[tuple[StockKey, str], int] = {}
        for line in self.lines:
            assert line.key is not None
            for kind, quantity in line.quantities.items():
                sums[(line.key, kind)] = sums.get((line.key, kind), 0) + quantity
        return [(key, kind, q) for (key, kind), q in sorted(sums.items()) if q > 0]

    def content_sha256(self) -> str:
        """A fingerprint of what the paper says: a retry has the same, a changed paper not."""
        content = {
            "date": self.date.isoformat(),
            "header": self.header,
            "lines": [[k.item, k.ballot_type, k.dapil, kind, q] for k, kind, q in self.movements()],
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def label(self) -> str:
        return " ".join(p for p in (self.regency, self.supplier, self.number) if p)


def read_documents(path: Path, spec: DocumentSpec) -> list[ParsedDocument]:
    """Every document of a file, checking cell formats; keys are resolved later per regency."""
    documents: dict[tuple[str, str, str], ParsedDocument] = {}
    for row in read_rows(path, spec.required()):
        supplier = row.text("supplier") if spec.has_supplier else ""
        ident = (row.text("regency"), supplier, row.text(spec.number_column))
        header = {column: row.text(column) for column in spec.header_columns}
        if "reason" in header and header["reason"] not in CLAIM_REASONS:
            raise row.fail("reason", "input.unknown_value", allowed=", ".join(CLAIM_REASONS))
        date = _date(row)
        document = documents.get(ident)
        if document is None:
            document = ParsedDocument(spec, *ident, date, header, row)
            documents[ident] = document
        elif date != document.date:
            raise _differs(row, "date", document)
        else:
            for column, value in header.items():
                if value != document.header[column]:
                    raise _differs(row, column, document)
        document.lines.append(DocumentLine(row, _quantities(row, spec)))
    if not documents:
        raise InputError("stock.no_rows", file=path)
    return list(documents.values())


def _date(row: Row) -> dt.date:
    try:
        return dt.date.fromisoformat(row.text("date"))
    except ValueError:
        raise row.fail("date", "stock.not_a_date") from None


def _quantities(row: Row, spec: DocumentSpec) -> dict[str, int]:
    quantities = {kind: row.count(column) for column, kind in spec.quantities.items()}
    if not any(quantities.values()):
        raise row.fail(next(iter(spec.quantities)), "stock.zero_quantity")
    return quantities


def _differs(row: Row, column: str, document: ParsedDocument) -> InputError:
    return row.fail(
        column,
        "stock.document_field_differs",
        first_row=document.first.number,
        number=document.number,
    )
