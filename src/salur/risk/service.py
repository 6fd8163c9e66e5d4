"""Use cases of risk: assess a stored plan (scores, Monte Carlo, remedies), regency by regency.

Reads the plan and the reference TPS from the store, the planning and risk data from files;
writes nothing (the CLI writes the files). Regencies are independent (each KPU kab/kota
warehouse serves its own TPS), so each is simulated on its own, with its own random stream.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.errors import NotFoundError
from salur.geo.models import Tps
from salur.geo.repository import in_region, names_in_region, region_name
from salur.planning import repository as plan_repo
from salur.planning.config import PlanningData, load_planning_data
from salur.planning.echelons import EchelonId
from salur.planning.plan import Plan
from salur.planning.snapshot import from_rows
from salur.progress import Progress, Silent
from salur.risk.config import Assumption, FallbackCarrier, RiskData, load_risk_data
from salur.risk.model import build_model, district_of, flood_shares
from salur.risk.montecarlo import Rules, SimResult, simulate
from salur.risk.recommend import Recommendation, Setting, recommend
from salur.risk.scoring import (
    Features,
    Score,
    fallback_for,
    leg_features,
    leg_uses,
    score,
    tps_features,
)

DEFAULT_DRAWS = 2000


@dataclass(frozen=True)
class TpsRisk:
    """One TPS: its score with the causes' points, and what the simulation measured."""

    tps: str
    regency: str
    district: str
    village: str
    score: Score
    features: Features
    p_miss: float
    p_late_ppk: float
    p_late_pps: float
    mean_delay_h: float
    p90_delay_h: float
    p_lost: float
    unserved: bool = False


@dataclass(frozen=True)
class LegRisk:
    """One leg of the plan, its score, how often the simulation disrupted it, and the fallback
    carrier named for it (water legs)."""

    key: str
    frm: str
    to: str
    kind: str
    link: str
    tide: str
    km: float
    hours: float
    regency: str
    routes: int
    kits: int
    score: Score
    p_disrupted: float
    delay_h: float
    fallback: FallbackCarrier | None


@dataclass
class RiskAssessment:
    """Everything `salur risk` prints and writes."""

    plan_id: int
    plan_version: int
    region: str
    region_name: str
    seed: int
    draws: int
    generated_at: str
    tps: list[TpsRisk] = field(default_factory=list)
    legs: list[LegRisk] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    assumptions: tuple[Assumption, ...] = ()
    carriers: tuple[FallbackCarrier, ...] = ()
    data_sha256: str = ""
    risk_sha256: str = ""
    simulate_seconds: float = 0.0
    recommend_seconds: float = 0.0
    names: dict[str, str] = field(default_factory=dict)
    """Regency and kecamatan names by code, for reports."""

    def totals(self) -> dict[str, Any]:
        served = [t for t in self.tps if not t.unserved]
        return {
            "tps": len(self.tps),
            "tps_unserved": len(self.tps) - len(served),
            "expected_tps_missing_deadline": round(sum(t.p_miss for t in self.tps), 2),
            "tps_at_risk_5pct": sum(1 for t in self.tps if t.p_miss >= 0.05),
            "tps_at_risk_20pct": sum(1 for t in self.tps if t.p_miss >= 0.20),
            "mean_score": round(sum(t.score.total for t in self.tps) / len(self.tps), 1)
            if self.tps
            else 0.0,
            "water_legs": sum(1 for leg in self.legs if leg.kind in ("boat", "roro")),
            "recommendations": len(self.recommendations),
        }


def assess_region(
    session: Session,
    region: str,
    seed: int = 0,
    draws: int = DEFAULT_DRAWS,
    **options: Any,
) -> RiskAssessment:
    """Assess the newest stored plan of ``region``, or of its province (cut to ``region``)."""
    head = plan_repo.latest_plan(session, region)
    cut: str | None = None
    if head is None and len(region) > 2:
        head, cut = plan_repo.latest_plan(session, region[:2]), region
    if head is None:
        raise NotFoundError("risk.no_plan", region=region)
    return assess_plan(session, head.id, seed, draws, regency=cut, **options)


def assess_plan(
    session: Session,
    plan_id: int,
    seed: int = 0,
    draws: int = DEFAULT_DRAWS,
    *,
    regency: str | None = None,
    data_dir: Path | None = None,
    risk_dir: Path | None = None,
    with_recommendations: bool = True,
    progress: Progress | None = None,
) -> RiskAssessment:
    """Score, simulate and find remedies for stored plan ``plan_id`` (its regencies at or below
    ``regency`` when given). The same seed gives the same figures."""
    progress = progress or Silent()
    head = plan_repo.get_plan(session, plan_id)
    if head is None:
        raise NotFoundError("plan.unknown", plan_id=plan_id)
    data = load_planning_data(data_dir)
    risk = load_risk_data(risk_dir)
    progress.phase("risk.phase.load", None)
    plan = _plan(session, head.id, data)
    scope = regency or plan.region
    regencies = sorted({r.regency for r in plan.routes if _within(r.regency, scope)})
    regencies += sorted({t[:2] + "." + t[2:4] for t in plan.tps} - set(regencies))
    regencies = [r for r in dict.fromkeys(regencies) if _within(r, scope)]
    out = RiskAssessment(
        plan_id=head.id,
        plan_version=head.version,
        region=scope,
        region_name=region_name(session, scope),
        seed=seed,
        draws=draws,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        assumptions=risk.assumptions,
        carriers=risk.carriers,
        data_sha256=data.sha256,
        risk_sha256=risk.sha256,
        names=names_in_region(session, scope[:5] if len(scope) > 5 else scope),
    )
    flood = flood_shares(plan, risk)
    progress.phase("risk.phase.simulate", len(regencies))
    for code in regencies:
        _assess_regency(out, plan, code, data, risk, flood, seed, draws, with_recommendations)
        progress.advance()
    return out


