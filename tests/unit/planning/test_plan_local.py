"""PPS -> TPS rounds: packing kits into local loads and the expected round lengths."""

from __future__ import annotations

import pytest
from plan_network_fixtures import MODES

from salur.planning.inputs import VillageIn
from salur.planning.legs import Move
from salur.planning.local import MAX_RADIUS_M, MIN_RADIUS_M, LocalPaths, local_radii, rounds


def move(n: int) -> Move:
    tps = f"99010100010{n:02d}"
    return Move(tps, 58_000, 548_000, "kurang_rawan", tps, tps, 0.0)


def test_a_six_cubic_metre_pick_up_carries_ten_kits_a_round() -> None:
    """23 kits of 0.548 m3 go out in rounds of 10, 10 and 3, in TPS order."""
    loads = rounds([move(n) for n in range(23)], (1_000_000, 6_000_000))
    assert [len(r) for r in loads] == [10, 10, 3]
    assert loads[0][0].tps < loads[1][0].tps


def test_one_round_to_ten_tps_is_far_shorter_than_ten_separate_trips() -> None:
    """The tour law makes a 10-TPS round under half the length of 10 out-and-back trips."""
    one_at_a_time = 10 * LocalPaths("pps", 2_000, MODES["local"], 1).tour_m
    together = LocalPaths("pps", 2_000, MODES["local"], 10).tour_m
    assert together < 0.5 * one_at_a_time
    assert LocalPaths("pps", 2_000, MODES["local"], 1).tour_m == pytest.approx(
        2 * 2_000 * 2 / 3 * MODES["local"].detour
    )


def test_each_round_stretch_is_an_equal_share_of_the_tour() -> None:
    """Three TPS: four stretches, PPS -> TPS ... -> PPS, summing to the tour."""
    paths = LocalPaths("pps", 1_500, MODES["local"], 3)
    stretch = paths.segments("pps", "t1")[0].distance_m
    assert 4 * stretch == pytest.approx(paths.tour_m)
    assert paths.segments("t1", "t1") == []


def test_the_local_radius_is_half_the_gap_to_the_nearest_desa_within_bounds() -> None:
    """Desa 2 km apart get 1 km; a lone desa far from others gets the upper bound."""

    def village(code: str, lat: float) -> VillageIn:
        return VillageIn(code, "99.01.01", code, "desa", lat, 101.0, None, None)

    radii = local_radii([village("a", 0.0), village("b", 0.018), village("c", 1.0)])
    assert radii["a"] == pytest.approx(1_000, rel=0.01)
    assert radii["c"] == MAX_RADIUS_M
    close = local_radii([village("a", 0.0), village("b", 0.0001)])
    assert close["a"] == MIN_RADIUS_M
