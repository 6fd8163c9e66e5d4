"""Search budgets: a per-regency time limit caps the reproducible iteration search."""

from __future__ import annotations

import pytest

from salur.errors import SalurError
from salur.planning.params import PlanParams
from salur.planning.vrp import Search


def test_a_capped_search_keeps_its_iterations_and_stops_at_the_limit() -> None:
    """With ``cap`` both limits apply (whichever comes first); without, time replaces them."""
    capped = Search(7, 0.5, per_client=20, floor=100, ceiling=1500, cap=True).params(30)
    assert (capped.seed, capped.time_limit_s, capped.max_iterations) == (7, 0.5, 600)
    timed = Search(7, 0.5, per_client=20, floor=100, ceiling=1500).params(30)
    assert (timed.time_limit_s, timed.max_iterations) == (0.5, None)
    fixed = Search(7, None, per_client=20, floor=100, ceiling=1500, cap=True).params(3)
    assert (fixed.time_limit_s, fixed.max_iterations) == (None, 100)


def test_a_per_regency_limit_must_be_positive() -> None:
    """Zero seconds per regency is refused with the time-limit message."""
    with pytest.raises(SalurError) as caught:
        PlanParams(regency_time_limit_s=0)
    assert caught.value.key == "plan.bad_time_limit"