def _plan(session: Session, plan_id: int, data: PlanningData) -> Plan:
    head = plan_repo.get_plan(session, plan_id)
    assert head is not None
    sites, routes, stops, issues = plan_repo.plan_rows(session, plan_id)
    tps = tuple(
        sorted(
            session.scalars(select(Tps.code).where(in_region(Tps.village_code, head.region_code)))
        )
    )
    name = region_name(session, head.region_code)
    return from_rows(head, sites, routes, stops, issues, data.schedule, tps, name)


def _within(code: str, scope: str) -> bool:
    return code == scope or code.startswith(scope + ".") or scope.startswith(code + ".")


def _assess_regency(
    out: RiskAssessment,
    plan: Plan,
    regency: str,
    data: PlanningData,
    risk: RiskData,
    flood: dict[str, float],
    seed: int,
    draws: int,
    with_recommendations: bool,
) -> None:
    routes = [r for r in plan.routes if r.regency == regency]
    prefix = regency.replace(".", "")
    scope_prefix = out.region.replace(".", "")
    codes = [t for t in plan.tps if t.startswith(prefix) and t.startswith(scope_prefix)]
    model = build_model(plan, data, risk, regency)
    rules = Rules(
        data.schedule.day_start,
        data.waterways.tides,
        {lk.id: lk.timetable for lk in data.waterways.links if lk.timetable},
    )
    started = time.perf_counter()
    result = simulate(model, risk.hazards, rules, draws, seed)
    out.simulate_seconds += time.perf_counter() - started
    deadlines = {e.id: e.deadline for e in data.schedule.echelons}
    features = tps_features(
        routes, codes, deadlines, flood, data.vulnerability, risk.history, risk.score
    )
    out.tps.extend(_tps_rows(codes, features, result, risk, plan))
    uses = leg_uses(routes)
    places = {p.id: p.village or "" for p in data.waterways.ports}
    named: dict[str, FallbackCarrier] = {}
    for use in uses.values():
        carrier = fallback_for(use, risk.carriers) if use.kind in ("boat", "roro") else None
        if carrier is not None:
            named[use.key] = carrier
        leg_score = score(
            leg_features(use, features, flood, risk.history, risk.score, places), risk.score
        )
        out.legs.append(
            LegRisk(
                use.key,
                use.frm,
                use.to,
                use.kind,
                use.link,
                use.tide,
                round(use.km, 1),
                round(use.hours, 2),
                use.regency,
                use.routes,
                len(use.kits),
                leg_score,
                round(result.leg_p_disrupted.get(use.key, 0.0), 4),
                round(result.leg_delay_h.get(use.key, 0.0), 2),
                carrier,
            )
        )
    if with_recommendations:
        started = time.perf_counter()
        setting = Setting(model, risk.hazards, rules, draws, seed, data.schedule)
        kits = {key: use.kits for key, use in uses.items()}
        out.recommendations += recommend(setting, result, risk.recommend, kits, named)
        out.recommend_seconds += time.perf_counter() - started


def _tps_rows(
    codes: list[str],
    features: dict[str, Features],
    result: SimResult,
    risk: RiskData,
    plan: Plan,
) -> list[TpsRisk]:
    index = result.by_code()
    unserved = {i.tps for i in plan.unserved}
    rows = []
    for code in codes:
        i = index.get(code)
        missing = i is None or code in unserved
        rows.append(
            TpsRisk(
                tps=code,
                regency=f"{code[:2]}.{code[2:4]}",
                district=district_of(code),
                village=f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:10]}",
                score=score(features[code], risk.score),
                features=features[code],
                p_miss=1.0 if missing or i is None else round(float(result.p_miss[i]), 4),
                p_late_ppk=_at(result, EchelonId.WAREHOUSE_PPK, i),
                p_late_pps=_at(result, EchelonId.PPK_PPS, i),
                mean_delay_h=0.0 if i is None else round(float(result.mean_delay_h[i]), 2),
                p90_delay_h=0.0 if i is None else round(float(result.p90_delay_h[i]), 2),
                p_lost=0.0 if i is None else round(float(result.p_lost[i]), 4),
                unserved=missing,
            )
        )
    return rows


def _at(result: SimResult, echelon: EchelonId, i: int | None) -> float:
    return 0.0 if i is None else round(float(result.p_late[echelon][i]), 4)
