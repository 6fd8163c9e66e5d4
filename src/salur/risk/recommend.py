"""Remedies for the TPS at risk, each measured by simulating the plan again with it.

Three kinds, riskiest targets first (`hazards.toml` [recommend] says how many of each): dispatch
a route a day earlier (when its dispatch window allows), pre-position a reserve at a PPK, and
put a named fallback carrier on stand-by for a water leg. Each is replayed with the same seed
as the plan's own simulation (common random numbers), so the difference is the remedy's effect,
not noise: the expected number of the remedy's TPS missing the H-1 deadline before and after,
and the expected missed deadlines of every echelon. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from salur.planning.echelons import EchelonId, Schedule
from salur.planning.timetable import DAY
from salur.risk.config import FallbackCarrier, Hazards, RecommendRules
from salur.risk.model import Model
from salur.risk.montecarlo import Remedies, Rules, SimResult, simulate

EARLIER, RESERVE, FALLBACK = "dispatch_earlier", "reserve_at_ppk", "fallback_carrier"


@dataclass(frozen=True)
class Recommendation:
    """One remedy, the TPS it is for, and its measured effect."""

    kind: str
    regency: str
    target: str
    detail: dict[str, str]
    tps: tuple[str, ...]
    misses_before: float
    misses_after: float
    late_before: float
    late_after: float

    @property
    def effect(self) -> float:
        """Expected TPS of the remedy no longer missing the H-1 deadline."""
        return round(self.misses_before - self.misses_after, 4)

    @property
    def late_effect(self) -> float:
        """Expected missed deadlines (all echelons) avoided."""
        return round(self.late_before - self.late_after, 4)


@dataclass(frozen=True)
class Setting:
    """Everything a re-simulation needs besides the remedy."""

    model: Model
    hazards: Hazards
    rules: Rules
    draws: int
    seed: int
    schedule: Schedule


def risk_of(result: SimResult) -> np.ndarray:
    """Per kit: the largest chance of missing one of its deadlines."""
    stacked = np.vstack([result.p_late[e] for e in EchelonId])
    out: np.ndarray = stacked.max(axis=0)
    return out


def recommend(
    setting: Setting,
    base: SimResult,
    rules: RecommendRules,
    legs_kits: Mapping[str, set[str]],
    carriers: Mapping[str, FallbackCarrier],
) -> list[Recommendation]:
    """Remedies for ``setting``'s regency, best measured effect first."""
    risk = risk_of(base)
    at_risk = {base.codes[i]: float(risk[i]) for i in np.flatnonzero(risk >= rules.at_risk)}
    if not at_risk or rules.per_kind == 0:
        return []
    tried: list[tuple[str, str, dict[str, str], tuple[str, ...], Remedies]] = []
    tried += _earlier(setting, base, at_risk, rules)
    tried += _reserves(at_risk, rules, setting.model)
    tried += _fallbacks(at_risk, rules, legs_kits, carriers, setting.model)
    out = []
    for kind, target, detail, kits, remedies in tried:
        after = simulate(
            setting.model, setting.hazards, setting.rules, setting.draws, setting.seed, remedies
        )
        out.append(_measured(kind, setting.model.regency, target, detail, kits, base, after))
    return sorted(out, key=lambda r: (-r.effect, -r.late_effect, r.kind, r.target))


