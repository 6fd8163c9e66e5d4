"""The sections of the dashboards as tables, map data and charts, built from the store.

Each table has a name; `build_table(name, ...)` makes it for the page and for its Excel
export alike. Texts come in the request's language; nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.errors import SalurError
from salur.i18n import catalogue, t
from salur.norms.loader import load_norm
from salur.stock.service import shortage
from salur.web import plans
from salur.web import repository as repo
from salur.web.overview import Overview
from salur.web.progress import ECHELONS, LateRisk
from salur.web.svg import CurveLabels, progress_chart
from salur.web.tables import Column, Table

CHILD_LEVEL = {0: "province", 1: "regency", 2: "district", 3: "village", 4: "tps"}
MODE_COLOURS = {
    "truck": "#d62728",
    "pickup": "#ff7f0e",
    "motorbike": "#bcbd22",
    "pompong": "#1f77b4",
    "speedboat": "#17becf",
    "roro": "#9467bd",
    "local": "#8c564b",
}


@dataclass(frozen=True)
class Ctx:
    """What every section needs: the store, the region's overview, the rules and a language."""

    session: Session
    overview: Overview
    rules: CustodyRules
    lang: str
    link: Callable[[str], str]  # the page of a child region

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def t_or(self, key: str, default: str) -> str:
        """The message `key`, or `default` when the catalogue has none (an open-ended code)."""
        return catalogue(self.lang).get(key, default)

    @property
    def region(self) -> str:
        return self.overview.region


def depth(region: str) -> int:
    """0 for everything, 1 province ... 4 desa, 5 a TPS."""
    if repo.is_tps(region):
        return 5
    return len(region.split(".")) if region else 0


def echelon_names(lang: str) -> tuple[str, str, str]:
    return (
        t("web.echelon.warehouse_ppk", lang),
        t("web.echelon.ppk_pps", lang),
        t("web.echelon.pps_kpps", lang),
    )


def progress_table(ctx: Ctx) -> Table:
    """One row per child region: TPS, kits packed, at each level against the plan, status."""
    level = CHILD_LEVEL.get(depth(ctx.region), "tps")
    children = ctx.overview.children
    names = repo.names(ctx.session, [c.code for c in children])
    columns = (
        Column("name", ctx.t(f"web.level.{level}")),
        Column("code", ctx.t("web.col.code"), "code"),
        Column("tps", ctx.t("web.col.tps"), "int"),
        Column("packed", ctx.t("web.col.packed"), "int"),
        Column("at_ppk", ctx.t("web.col.at_ppk"), "int", sub="plan_ppk"),
        Column("plan_ppk", ctx.t("web.col.plan_ppk"), "int", web=False),
        Column("at_pps", ctx.t("web.col.at_pps"), "int", sub="plan_pps"),
        Column("plan_pps", ctx.t("web.col.plan_pps"), "int", web=False),
        Column("at_tps", ctx.t("web.col.at_tps"), "int", sub="plan_tps"),
        Column("plan_tps", ctx.t("web.col.plan_tps"), "int", web=False),
        Column("share_tps", ctx.t("web.col.share_tps"), "pct"),
        Column("in_transit", ctx.t("web.col.in_transit"), "int"),
        Column("overdue", ctx.t("web.col.overdue"), "int"),
        Column("status", ctx.t("web.col.status"), "status"),
    )
    rows, links, states = [], [], []
    for child in children:
        rows.append(
            {
                "name": names.get(child.code, child.code),
                "code": child.code,
                "tps": child.tps,
                "packed": child.packed,
                "at_ppk": child.at_level[0],
                "plan_ppk": child.planned_by_now[0],
                "at_pps": child.at_level[1],
                "plan_pps": child.planned_by_now[1],
                "at_tps": child.at_level[2],
                "plan_tps": child.planned_by_now[2],
                "share_tps": child.share(2),
                "in_transit": child.in_transit,
                "overdue": child.overdue,
                "status": ctx.t(f"web.status.{child.status}"),
            }
        )
        links.append({"name": ctx.link(child.code)} if level != "tps" else {})
        states.append(child.status)
    return Table(
        "progress", ctx.t("web.dash.progress_title"), columns, rows, links, states,
        note=ctx.t("web.dash.progress_note"),
    )  # fmt: skip


def late_table(ctx: Ctx, shown: int | None = 25) -> Table:
    """The kits most at risk of arriving late, the most urgent first."""
    risks = ctx.overview.late_risks()
    places = _places(ctx.session, [(r.tps, r.village) for r in risks])
    echelons = echelon_names(ctx.lang)
    columns = (
        Column("tps", ctx.t("web.col.tps_code"), "code"),
        Column("tps_name", ctx.t("web.col.tps_name")),
        Column("village", ctx.t("web.level.village")),
        Column("district", ctx.t("web.level.district")),
        Column("echelon", ctx.t("web.col.next_echelon")),
        Column("planned", ctx.t("web.col.planned_arrival"), "time"),
        Column("deadline", ctx.t("web.col.deadline"), "time"),
        Column("hours_left", ctx.t("web.col.hours_left"), "hours"),
        Column("reason", ctx.t("web.col.reason")),
    )
    rows, states = [], []
    for risk in risks:
        rows.append(_risk_row(ctx, risk, places, echelons))
        states.append(risk.state)
    return Table(
        "late", ctx.t("web.dash.late_title"), columns, rows, [], states,
        note=ctx.t("web.dash.late_note"), shown=shown,
    )  # fmt: skip


