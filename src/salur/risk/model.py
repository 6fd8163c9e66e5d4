"""A stored plan as the simulation sees it: routes in start order, each leg with its hazards,
and every kit with the legs that carry it. Pure (a `Plan`, planning data and risk data in).

Each leg gets the probability of every failure from `hazards.toml`, raised by the history
multiplier where a past incident is recorded at either end (history.csv); each kit gets the
planned time a replacement needs from the warehouse or from its PPK, and the flood-prone share
of its kecamatan (flood_exposure.csv) for its last leg.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from salur.planning.config import PlanningData
from salur.planning.echelons import EchelonId
from salur.planning.modes import TravelClass
from salur.planning.plan import Plan, RoutePlan, StopPlan
from salur.planning.timetable import DAY
from salur.risk.config import RiskData

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Leg:
    """One stretch of a route, into stop ``k``, with its failure probabilities."""

    key: str
    frm: str
    to: str
    kind: str  # road | boat | roro
    link: str
    tide: str
    km: float
    breakdown_p: float
    aground_p: float
    loss_p: float
    flood_share: float
    history: bool


@dataclass
class RouteModel:
    """A route's planned times (plan seconds) and what happens at each stop."""

    index: int
    route_id: str
    unit: str
    echelon: EchelonId
    land: bool
    shift_s: int
    arrive: IntArray
    depart: IntArray
    service: IntArray
    legs: list[Leg | None]
    loads: dict[int, list[int]] = field(default_factory=dict)
    unloads: dict[int, list[int]] = field(default_factory=dict)
    ends: dict[int, list[tuple[int, EchelonId]]] = field(default_factory=dict)
    """Stop -> (kit, echelon) whose echelon destination this stop is."""

    @property
    def start(self) -> int:
        return int(self.arrive[0])


@dataclass
class KitModel:
    """The TPS of the simulation, with what a replacement needs."""

    codes: list[str]
    index: dict[str, int]
    district: list[str]
    replace_from_warehouse_s: npt.NDArray[np.float64]
    replace_from_ppk_s: npt.NDArray[np.float64]
    planned_arrival: dict[EchelonId, npt.NDArray[np.float64]]
    """Planned arrival at each echelon's destination (nan if not planned)."""


@dataclass
class Model:
    regency: str
    routes: list[RouteModel]
    kits: KitModel
    rain_p: float
    day0: int
    days: int
    deadlines: dict[EchelonId, int]
    unserved: list[str]
    water_links: dict[str, str]
    """Leg key -> a readable label of every water leg."""


def build_model(plan: Plan, data: PlanningData, risk: RiskData, regency: str) -> Model:
    """The simulation model of one regency of ``plan``."""
    routes = sorted(
        (r for r in plan.routes if r.regency == regency),
        key=lambda r: (r.stops[0].arrive, r.route_id),
    )
    codes = sorted({t for r in routes for s in r.stops for t in s.unloaded})
    index = {code: i for i, code in enumerate(codes)}
    history = _history_codes(risk)
    flood = flood_shares(plan, risk)
    ports = {p.id: p.village or "" for p in data.waterways.ports}
    models = []
    water: dict[str, str] = {}
    for i, route in enumerate(routes):
        model = _route_model(i, route, data, risk, index, history, flood, ports)
        models.append(model)
        for leg in model.legs:
            if leg is not None and leg.kind in ("boat", "roro"):
                water.setdefault(leg.key, _label(leg))
    times = [t for r in models for t in (r.start, int(r.arrive[-1]))] or [0]
    day0 = min(times) // DAY - 1
    unserved = sorted({i.tps for i in plan.unserved if i.tps[:4] == regency.replace(".", "")})
    return Model(
        regency=regency,
        routes=models,
        kits=_kits(codes, index, routes),
        rain_p=risk.hazards.rain_p(regency),
        day0=day0,
        days=max(times) // DAY - day0 + 3,
        deadlines={e.id: e.deadline for e in data.schedule.echelons},
        unserved=unserved,
        water_links=water,
    )


def _route_model(
    i: int,
    route: RoutePlan,
    data: PlanningData,
    risk: RiskData,
    index: dict[str, int],
    history: set[str],
    flood: dict[str, float],
    ports: dict[str, str],
) -> RouteModel:
    sched = data.schedule
    land = data.modes.modes[route.mode].travel_class == TravelClass.LAND
    shifts = [s.shift_s for s in data.fleet.specs if s.vehicle_type == route.vehicle_type]
    model = RouteModel(
        index=i,
        route_id=route.route_id,
        unit=route.unit,
        echelon=route.echelon,
        land=land,
        shift_s=max(shifts, default=DAY),
        arrive=np.array([s.arrive for s in route.stops], dtype=np.int64),
        depart=np.array([s.depart for s in route.stops], dtype=np.int64),
        service=np.zeros(len(route.stops), dtype=np.int64),
        legs=[None],
    )
    for k, stop in enumerate(route.stops):
        if stop.loaded and stop.site == route.base:
            model.service[k] = sched.load_s_per_trip
            model.loads[k] = [index[t] for t in stop.loaded if t in index]
        elif stop.unloaded:
            model.service[k] = round(
                sched.unload_s_per_stop + sched.unload_s_per_kit * len(stop.unloaded)
            )
        if stop.unloaded:
            model.unloads[k] = [index[t] for t in stop.unloaded]
            ends = [(index[t], route.echelon) for t in stop.unloaded if _ends(route, stop.site, t)]
            if ends:
                model.ends[k] = ends
        if k:
            prev = route.stops[k - 1]
            model.legs.append(_leg(prev.site, stop, data, risk, history, flood, ports, land))
    return model


