"""A device's sequence numbers: how far they run without a gap, and which are missing.

Devices number their events 1, 2, 3, ... as they make them, offline. The server keeps the
highest number up to which every event has arrived; the missing numbers above it are the gaps
a device is told of (an event it made but never uploaded, or lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SequenceState:
    """Every number up to `contiguous` arrived; `highest` is the largest; `gaps` the missing
    ranges (first, last) between them."""

    contiguous: int
    highest: int
    gaps: tuple[tuple[int, int], ...]


def advance(contiguous: int, seen: Iterable[int]) -> SequenceState:
    """The state after `seen` (numbers that arrived above `contiguous`, any order, repeats ok)."""
    numbers = sorted({n for n in seen if n > contiguous})
    gaps = []
    run = contiguous
    for number in numbers:
        if number == run + 1:
            run = number
            continue
        gaps.append((run + 1, number - 1))
        run = number
    first_gap = gaps[0][0] - 1 if gaps else run
    highest = max(numbers[-1], contiguous) if numbers else contiguous
    return SequenceState(first_gap, highest, tuple(gaps))
