"""What a regency warehouse may stock: the norm's items, and each ballot type's dapil there.

A file line names an item code (`kotak`) or a ballot type with its dapil (`dprd_kab`, `141002`).
Ballots of a dapil that has no TPS in the regency are refused at the warehouse door: ballots of
the wrong dapil (surat suara tertukar) reached 6,084 TPS in 2024.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from salur.csvrows import Row
from salur.stock.movements import BALLOT_ITEM, StockKey


@dataclass(frozen=True)
class Catalogue:
    """Valid stock keys at one regency under one norm."""

    items: Sequence[str]  # norm item codes, in norm order
    dapil: Mapping[str, Sequence[str]]  # ballot type -> its dapil with TPS in the regency

    def keys(self) -> list[StockKey]:
        """Every valid key, ballots first, in norm order (the order of reports)."""
        ballots = [StockKey(BALLOT_ITEM, bt, d) for bt, codes in self.dapil.items() for d in codes]
        return [*ballots, *(StockKey(item) for item in self.items)]

    def resolve(self, row: Row, item_column: str = "item", dapil_column: str = "dapil") -> StockKey:
        """The key a file row names, or an error naming its row and column."""
        item = row.text(item_column).lower()
        dapil = (row.opt_text(dapil_column) or "").upper()
        if item in self.items:
            if dapil:
                raise row.fail(dapil_column, "stock.dapil_for_item", item=item)
            return StockKey(item)
        if item not in self.dapil:
            known = ", ".join([*self.dapil, *self.items])
            raise row.fail(item_column, "stock.unknown_item", allowed=known)
        allowed = self.dapil[item]
        if not dapil and len(allowed) == 1:
            return StockKey(BALLOT_ITEM, item, allowed[0])
        if dapil not in allowed:
            key = "stock.dapil_required" if not dapil else "stock.unknown_dapil"
            known = ", ".join(allowed) or "-"
            raise row.fail(dapil_column, key, ballot_type=item, allowed=known)
        return StockKey(BALLOT_ITEM, item, dapil)
