"""Reading CSV files row by row with errors that name the file, the row and the column.

Hand-written on top of the standard `csv` module rather than pandas because every rejected value
must be reported with its exact row and column, and a half-parsed frame is of no use here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from salur.errors import InputError


class Row:
    """One data row; `number` counts the header as row 1, as a spreadsheet shows it."""

    __slots__ = ("file", "number", "values")

    def __init__(self, file: Path, number: int, values: dict[str, str]) -> None:
        self.file = file
        self.number = number
        self.values = values

    def fail(self, column: str, key: str, **params: Any) -> InputError:
        value = self.values.get(column, "")
        return InputError(
            key, file=self.file, row=self.number, column=column, value=value, **params
        )

    def text(self, column: str) -> str:
        value = (self.values.get(column) or "").strip()
        if not value:
            raise self.fail(column, "input.required")
        return value

    def opt_text(self, column: str) -> str | None:
        value = (self.values.get(column) or "").strip()
        return value or None

    def opt_float(self, column: str) -> float | None:
        value = self.opt_text(column)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise self.fail(column, "input.not_a_number") from None

    def opt_count(self, column: str) -> int | None:
        """A whole number >= 0, or None when the cell is empty."""
        value = self.opt_text(column)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise self.fail(column, "input.not_a_whole_number") from None
        if number < 0:
            raise self.fail(column, "input.negative")
        return number

    def count(self, column: str) -> int:
        number = self.opt_count(column)
        if number is None:
            raise self.fail(column, "input.required")
        return number

    def opt_flag(self, column: str) -> bool | None:
        value = self.opt_text(column)
        if value is None:
            return None
        if value in ("1", "true", "True"):
            return True
        if value in ("0", "false", "False"):
            return False
        raise self.fail(column, "input.not_a_flag")


def read_rows(path: Path, required: Sequence[str]) -> Iterator[Row]:
    """Rows of a UTF-8 CSV file, after checking the header has every required column."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("input.empty_file", file=path) from None
        for column in required:
            if column not in header:
                raise InputError("input.missing_column", file=path, row=1, column=column)
        width = len(header)
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != width:
                raise InputError(
                    "input.wrong_cell_count",
                    file=path,
                    row=number,
                    found=len(cells),
                    expected=width,
                )
            yield Row(path, number, dict(zip(header, cells, strict=True)))
