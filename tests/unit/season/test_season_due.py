"""A day's handovers: rain may push one past midnight; it is then due the next day, not lost."""

from __future__ import annotations

import datetime as dt

from salur.season.timeline import Handover, due

WIB = dt.timezone(dt.timedelta(hours=7))
D = dt.date(2024, 2, 10)


def handover(hour: int, day: dt.date = D, site: str = "14.05.01") -> Handover:
    at = dt.datetime.combine(day, dt.time(hour), WIB).astimezone(dt.UTC)
    return Handover("warehouse_ppk", at, site, ("1405012001001",), "r1", "truck")


def test_a_delay_past_midnight_moves_the_handover_to_the_next_day() -> None:
    late_evening = handover(22)
    todo = [(late_evening, dt.timedelta(hours=4)), (handover(9), dt.timedelta(0))]
    assert [h.at.astimezone(WIB).hour for h in due(todo, D, WIB)] == [9]
    next_day = due(todo, D + dt.timedelta(days=1), WIB)
    two_am = dt.datetime.combine(D + dt.timedelta(days=1), dt.time(2), WIB)
    assert [h.at for h in next_day] == [two_am, handover(9).at]


def test_what_is_overdue_stays_due_until_done() -> None:
    """The caller drops what was handed over; what was not stays due on every later day."""
    todo = [
        (handover(8), dt.timedelta(0)),
        (handover(8, D + dt.timedelta(days=3)), dt.timedelta(0)),
    ]
    assert len(due(todo, D + dt.timedelta(days=2), WIB)) == 1
    assert len(due(todo, D + dt.timedelta(days=3), WIB)) == 2
    assert due(todo, D - dt.timedelta(days=1), WIB) == []
