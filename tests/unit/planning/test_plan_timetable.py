"""Ferry timetables and tide windows: when a water leg may start."""

from __future__ import annotations

import pytest

from salur.planning.timetable import DAY, Timetable, Windows, format_clock, parse_clock

H = 3600


def test_a_truck_waits_for_the_next_scheduled_ferry() -> None:
    """Arriving 09:10 for ferries at 08:00 and 14:00 means leaving at 14:00."""
    ferry = Timetable((8 * H, 14 * H))
    assert ferry.next_departure(9 * H + 600) == 14 * H
    assert ferry.next_departure(8 * H) == 8 * H
    assert ferry.is_departure(14 * H) and not ferry.is_departure(14 * H + 60)


def test_a_truck_that_misses_the_last_ferry_sails_next_morning() -> None:
    """After the last departure the next one is tomorrow's first, even before voting day."""
    ferry = Timetable((8 * H, 14 * H))
    assert ferry.next_departure(-3 * DAY + 15 * H) == -2 * DAY + 8 * H


def test_a_boat_waits_for_the_tide_window_and_may_leave_inside_it() -> None:
    """A leg may start anywhere inside a window; outside it, at the next window's opening."""
    tide = Windows(((6 * H, 10 * H), (18 * H, 22 * H)))
    assert tide.next_start(7 * H) == 7 * H
    assert tide.next_start(11 * H) == 18 * H
    assert tide.next_start(23 * H) == DAY + 6 * H
    assert tide.contains(21 * H) and not tide.contains(12 * H)


def test_dated_tide_rows_replace_the_every_day_windows_on_their_day() -> None:
    """An office's tide table for one date overrides the assumed daily windows."""
    tide = Windows(((6 * H, 10 * H),), {-1: ((13 * H, 15 * H),)})
    assert tide.next_start(-1 * DAY + 7 * H) == -1 * DAY + 13 * H
    assert tide.next_start(7 * H) == 7 * H


def test_expected_waits_are_half_the_headway_and_the_mean_gap_of_closed_hours() -> None:
    """Hourly ferries cost half an hour; two 4-hour tide windows a day cost 8h x 8h / 24h."""
    assert Timetable(tuple(h * H for h in range(6, 18))).expected_wait_s() == 1800
    tide = Windows(((6 * H, 10 * H), (18 * H, 22 * H)))
    assert tide.expected_wait_s() == pytest.approx(2 * (8 * H) ** 2 / 2 / DAY)


def test_clock_text_round_trips_and_rejects_nonsense() -> None:
    """'07:30' is 27,000 s; '25:00' is refused."""
    assert parse_clock("07:30") == 27_000
    assert format_clock(27_000 + DAY) == "07:30"
    with pytest.raises(ValueError, match="time of day"):
        parse_clock("25:00")