def _leg(
    frm: str,
    stop: StopPlan,
    data: PlanningData,
    risk: RiskData,
    history: set[str],
    flood: dict[str, float],
    ports: dict[str, str],
    land: bool,
) -> Leg:
    hz = risk.hazards
    places = {place_of(frm, ports), place_of(stop.site, ports)}
    recorded = any(code in history for place in places for code in ancestors(place))
    mult = hz.history_multiplier if recorded else 1.0
    km = stop.leg_distance_m / 1000
    water = stop.leg_kind in ("boat", "roro") or not land
    if stop.leg_kind == "roro":
        breakdown, loss = 0.0, 0.0
    elif water:
        breakdown, loss = hz.boat_breakdown_p, hz.loss_boat_p
    else:
        breakdown = 1 - float(np.exp(-hz.road_breakdown_per_100km * km / 100))
        loss = hz.loss_road_p if km > 0 else 0.0
    aground = hz.aground_p if stop.leg_tide else 0.0
    site = stop.site
    return Leg(
        key=f"{frm}>{stop.site}:{stop.leg_kind}:{stop.leg_link}",
        frm=frm,
        to=site,
        kind=stop.leg_kind or ("road" if land else "boat"),
        link=stop.leg_link,
        tide=stop.leg_tide,
        km=km,
        breakdown_p=min(1.0, breakdown * mult),
        aground_p=min(1.0, aground * mult),
        loss_p=min(1.0, loss * mult),
        flood_share=flood.get(district_of(site), 0.0) if site.isdigit() else 0.0,
        history=recorded,
    )


def _ends(route: RoutePlan, site: str, tps: str) -> bool:
    """Whether ``site`` is the destination of ``route``'s echelon for kit ``tps``."""
    village = f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"
    return {
        EchelonId.WAREHOUSE_PPK: village[:8],
        EchelonId.PPK_PPS: village,
        EchelonId.PPS_TPS: tps,
    }[route.echelon] == site


def _kits(codes: list[str], index: dict[str, int], routes: list[RoutePlan]) -> KitModel:
    n = len(codes)
    from_warehouse = np.zeros(n)
    from_ppk = np.zeros(n)
    planned = {e: np.full(n, np.nan) for e in EchelonId}
    for route in routes:
        loading: dict[str, int] = {}
        for stop in route.stops:
            for tps in stop.loaded:
                loading[tps] = stop.depart
            for tps in stop.unloaded:
                if tps not in index or tps not in loading:
                    continue
                i, ride = index[tps], stop.arrive - loading.pop(tps)
                from_warehouse[i] += ride
                if route.echelon != EchelonId.WAREHOUSE_PPK:
                    from_ppk[i] += ride
                if _ends(route, stop.site, tps):
                    planned[route.echelon][i] = stop.arrive
    district = [f"{c[:2]}.{c[2:4]}.{c[4:6]}" for c in codes]
    return KitModel(codes, index, district, from_warehouse, from_ppk, planned)


def _history_codes(risk: RiskData) -> set[str]:
    return {h.code for h in risk.history}


def flood_shares(plan: Plan, risk: RiskData) -> dict[str, float]:
    """Kecamatan code -> share of its TPS reported flood-prone (its own figure, else its
    regency's share)."""
    per_district: dict[str, int] = defaultdict(int)
    per_regency: dict[str, int] = defaultdict(int)
    for tps in plan.tps:
        per_district[district_of(tps)] += 1
        per_regency[district_of(tps)[:5]] += 1
    out = {}
    for district, count in per_district.items():
        prone = risk.flood_prone.get(district)
        total = count
        if prone is None:
            prone, total = risk.flood_prone.get(district[:5], 0), per_regency[district[:5]]
        out[district] = min(1.0, prone / total) if total else 0.0
    return out


def district_of(code: str) -> str:
    """The dotted kecamatan code of a site or TPS code (TPS codes are 13 digits)."""
    if code.isdigit():
        return f"{code[:2]}.{code[2:4]}.{code[4:6]}"
    return code[:8]


def place_of(site: str, ports: dict[str, str]) -> str:
    """A geographic code for a site: its own, a port's village, or the TPS's desa."""
    if site in ports:
        return ports[site]
    if site.isdigit():
        return f"{site[:2]}.{site[2:4]}.{site[4:6]}.{site[6:10]}"
    return site


def ancestors(code: str) -> list[str]:
    """The kecamatan and desa codes a site lies in (regency-wide records do not raise the
    hazards of every leg)."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(3, len(parts) + 1)]


def _label(leg: Leg) -> str:
    via = f" ({leg.link})" if leg.link else ""
    return f"{leg.frm} -> {leg.to}{via}"