def _risk_row(
    ctx: Ctx, risk: LateRisk, places: dict[str, str], echelons: Sequence[str]
) -> dict[str, Any]:
    district = ".".join(risk.village.split(".")[:3])
    return {
        "tps": risk.tps,
        "tps_name": places.get(risk.tps, ""),
        "village": places.get(risk.village, risk.village),
        "district": places.get(district, district),
        "echelon": echelons[risk.echelon],
        "planned": risk.planned,
        "deadline": risk.deadline,
        "hours_left": None if risk.hours_left is None else round(risk.hours_left, 1),
        "reason": ctx.t(f"web.reason.{risk.reason}"),
    }


def _places(session: Session, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    codes: set[str] = set()
    for _tps, village in pairs:
        codes.add(village)
        codes.add(".".join(village.split(".")[:3]))
    found = repo.names(session, codes)
    found.update(repo.tps_names(session, {tps for tps, _ in pairs}))
    return found


def escorts_table(ctx: Ctx, now: dt.datetime, shown: int | None = 25) -> Table:
    """Planned convoys with a police escort on the road now, or leaving within a day."""
    routes = plans.routes_between(
        ctx.session, ctx.overview.plan_ids, ctx.region, now, now + dt.timedelta(hours=24)
    )
    routes = [r for r in routes if r.escort_officers > 0]
    stops = plans.route_sites(ctx.session, routes)
    names = repo.names(ctx.session, {c for codes in stops.values() for c in codes if "." in c})
    columns = (
        Column("route", ctx.t("web.col.route"), "code"),
        Column("echelon", ctx.t("web.col.echelon")),
        Column("mode", ctx.t("web.col.mode")),
        Column("vehicle", ctx.t("web.col.vehicle")),
        Column("officers", ctx.t("web.col.officers"), "int"),
        Column("kits", ctx.t("web.col.kits"), "int"),
        Column("depart", ctx.t("web.col.depart"), "time"),
        Column("return", ctx.t("web.col.return"), "time"),
        Column("stops", ctx.t("web.col.stops")),
        Column("state", ctx.t("web.col.status")),
    )
    echelons = dict(
        zip(("warehouse_ppk", "ppk_pps", "pps_tps"), echelon_names(ctx.lang), strict=True)
    )
    rows, states = [], []
    for route in routes:
        on_road = repo.utc(route.depart_at) <= now <= repo.utc(route.return_at)
        sites = _stops_text(ctx, stops.get((route.plan_id, route.idx), []), names)
        rows.append(
            {
                "route": route.route_id,
                "echelon": echelons.get(route.echelon, route.echelon),
                "mode": ctx.t_or(f"web.mode.{route.mode}", route.mode),
                "vehicle": route.vehicle_unit or route.vehicle_type,
                "officers": route.escort_officers,
                "kits": route.kits,
                "depart": repo.utc(route.depart_at),
                "return": repo.utc(route.return_at),
                "stops": sites,
                "state": ctx.t("web.escort.on_road" if on_road else "web.escort.leaving"),
            }
        )
        states.append("on_track" if on_road else "waiting")
    return Table(
        "escorts", ctx.t("web.dash.escorts_title"), columns, rows, [], states,
        note=ctx.t("web.dash.escorts_note"), shown=shown,
    )  # fmt: skip


def _stops_text(ctx: Ctx, codes: Sequence[str], names: dict[str, str]) -> str:
    """The named places of a route in order, and how many TPS it serves on the way."""
    places = [names.get(c, c) for c in dict.fromkeys(c for c in codes if not repo.is_tps(c))]
    tps = len({c for c in codes if repo.is_tps(c)})
    text = " → ".join(places)
    return f"{text} (+{ctx.t('web.col.tps_count_n', count=tps)})" if tps else text


def shortage_table(ctx: Ctx) -> Table:
    """Stock lines short of the needs (TPS kits and PSU reserve), per regency of the region."""
    columns = (
        Column("regency", ctx.t("web.level.regency")),
        Column("item", ctx.t("web.col.item")),
        Column("ballot_type", ctx.t("web.col.ballot_type")),
        Column("dapil", ctx.t("web.col.dapil"), "code"),
        Column("need", ctx.t("web.col.need"), "int"),
        Column("supplied", ctx.t("web.col.supplied"), "int"),
        Column("on_hand", ctx.t("web.col.on_hand"), "int"),
        Column("packed", ctx.t("web.col.packed_items"), "int"),
        Column("shortage", ctx.t("web.col.shortage"), "int"),
    )
    rows, states = [], []
    norm = load_norm()
    region = ctx.region if depth(ctx.region) <= 2 else ".".join(ctx.region.split(".")[:2])
    for regency in repo.regencies_with_kits(ctx.session, region):
        try:
            report = shortage(ctx.session, regency, norm)
        except SalurError:
            continue
        for line in report.lines:
            if line.shortage > 0:
                rows.append(
                    {
                        "regency": report.name,
                        "item": line.key.item,
                        "ballot_type": line.key.ballot_type,
                        "dapil": line.key.dapil,
                        "need": line.need,
                        "supplied": line.level.supplied,
                        "on_hand": line.level.on_hand,
                        "packed": line.level.packed,
                        "shortage": line.shortage,
                    }
                )
                states.append("overdue")
    return Table(
        "shortages", ctx.t("web.dash.shortages_title"), columns, rows, [], states,
        note=ctx.t("web.dash.shortages_note"),
    )  # fmt: skip


def events_table(ctx: Ctx, bast_link: Callable[[int], str] | None, shown: int | None = 25) -> Table:
    """The latest handovers, receipts and dispatches of the region, with their BAST."""
    events = repo.events_in_region(ctx.session, ctx.region, ("handover", "receipt", "dispatch"))
    echelons = echelon_names(ctx.lang)
    hop_names = dict(zip(ECHELONS, echelons, strict=True))
    columns = (
        Column("at", ctx.t("web.col.time"), "time"),
        Column("kind", ctx.t("web.col.event")),
        Column("hop", ctx.t("web.col.echelon")),
        Column("tps", ctx.t("web.col.tps_count"), "int"),
        Column("packages", ctx.t("web.col.packages"), "int"),
        Column("late", ctx.t("web.col.on_time")),
        Column("log_index", ctx.t("web.col.log_index"), "int"),
        Column("bast", ctx.t("web.col.document")),
    )
    rows, links, states = [], [], []
    for event in events:
        bast = event.kind == "handover" and bast_link is not None
        rows.append(
            {
                "at": event.at,
                "kind": ctx.t(f"web.event.{event.kind}"),
                "hop": hop_names.get(event.hop or "")
                or ctx.t_or(f"web.hop.{event.hop}", event.hop or "–"),
                "tps": len(event.tps),
                "packages": event.packages,
                "late": "–"
                if event.late is None
                else ctx.t("web.late.yes" if event.late else "web.late.no"),
                "log_index": event.log_index,
                "bast": "BAST (PDF)" if bast else "",
            }
        )
        links.append({"bast": bast_link(event.id)} if bast and bast_link else {})
        states.append("behind" if event.late else "")
    return Table(
        "events", ctx.t("web.dash.events_title"), columns, rows, links, states, shown=shown
    )


def curve_svg(ctx: Ctx, tz: dt.tzinfo) -> str:
    labels = CurveLabels(
        title=ctx.t("web.chart.title"),
        echelons=echelon_names(ctx.lang),
        actual=ctx.t("web.chart.actual"),
        planned=ctx.t("web.chart.planned"),
        deadline=ctx.t("web.chart.deadline"),
        now=ctx.t("web.chart.now"),
        empty=ctx.t("web.chart.empty"),
    )
    return progress_chart(ctx.overview.curves(), labels, ctx.overview.now, tz)


def map_data(ctx: Ctx, *, routes: bool = True) -> dict[str, Any]:
    """Desa coloured by status, the plan's sites and legs by mode, for `static/map.js`."""
    states = ctx.overview.villages()
    villages = [
        [code, name, lat, lon, *states[code]]
        for code, name, lat, lon in repo.village_points(ctx.session, ctx.region)
        if code in states
    ]
    data: dict[str, Any] = {
        "villages": villages,
        "status": {
            s: ctx.t(f"web.status.{s}")
            for s in ("done", "on_track", "waiting", "behind", "overdue")
        },
        "labels": {
            "tps": ctx.t("web.col.tps"),
            "at_tps": ctx.t("web.col.at_tps"),
            "legend": ctx.t("web.map.legend"),
            "routes": ctx.t("web.map.routes"),
            "tiles": ctx.t("web.map.tiles"),
            "sites": ctx.t("web.map.sites"),
        },
        "sites": [],
        "segments": [],
        "modes": {},
    }
    if routes:
        plan_ids = ctx.overview.plan_ids
        data["sites"] = [
            [s.code, s.kind, s.name, s.lat, s.lon]
            for s in plans.plan_sites(ctx.session, plan_ids, ctx.region)
            if s.kind in ("warehouse", "port", "ppk")
        ]
        segments = plans.plan_segments(ctx.session, plan_ids, ctx.region)
        data["segments"] = [[*s.a, *s.b, s.mode, s.count] for s in segments]
        data["modes"] = {
            m: [ctx.t_or(f"web.mode.{m}", m), MODE_COLOURS.get(m, "#555")]
            for m in sorted({s.mode for s in segments})
        }
    return data
