"""When a water leg may start: ferry departure timetables and daily tide windows.

Times are integer seconds since 00:00 local time of voting day (negative before it), so day
``d`` (H+d) starts at ``d * DAY``. Pure: no clock, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DAY = 86_400
SEARCH_DAYS = 60
"""How far ahead a departure or window is looked for before the leg is declared impossible."""


def parse_clock(text: str) -> int:
    """'07:30' -> 27000 seconds after midnight; raises ValueError on anything else."""
    hours, _, minutes = text.strip().partition(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 3600 + m * 60 > DAY:
        raise ValueError(f"'{text}' is not a time of day (HH:MM)")
    return h * 3600 + m * 60


def format_clock(seconds: int) -> str:
    """Seconds after midnight as HH:MM."""
    seconds %= DAY
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _expected_gap_wait(starts: Sequence[int], ends: Sequence[int]) -> float:
    """Mean wait for a start time uniform over a day, given sorted daily open intervals."""
    if not starts:
        return float("inf")
    wait = 0.0
    for idx, start in enumerate(starts):
        previous_end = ends[idx - 1] - (DAY if idx == 0 else 0)
        gap = max(0, start - previous_end)
        wait += gap * gap / 2
    return wait / DAY


@dataclass(frozen=True, slots=True)
class Timetable:
    """Daily departures of a scheduled ferry (seconds after midnight, sorted)."""

    departures: tuple[int, ...]

    def next_departure(self, t: int) -> int | None:
        """The first departure at or after ``t``, or None if there is none."""
        if not self.departures:
            return None
        day = t // DAY
        for offset in range(2):
            for dep in self.departures:
                candidate = (day + offset) * DAY + dep
                if candidate >= t:
                    return candidate
        return None

    def is_departure(self, t: int) -> bool:
        """Whether a scheduled departure leaves exactly at ``t``."""
        return t % DAY in self.departures

    def expected_wait_s(self) -> float:
        """Planning estimate of the wait at the quay: half the headway between departures.

        Only gaps within the service day count: road vehicles arrive in working hours, and the
        schedule simulates the real wait (overnight if a truck misses the last ferry).
        """
        gaps = [b - a for a, b in zip(self.departures, self.departures[1:], strict=False)]
        if not gaps:
            return DAY / 2
        return sum(g * g for g in gaps) / (2 * sum(gaps))


@dataclass(frozen=True, slots=True)
class Windows:
    """Daily windows ``[start, end]`` in which a leg may start (high water on a tidal river).

    ``every_day`` applies to days without a dated entry in ``by_day`` (day offset from H).
    """

    every_day: tuple[tuple[int, int], ...]
    by_day: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def on(self, day: int) -> tuple[tuple[int, int], ...]:
        """The windows of day ``day`` (H+day)."""
        return self.by_day.get(day, self.every_day)

    def next_start(self, t: int) -> int | None:
        """The earliest moment at or after ``t`` inside a window, or None within SEARCH_DAYS."""
        day = t // DAY
        for offset in range(SEARCH_DAYS):
            base = (day + offset) * DAY
            for start, end in self.on(day + offset):
                if base + end >= t:
                    return max(t, base + start)
        return None

    def contains(self, t: int) -> bool:
        """Whether a leg may start at ``t``."""
        base = (t // DAY) * DAY
        return any(base + start <= t <= base + end for start, end in self.on(t // DAY))

    def expected_wait_s(self) -> float:
        """Mean wait for a boat ready at a random time of day (from the every-day windows)."""
        ordered = sorted(self.every_day or next(iter(self.by_day.values()), ()))
        return _expected_gap_wait([s for s, _ in ordered], [e for _, e in ordered])