def _earlier(
    setting: Setting, base: SimResult, at_risk: Mapping[str, float], rules: RecommendRules
) -> list[tuple[str, str, dict[str, str], tuple[str, ...], Remedies]]:
    """Routes delivering kits at risk in the echelon where their risk is largest."""
    index = base.by_code()
    stacked = {e: base.p_late[e] for e in EchelonId}
    scores: dict[int, float] = defaultdict(float)
    kits: dict[int, set[str]] = defaultdict(set)
    shift = rules.earlier_days * DAY
    for route in setting.model.routes:
        window = setting.schedule.start_of(route.echelon)
        if route.start - shift < window:
            continue
        for ends in route.ends.values():
            for kit, echelon in ends:
                code = setting.model.kits.codes[kit]
                kits[route.index].add(code)
                if code in at_risk:
                    scores[route.index] += float(stacked[echelon][index[code]])
    chosen = sorted((s, i) for i, s in scores.items() if s > 0)[::-1][: rules.per_kind]
    out = []
    sched = setting.schedule
    for _, i in chosen:
        route = setting.model.routes[i]
        detail = {
            "route": route.route_id,
            "unit": route.unit,
            "days": str(rules.earlier_days),
            "planned": sched.local_label(route.start),
            "proposed": sched.local_label(route.start - shift),
        }
        remedies = Remedies(earlier={route.route_id: shift})
        out.append((EARLIER, route.route_id, detail, tuple(sorted(kits[i])), remedies))
    return out


def _reserves(
    at_risk: Mapping[str, float], rules: RecommendRules, model: Model
) -> list[tuple[str, str, dict[str, str], tuple[str, ...], Remedies]]:
    scores: dict[str, float] = defaultdict(float)
    for code, risk in at_risk.items():
        scores[model.kits.district[model.kits.index[code]]] += risk
    chosen = sorted(scores, key=lambda d: (-scores[d], d))[: rules.per_kind]
    out = []
    for district in chosen:
        kits = tuple(
            c for c, d in zip(model.kits.codes, model.kits.district, strict=True) if d == district
        )
        detail = {
            "ppk": district,
            "covers": "late_or_lost" if rules.reserve_covers_late_ppk else "lost",
        }
        out.append((RESERVE, district, detail, kits, Remedies(reserves=frozenset({district}))))
    return out


def _fallbacks(
    at_risk: Mapping[str, float],
    rules: RecommendRules,
    legs_kits: Mapping[str, set[str]],
    carriers: Mapping[str, FallbackCarrier],
    model: Model,
) -> list[tuple[str, str, dict[str, str], tuple[str, ...], Remedies]]:
    scores = {
        key: sum(at_risk.get(k, 0.0) for k in legs_kits.get(key, ()))
        for key in model.water_links
        if key in carriers and not _reaches_tps(key)
    }
    chosen = sorted((k for k, s in scores.items() if s > 0), key=lambda k: (-scores[k], k))
    out = []
    for key in chosen[: rules.per_kind]:
        carrier = carriers[key]
        detail = {
            "leg": model.water_links[key],
            "carrier": carrier.id,
            "name": carrier.name,
            "activation_hours": f"{carrier.activation_h:g}",
        }
        kits = tuple(sorted(k for k in legs_kits.get(key, ()) if k in model.kits.index))
        remedies = Remedies(fallbacks={key: carrier.activation_h})
        out.append((FALLBACK, key, detail, kits, remedies))
    return out


def _reaches_tps(key: str) -> bool:
    """Whether a leg is part of a PPS round (a TPS at either end): its boat is the PPS's own
    and a carrier on stand-by is named for the water legs between sites instead."""
    frm, _, rest = key.partition(">")
    to = rest.split(":", 1)[0]
    return any(len(code) == 13 and code.isdigit() for code in (frm, to))


def _measured(
    kind: str,
    regency: str,
    target: str,
    detail: dict[str, str],
    kits: Sequence[str],
    before: SimResult,
    after: SimResult,
) -> Recommendation:
    index = before.by_code()
    rows = [index[k] for k in kits if k in index]

    def misses(result: SimResult) -> float:
        return float(result.p_miss[rows].sum())

    def late(result: SimResult) -> float:
        return float(sum(result.p_late[e][rows].sum() for e in EchelonId))

    return Recommendation(
        kind,
        regency,
        target,
        detail,
        tuple(kits),
        round(misses(before), 4),
        round(misses(after), 4),
        round(late(before), 4),
        round(late(after), 4),
    )
