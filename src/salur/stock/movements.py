"""Stock as a sum of movements: the kinds a warehouse records and what each does to stock on hand.

Stock is never a counter that is overwritten. Every receipt, sortir result, claim, replacement
and packing appends movements (a kind and a positive quantity); stock on hand is
received - damaged + replaced - packed, summed when asked. Sorted-good and claimed quantities
are recorded for the checks they feed (sortir cannot exceed receipts, replacements cannot exceed
claims) and do not change stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BALLOT_ITEM = "surat_suara"  # the needs' item code of ballots; their key adds type and dapil

RECEIVED = "received"
SORTED = "sorted"  # found good at sortir-lipat
DAMAGED = "damaged"  # found damaged at sortir-lipat: leaves usable stock
CLAIMED = "claimed"  # asked of the supplier as replacement
REPLACED = "replaced"  # replacement delivered against a claim
PACKED = "packed"  # put into TPS kits
SIGN = {RECEIVED: 1, SORTED: 0, DAMAGED: -1, CLAIMED: 0, REPLACED: 1, PACKED: -1}
KINDS = tuple(SIGN)


@dataclass(frozen=True, order=True)
class StockKey:
    """What one stock line counts: an item, or ballots of one type for one dapil."""

    item: str
    ballot_type: str = ""
    dapil: str = ""

    def label(self) -> str:
        """'kotak', or 'surat_suara dpr 1401' in messages and tables."""
        return " ".join(part for part in (self.item, self.ballot_type, self.dapil) if part)


@dataclass(frozen=True)
class StockLevel:
    """Totals of each movement kind for one key at one regency."""

    key: StockKey
    received: int = 0
    sorted: int = 0
    damaged: int = 0
    claimed: int = 0
    replaced: int = 0
    packed: int = 0

    @property
    def on_hand(self) -> int:
        """In the warehouse and usable now."""
        return self.received - self.damaged + self.replaced - self.packed

    @property
    def supplied(self) -> int:
        """Usable stock ever supplied, whether still on hand or packed into kits."""
        return self.on_hand + self.packed

    @property
    def unsorted(self) -> int:
        """Delivered but not yet through sortir-lipat."""
        return self.received + self.replaced - self.sorted - self.damaged

    @classmethod
    def from_totals(cls, key: StockKey, totals: Mapping[str, int]) -> StockLevel:
        return cls(key, **{kind: int(totals.get(kind, 0)) for kind in KINDS})


@dataclass(frozen=True)
class ShortageLine:
    """Needs of one key against its stock: the TPS kits' need, the PSU reserve, and the gap."""

    key: StockKey
    need_tps: int
    need_psu: int
    level: StockLevel

    @property
    def need(self) -> int:
        return self.need_tps + self.need_psu

    @property
    def shortage(self) -> int:
        return max(self.need - self.level.supplied, 0)

    @property
    def surplus(self) -> int:
        return max(self.level.supplied - self.need, 0)


def shortage_lines(
    need_tps: Mapping[StockKey, int],
    need_psu: Mapping[StockKey, int],
    levels: Mapping[StockKey, StockLevel],
    order: Iterable[StockKey] = (),
) -> list[ShortageLine]:
    """One line per key that is needed or stocked; `order` first, then the rest sorted.

    Packed stock counts as covering the need: a packed kit is a need met, not a shortage.
    """
    present = {*need_tps, *need_psu, *levels}
    keys = list(dict.fromkeys([*(k for k in order if k in present), *sorted(present)]))
    return [
        ShortageLine(
            key,
            need_tps.get(key, 0),
            need_psu.get(key, 0),
            levels.get(key, StockLevel(key)),
        )
        for key in keys
    ]
