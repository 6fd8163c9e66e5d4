"""Writing needs tables as CSV, Excel, or a rich table on the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from rich.table import Table

from salur.errors import SalurError
from salur.i18n import fmt_number

Format = Literal["table", "csv", "xlsx"]
EXCEL_MAX_ROWS = 1_048_575  # one sheet, less the header row
TABLE_MAX_ROWS = 200


def write(frame: pd.DataFrame, fmt: Format, path: Path) -> None:
    """Write `frame` to `path` as CSV or xlsx (refusing what one Excel sheet cannot hold)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        if len(frame) > EXCEL_MAX_ROWS:
            raise SalurError("needs.too_many_rows_xlsx", rows=len(frame))
        frame.to_excel(path, index=False, sheet_name="needs")
    else:
        frame.to_csv(path, index=False, float_format="%.3f")


def to_table(frame: pd.DataFrame, title: str) -> Table:
    """A terminal table (the first rows when there are many; the file formats hold them all)."""
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.head(TABLE_MAX_ROWS).itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    if len(frame) > TABLE_MAX_ROWS:
        table.caption = f"{fmt_number(TABLE_MAX_ROWS)} / {fmt_number(len(frame))}"
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return fmt_number(value, digits=2)
    if isinstance(value, int):
        return fmt_number(value)
    return str(value)
