"""Errors of stock and packing: a paper that contradicts the one on record, and a shortage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from salur.errors import InputError, SalurError
from salur.i18n import t
from salur.stock.movements import StockKey


class DocumentConflictError(InputError):
    """A paper whose number is on record with different content: refused, never merged."""

    code = "conflict"

    def __init__(self, *, file: Path | str, row: int, column: str, document: str) -> None:
        super().__init__("stock.document_conflict", file=file, row=row, column=column, doc=document)


@dataclass(frozen=True)
class Shortfall:
    """Stock missing for one key: what is asked, what is on hand, and the PSU reserve kept."""

    key: StockKey
    need: int
    on_hand: int
    reserve: int

    @property
    def missing(self) -> int:
        return self.need - (self.on_hand - self.reserve)


class ShortageError(SalurError):
    """Packing refused, naming every item, ballot type and dapil that is short."""

    code = "shortage"

    def __init__(self, regency: str, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = list(shortfalls)
        super().__init__("stock.shortage", regency=regency, count=len(self.shortfalls))

    def __str__(self) -> str:
        lines = [
            t(
                "stock.shortfall",
                goods=s.key.label(),
                need=s.need,
                on_hand=s.on_hand,
                reserve=s.reserve,
                missing=s.missing,
            )
            for s in self.shortfalls
        ]
        return "; ".join([super().__str__(), *lines])
