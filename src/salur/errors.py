"""Typed errors: each says what went wrong and where, in the user's language.

Errors carry a message key and parameters rather than a finished sentence, so the CLI and the API
render them in Bahasa Indonesia or English from one catalogue (see `salur.i18n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salur.i18n import t


class SalurError(Exception):
    """Base of every error salur raises on purpose; `code` is stable for machines."""

    code = "error"

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        return t(self.key, **self.params)


class InputError(SalurError):
    """Bad input in a file: names the file, the row (header = row 1, as a spreadsheet shows it)
    and the column."""

    code = "invalid_input"

    def __init__(
        self,
        key: str,
        *,
        file: Path | str,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.field = field
        super().__init__(key, **params)

    def __str__(self) -> str:
        where = t("where.file", file=self.file)
        if self.row is not None:
            where += ", " + t("where.row", row=self.row)
        if self.column is not None:
            where += ", " + t("where.column", column=self.column)
        if self.field is not None:
            where += ", " + t("where.field", field=self.field)
        context = {"file": self.file, "column": self.column, "field": self.field}
        return f"{where}: {t(self.key, **{**context, **self.params})}"


class NotFoundError(SalurError):
    """A region, TPS or other thing named by the user does not exist."""

    code = "not_found"


class ConflictError(SalurError):
    """The request contradicts what is already stored."""

    code = "conflict"
