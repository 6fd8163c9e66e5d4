"""The risk score of a TPS and of a route leg: 0-100 from its causes, each cause shown.

Causes (`config.CAUSES`), each scaled to 0-1 and weighted as `hazards.toml` says: water
crossings and tidal windows on the kit's way, distance and travel time, slack before the
deadlines, the flood-prone share of its kecamatan, the TPS's vulnerability level, and past
incidents at its desa, kecamatan or regency. A cause's points are its share of the score, so
the points of a TPS add up to its score. Pure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from salur.planning.echelons import EchelonId
from salur.planning.escorts import Vulnerability
from salur.planning.plan import RoutePlan
from salur.risk.config import CAUSES, FallbackCarrier, HistoryRecord, ScoreRules
from salur.risk.model import ancestors, district_of

WATER = ("boat", "roro")
ECHELON_END = {
    EchelonId.WAREHOUSE_PPK: 8,  # the kecamatan code: 14.05.10
    EchelonId.PPK_PPS: 13,  # the desa code: 14.05.10.2005
}


@dataclass
class Features:
    """What the score of one TPS (or one leg) is made of."""

    water_legs: int = 0
    tidal_legs: int = 0
    km: float = 0.0
    hours: float = 0.0
    slack_h: float | None = None
    flood: float = 0.0
    vulnerability: str = ""
    history: float = 0.0
    history_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Score:
    total: float
    points: dict[str, float] = field(default_factory=dict)


def score(features: Features, rules: ScoreRules) -> Score:
    """The weighted mean of the causes, as 0-100 points split by cause."""
    scaled = {
        "water": min(1.0, features.water_legs / rules.water_legs_full),
        "tide": min(1.0, features.tidal_legs / rules.tide_legs_full),
        "distance": min(
            1.0,
            max(features.km / rules.distance_km_full, features.hours / rules.travel_hours_full),
        ),
        "slack": 0.0
        if features.slack_h is None
        else math.exp(-max(features.slack_h, 0.0) / rules.slack_hours_scale),
        "flood": min(1.0, features.flood),
        "vulnerability": rules.vulnerability.get(features.vulnerability, 0.0),
        "history": min(1.0, features.history),
    }
    weights = {cause: rules.weights.get(cause, 0.0) for cause in CAUSES}
    total_weight = sum(weights.values()) or 1.0
    points = {cause: 100 * weights[cause] * scaled[cause] / total_weight for cause in CAUSES}
    return Score(round(sum(points.values()), 1), {c: round(p, 1) for c, p in points.items()})


def tps_features(
    routes: Sequence[RoutePlan],
    tps: Iterable[str],
    deadlines: Mapping[EchelonId, int],
    flood: Mapping[str, float],
    vulnerability: Vulnerability,
    history: Sequence[HistoryRecord],
    rules: ScoreRules,
) -> dict[str, Features]:
    """The features of each TPS from the legs that carry its kit in the plan."""
    out = {code: Features() for code in tps}
    for route in routes:
        _ride(route, out, deadlines)
    for code, features in out.items():
        village = _village(code)
        features.flood = flood.get(district_of(code), 0.0)
        features.vulnerability = vulnerability.level(code, village)
        features.history, features.history_kinds = history_weight(village, history, rules)
    return out


def _ride(route: RoutePlan, out: dict[str, Features], deadlines: Mapping[EchelonId, int]) -> None:
    """Add what each kit of ``route`` goes through between its load and unload stops."""
    water = tidal = 0
    km = hours = 0.0
    at_load: dict[str, tuple[int, int, float, float]] = {}
    previous = route.stops[0]
    for stop in route.stops:
        if stop is not previous:
            water += stop.leg_kind in WATER
            tidal += bool(stop.leg_tide)
            km += stop.leg_distance_m / 1000
            hours += (stop.arrive - previous.depart) / 3600
        for code in stop.loaded:
            at_load[code] = (water, tidal, km, hours)
        for code in stop.unloaded:
            features = out.get(code)
            start = at_load.pop(code, None)
            if features is None or start is None:
                continue
            features.water_legs += water - start[0]
            features.tidal_legs += tidal - start[1]
            features.km += km - start[2]
            features.hours += hours - start[3]
            if _is_end(route.echelon, stop.site, code):
                slack = (deadlines[route.echelon] - stop.arrive) / 3600
                features.slack_h = (
                    slack if features.slack_h is None else min(features.slack_h, slack)
                )
        previous = stop


def _is_end(echelon: EchelonId, site: str, tps: str) -> bool:
    if echelon == EchelonId.PPS_TPS:
        return site == tps
    return site == _village(tps)[: ECHELON_END[echelon]]


def history_weight(
    code: str, history: Sequence[HistoryRecord], rules: ScoreRules
) -> tuple[float, tuple[str, ...]]:
    """How strongly past incidents bear on a place (0-1), and their kinds."""
    levels = {2: "regency", 3: "district", 4: "village"}
    weight, kinds = 0.0, []
    for record in history:
        depth = len(record.code.split("."))
        if record.code in ancestors(code) or record.code == code[:5]:
            weight = max(weight, rules.history_match.get(levels.get(depth, "regency"), 0.0))
            kinds.append(record.kind)
    return weight, tuple(sorted(set(kinds)))


@dataclass
class LegUse:
    """One water or road leg of the plan: how often it is travelled and with which kits."""

    key: str
    frm: str
    to: str
    kind: str
    link: str
    tide: str
    km: float
    hours: float
    regency: str
    routes: int = 0
    kits: set[str] = field(default_factory=set)


def leg_uses(routes: Sequence[RoutePlan]) -> dict[str, LegUse]:
    """Every distinct leg of the plan (same ends, kind and link), with the kits it carries."""
    out: dict[str, LegUse] = {}
    for route in routes:
        aboard: set[str] = set()
        for prev, stop in zip(route.stops, route.stops[1:], strict=False):
            aboard |= set(prev.loaded)
            aboard -= set(prev.unloaded)
            key = f"{prev.site}>{stop.site}:{stop.leg_kind}:{stop.leg_link}"
            use = out.get(key)
            if use is None:
                use = out[key] = LegUse(
                    key,
                    prev.site,
                    stop.site,
                    stop.leg_kind,
                    stop.leg_link,
                    stop.leg_tide,
                    stop.leg_distance_m / 1000,
                    (stop.arrive - prev.depart) / 3600,
                    route.regency,
                )
            use.routes += 1
            use.kits |= aboard
    return out


def leg_features(
    use: LegUse,
    tps: Mapping[str, Features],
    flood: Mapping[str, float],
    history: Sequence[HistoryRecord],
    rules: ScoreRules,
    places: Mapping[str, str],
) -> Features:
    """A leg's causes: its own water, tide and length; the worst slack, flood, vulnerability
    and history of the kits it carries and of its ends."""
    carried = [tps[k] for k in use.kits if k in tps]
    slacks = [f.slack_h for f in carried if f.slack_h is not None]
    levels = sorted(
        {f.vulnerability for f in carried}, key=lambda v: -rules.vulnerability.get(v, 0)
    )
    ends = [places.get(use.frm, use.frm), places.get(use.to, use.to)]
    weights = [history_weight(code, history, rules) for code in ends if code]
    return Features(
        water_legs=int(use.kind in WATER),
        tidal_legs=int(bool(use.tide)),
        km=use.km,
        hours=use.hours,
        slack_h=min(slacks) if slacks else None,
        flood=max((flood.get(district_of(c), 0.0) for c in ends if c[:1].isdigit()), default=0.0),
        vulnerability=levels[0] if levels else "",
        history=max((w for w, _ in weights), default=0.0),
        history_kinds=tuple(sorted({k for _, kinds in weights for k in kinds})),
    )


def fallback_for(use: LegUse, carriers: Sequence[FallbackCarrier]) -> FallbackCarrier | None:
    """The carrier to name for a water leg: one serving its regency, based at one of its ports
    if possible, an institution before villagers' boats, then the quickest to activate."""
    serving = [c for c in carriers if c.serves(use.regency)]
    if not serving:
        return None
    return min(
        serving,
        key=lambda c: (
            c.base_port not in (use.frm, use.to),
            c.kind == "community",
            c.activation_h,
            c.id,
        ),
    )


def kits_by_district(codes: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        out[district_of(code)].append(code)
    return dict(out)


def _village(tps: str) -> str:
    return f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"
