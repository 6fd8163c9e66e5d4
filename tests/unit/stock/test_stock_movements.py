"""Stock as a sum of movements: on hand, supplied, unsorted, and the shortage arithmetic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from salur.stock.movements import (
    BALLOT_ITEM,
    KINDS,
    SIGN,
    StockKey,
    StockLevel,
    shortage_lines,
)

DPR = StockKey(BALLOT_ITEM, "dpr", "1401")
KOTAK = StockKey("kotak")


def test_on_hand_is_received_less_damaged_plus_replaced_less_packed() -> None:
    """1,000 in, 12 damaged at sortir, 10 replaced, 900 packed: 98 on hand, 998 supplied."""
    level = StockLevel(DPR, received=1000, sorted=988, damaged=12, replaced=10, packed=900)
    assert level.on_hand == 98
    assert level.supplied == 998
    assert level.unsorted == 10  # the replacements still wait for sortir


@given(st.dictionaries(st.sampled_from(KINDS), st.integers(0, 10**6)))
def test_on_hand_follows_the_sign_of_each_movement_kind(totals: dict[str, int]) -> None:
    """Sorted-good and claimed quantities never change stock; the others add or remove."""
    level = StockLevel.from_totals(DPR, totals)
    assert level.on_hand == sum(SIGN[kind] * q for kind, q in totals.items())


def test_shortage_is_need_less_supplied_and_never_negative() -> None:
    """Need 5,000 + 1,000 PSU against 5,500 supplied: 500 short; kotak 10 over: surplus 10."""
    lines = shortage_lines(
        {DPR: 5000, KOTAK: 20},
        {DPR: 1000},
        {DPR: StockLevel(DPR, received=5500, packed=4000), KOTAK: StockLevel(KOTAK, received=30)},
    )
    by_key = {line.key: line for line in lines}
    assert (by_key[DPR].need, by_key[DPR].shortage, by_key[DPR].surplus) == (6000, 500, 0)
    assert (by_key[KOTAK].shortage, by_key[KOTAK].surplus) == (0, 10)


def test_stock_nobody_needs_still_appears_in_the_report() -> None:
    """Ballots of a dapil with no need (delivered by mistake) are listed as surplus."""
    stray = StockKey(BALLOT_ITEM, "dprd_kab", "141099")
    lines = shortage_lines({DPR: 10}, {}, {stray: StockLevel(stray, received=40)}, [DPR])
    assert [line.key for line in lines] == [DPR, stray]
    assert lines[1].surplus == 40


def test_stock_keys_read_as_item_type_and_dapil() -> None:
    """Messages name the goods the way the warehouse does."""
    assert DPR.label() == "surat_suara dpr 1401"
    assert KOTAK.label() == "kotak"
