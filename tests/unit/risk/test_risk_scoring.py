"""Risk scores: each cause visible, points adding up to the score, causes read off the plan."""

from __future__ import annotations

import dataclasses

import pytest

from salur.planning.echelons import EchelonId
from salur.planning.escorts import Vulnerability
from salur.risk.config import CAUSES, FallbackCarrier, HistoryRecord, RiskData, load_risk_data
from salur.risk.scoring import (
    Features,
    LegUse,
    fallback_for,
    history_weight,
    leg_uses,
    score,
    tps_features,
)
from tests.unit.risk.tiny_plan import TPS, tiny_plan


@pytest.fixture(scope="module")
def risk() -> RiskData:
    return load_risk_data()


def test_the_points_of_every_cause_add_up_to_the_score(risk: RiskData) -> None:
    """A TPS with every cause gets points for each, and they sum to its 0-100 score."""
    features = Features(2, 1, 150.0, 30.0, 10.0, 0.5, "rawan", 1.0, ("aground",))
    result = score(features, risk.score)
    assert set(result.points) == set(CAUSES)
    assert all(result.points[c] > 0 for c in CAUSES)
    assert sum(result.points.values()) == pytest.approx(result.total, abs=0.5)
    assert 0 < result.total <= 100


def test_a_tps_with_no_cause_scores_zero_and_a_full_one_scores_a_hundred(
    risk: RiskData,
) -> None:
    """The scale is anchored: nothing wrong is 0, every cause at its full value is 100."""
    assert score(Features(), risk.score).total == 0.0
    full = Features(9, 9, 10_000.0, 1_000.0, -5.0, 1.0, "sangat_rawan", 1.0)
    assert score(full, risk.score).total == pytest.approx(100.0)


def test_water_legs_tides_and_distance_are_read_off_the_legs_that_carry_the_kit(
    risk: RiskData,
) -> None:
    """Each kit of the small plan rides one tidal boat leg; km and hours are its own legs'."""
    plan = tiny_plan()
    deadlines = {EchelonId.WAREHOUSE_PPK: 0, EchelonId.PPK_PPS: 0, EchelonId.PPS_TPS: 0}
    features = tps_features(
        plan.routes, TPS, deadlines, {}, Vulnerability({}, "kurang_rawan"), (), risk.score
    )
    first, second = features[TPS[0]], features[TPS[1]]
    assert (first.water_legs, first.tidal_legs) == (1, 1)
    assert first.km == pytest.approx(300 + 60 + 10)
    assert second.km == pytest.approx(300 + 60 + 10 + 5)
    assert first.slack_h == pytest.approx(40.0)  # the round reaches it at H-2 08:00
    assert second.slack_h == pytest.approx(40.0 - 0.6)


def test_past_incidents_weigh_by_how_close_they_were(risk: RiskData) -> None:
    """A record at the desa or kecamatan counts fully, one for the whole regency partly."""
    records = [
        HistoryRecord("14.05.10", "aground", "Pemilu 2024", "", "", "reported", ""),
        HistoryRecord("14.10", "short_count", "Pemilu 2024", "", "", "reported", ""),
    ]
    assert history_weight("14.05.10.2005", records, risk.score) == (1.0, ("aground",))
    weight, kinds = history_weight("14.10.01.1001", records, risk.score)
    assert weight == risk.score.history_match["regency"] and kinds == ("short_count",)
    assert history_weight("14.01.01.1001", records, risk.score) == (0.0, ())


def test_a_water_leg_names_a_carrier_at_its_port_before_villagers_boats() -> None:
    """Carriers based at the leg's port come first; an institution before a community boat."""

    def carrier(ident: str, port: str, kind: str, hours: float) -> FallbackCarrier:
        return FallbackCarrier(
            ident, ident, "", kind, port, ("*",), hours, 1000, "reported", "", ""
        )

    use = LegUse("k", "P-TELUKMERANTI", "P-TELUKDALAM", "boat", "L", "T", 50, 5, "14.05")
    far, near = carrier("far", "P-DUMAI", "sar", 1), carrier("near", "P-TELUKMERANTI", "sar", 9)
    village = carrier("warga", "", "community", 1)
    police = carrier("polair", "", "police_water", 8)
    assert fallback_for(use, [far, near, village]) == near
    assert fallback_for(use, [village, police]) == police
    outside = dataclasses.replace(police, regencies=("14.10",))
    assert fallback_for(use, [outside]) is None


def test_every_leg_of_the_plan_is_listed_once_with_the_kits_it_carries() -> None:
    """Distinct legs, each with the kits on board (a round's later legs carry fewer)."""
    uses = leg_uses(tiny_plan().routes)
    assert len(uses) == 2 + 2 + 3
    into_second = next(u for u in uses.values() if u.to == TPS[1])
    assert into_second.kits == {TPS[1]}
    boat = next(u for u in uses.values() if u.tide)
    assert boat.kits == set(TPS) and boat.kind == "boat"
