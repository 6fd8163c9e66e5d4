"""The open DPT estimate: exact totals, proportional shares, official figures untouched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salur.errors import ConflictError
from salur.voters.estimate import NO_DPT, TpsColumns, allocate, estimate, sirekap_weights


@given(
    st.lists(st.floats(min_value=0.01, max_value=1000), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=100_000),
)
def test_allocation_sums_exactly_and_stays_within_one_of_the_share(
    weights: list[float], target: int
) -> None:
    """Largest remainder: whole numbers summing to the target, each within 1 of its exact share."""
    w = np.array(weights)
    got = allocate(w, target)
    assert int(got.sum()) == target
    exact = w * target / w.sum()
    assert np.all(np.abs(got - exact) < 1 + 1e-9)


def columns(regency: list[str], official: list[int], weight: list[float]) -> TpsColumns:
    return TpsColumns(
        regency=np.array(regency),
        province=np.array([r[:2] for r in regency]),
        official=np.array(official, dtype=np.int64),
        weight=np.array(weight),
    )


def test_official_figures_stay_and_the_rest_fill_the_regency_total() -> None:
    """Official TPS keep their value; estimated TPS share total minus official, by weight."""
    got = estimate(columns(["14.01"] * 3, [100, NO_DPT, NO_DPT], [1, 1, 3]), {"14.01": 500})
    assert got.tolist() == [100, 100, 300]


def test_regions_without_their_own_total_share_the_province_remainder() -> None:
    """A province total, less the regencies that have their own, covers the remaining TPS."""
    cols = columns(["14.01", "14.02", "14.03"], [NO_DPT] * 3, [1, 1, 1])
    got = estimate(cols, {"14.01": 300, "14": 1000})
    assert got.tolist() == [300, 350, 350]


def test_tps_no_total_covers_get_no_estimate() -> None:
    """Without any official total above it a TPS stays without DPT (never a made-up figure)."""
    got = estimate(columns(["15.01"], [NO_DPT], [1]), {"14.01": 300})
    assert got.tolist() == [NO_DPT]


def test_official_figures_above_the_total_are_a_conflict() -> None:
    """Official TPS figures exceeding their regency total cannot be reconciled: refused."""
    with pytest.raises(ConflictError):
        estimate(columns(["14.01"] * 2, [400, NO_DPT], [1, 1]), {"14.01": 300})


def test_weights_prefer_the_desa_mean_then_the_regency_mean() -> None:
    """A desa with Sirekap reports weighs by its own mean; one without, by its regency's."""
    weights = sirekap_weights(
        village_of_tps=np.array([0, 0, 1, 2]),
        regency_of_village=np.array([0, 0, 1]),
        dpt_reported=np.array([500.0, 0.0, 0.0]),
        tps_reported=np.array([2.0, 0.0, 0.0]),
        usable=np.array([True, False, False]),
    )
    assert weights.tolist() == [250.0, 250.0, 250.0, 1.0]
