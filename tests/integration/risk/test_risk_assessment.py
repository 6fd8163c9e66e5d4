"""Risk of a stored plan: every TPS scored and simulated, remedies measured, files written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from salur.cli import risk as risk_cli
from salur.errors import NotFoundError
from salur.planning.config import load_planning_data
from salur.risk.config import CAUSES, load_risk_data
from salur.risk.model import build_model
from salur.risk.montecarlo import Remedies, Rules, simulate
from salur.risk.recommend import EARLIER, FALLBACK, RESERVE
from salur.risk.report import stage_risk
from salur.risk.service import RiskAssessment, _plan, assess_plan, assess_region
from salur.uow import UnitOfWork
from tests.integration.risk.stored_plans import store_plan

DRAWS = 400
KUALA_KAMPAR = "140510"


@pytest.fixture(scope="module")
def pelalawan(riau_store: Engine) -> int:
    return store_plan(riau_store, "14.05")


@pytest.fixture(scope="module")
def assessed(riau_store: Engine, pelalawan: int) -> RiskAssessment:
    with UnitOfWork(riau_store) as uow:
        return assess_plan(uow.session, pelalawan, seed=11, draws=DRAWS)


def test_every_tps_gets_a_score_split_by_cause_and_a_probability_of_missing_h_minus_1(
    assessed: RiskAssessment,
) -> None:
    """1,106 Pelalawan TPS; Kuala Kampar's, behind a tidal crossing with a recorded grounding,
    score higher than the regency's road-served TPS."""
    assert len(assessed.tps) == 1106 and not any(t.unserved for t in assessed.tps)
    for row in assessed.tps:
        assert 0 <= row.score.total <= 100 and set(row.score.points) == set(CAUSES)
        assert 0.0 <= row.p_miss <= 1.0 and row.mean_delay_h >= 0
    water = [t for t in assessed.tps if t.tps.startswith(KUALA_KAMPAR)]
    land = [t for t in assessed.tps if t.features.water_legs == 0]
    assert water and land
    assert min(t.score.total for t in water) > max(t.score.total for t in land)
    assert all(t.score.points["history"] > 0 and t.score.points["tide"] > 0 for t in water)


def test_every_water_leg_names_a_fallback_carrier_from_the_data(assessed: RiskAssessment) -> None:
    """The Kampar crossing to Pulau Penyalai falls back on the regency's boats at Teluk Meranti."""
    water = [g for g in assessed.legs if g.kind in ("boat", "roro")]
    assert water and all(g.fallback is not None for g in water)
    crossing = next(g for g in water if g.link == "L-KAMPAR-PENYALAI")
    assert crossing.fallback is not None and crossing.fallback.id == "FB-PEMKAB-PELALAWAN"
    assert crossing.p_disrupted > 0 and crossing.score.points["history"] > 0


def test_the_same_seed_gives_the_same_assessment(
    riau_store: Engine, pelalawan: int, assessed: RiskAssessment
) -> None:
    """Reproducible to the last digit for a given seed and number of draws."""
    with UnitOfWork(riau_store) as uow:
        again = assess_plan(uow.session, pelalawan, seed=11, draws=DRAWS)
    assert [t.p_miss for t in again.tps] == [t.p_miss for t in assessed.tps]
    assert again.recommendations == assessed.recommendations


def test_each_remedy_is_the_difference_a_new_simulation_measures(
    riau_store: Engine, pelalawan: int, assessed: RiskAssessment
) -> None:
    """Replaying the plan with the remedy reproduces the figure the report gives."""
    assert assessed.recommendations
    assert {r.kind for r in assessed.recommendations} <= {EARLIER, RESERVE, FALLBACK}
    data, risk = load_planning_data(), load_risk_data()
    with UnitOfWork(riau_store) as uow:
        plan = _plan(uow.session, pelalawan, data)
    model = build_model(plan, data, risk, "14.05")
    rules = Rules(
        data.schedule.day_start,
        data.waterways.tides,
        {lk.id: lk.timetable for lk in data.waterways.links if lk.timetable},
    )
    for remedy in assessed.recommendations:
        assert remedy.effect == pytest.approx(remedy.misses_before - remedy.misses_after)
    first = assessed.recommendations[0]
    remedies = {
        RESERVE: Remedies(reserves=frozenset({first.target})),
        FALLBACK: Remedies(
            fallbacks={first.target: float(first.detail.get("activation_hours", 0))}
        ),
        EARLIER: Remedies(earlier={first.target: 86_400}),
    }[first.kind]
    replay = simulate(model, risk.hazards, rules, DRAWS, 11, remedies)
    index = replay.by_code()
    after = sum(float(replay.p_miss[index[t]]) for t in first.tps)
    assert after == pytest.approx(first.misses_after, abs=1e-4)


def test_the_risk_files_hold_every_tps_a_chart_and_the_sources(
    assessed: RiskAssessment, tmp_path: Path
) -> None:
    """risk.csv (one row per TPS, a column per cause), risk.json, and an HTML page with an
    inline SVG chart and no CDN."""
    folder = stage_risk(assessed, tmp_path / "risk").publish()
    with (folder / "risk.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1106 and {f"points_{c}" for c in CAUSES} <= set(rows[0])
    summary = json.loads((folder / "risk.json").read_text(encoding="utf-8"))
    assert summary["totals"]["tps"] == 1106 and summary["assumptions"]
    assert summary["fallback_carriers"] and summary["recommendations"]
    html = (folder / "risk.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script src" not in html and "FB-PEMKAB-PELALAWAN" in html


def test_salur_risk_prints_and_writes_for_a_region(
    riau_store: Engine, pelalawan: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command assesses the newest plan of the region; a region without a plan is named."""
    monkeypatch.setenv("SALUR_DATABASE_URL", riau_store.url.render_as_string(hide_password=False))
    app = typer.Typer()
    app.command("risk")(risk_cli.risk)
    app.command("noop")(lambda: None)
    out = tmp_path / "r"
    args = ["risk", "--plan", str(pelalawan), "--draws", "100", "--no-recommend", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "risk.csv",
        "risk_legs.csv",
        "risk.json",
        "risk.html",
    }
    missing = CliRunner().invoke(app, ["risk", "--region", "99", "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "99" in missing.output
    assert not (tmp_path / "x").exists()


def test_assessing_a_region_without_a_plan_says_so(empty_store: Engine) -> None:
    """No plan, no simulation: a clear error naming the region."""
    with UnitOfWork(empty_store) as uow, pytest.raises(NotFoundError) as caught:
        assess_region(uow.session, "14.05")
    assert caught.value.params["region"] == "14.05"
