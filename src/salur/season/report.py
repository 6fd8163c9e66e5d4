"""The season report: one HTML page (cards, a table per regency, progress curves against the
H-1 deadline, a map of desa by delivery, disruptions, incidents, risk, reconciliation and the
documents written). Every number comes from `season.facts`, i.e. from the database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyItem
from salur.geo.models import Tps, Village
from salur.i18n import fmt_number, language, t
from salur.planning.mapview import LEAFLET, leaflet_css
from salur.reports.charts import Series, progress_curves
from salur.season.facts import LOCAL, SeasonFacts


@dataclass(frozen=True)
class DisruptionLine:
    when: str
    what: str
    effect: str
    source: str


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("salur.season", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.globals["t"] = t
    env.filters["num"] = lambda v, digits=0: fmt_number(v, digits=digits)
    env.filters["local"] = lambda at: _local(at)
    return env


def _local(at: dt.datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def write_season_report(
    session: Session,
    facts: SeasonFacts,
    path: Path,
    *,
    region_name: str,
    seed: int,
    database: str,
    voting_day: dt.date,
    disruptions: Sequence[DisruptionLine] = (),
    statuses: Mapping[int, str] | None = None,
    risk: tuple[list[str], list[list[Any]]] | None = None,
    receipts: tuple[int, int] = (0, 0),
    documents: Sequence[tuple[str, str]] = (),
) -> Path:
    """Render the report to `path`. `statuses`: incident workflow state by incident event id;
    `risk`: a header and rows; `receipts`: (verified, checked)."""
    panels = _panels(facts)
    deadline = voting_day - dt.timedelta(days=1)
    svg = progress_curves(panels, deadline, t("season.report.h1")) if panels else ""
    page = (
        _env()
        .get_template("season.html.j2")
        .render(
            lang=language(),
            region=facts.region,
            region_name=region_name,
            when=dt.datetime.now(LOCAL).strftime("%d/%m/%Y %H:%M"),
            seed=seed,
            database=database,
            facts=facts,
            curves_svg=svg,
            disruptions=disruptions,
            statuses=dict(statuses or {}),
            risk_header=risk[0] if risk else [],
            risk_rows=risk[1] if risk else [],
            receipts_ok=receipts[0],
            receipts_total=receipts[1],
            documents=documents,
            leaflet_css=leaflet_css(),
            leaflet_js=(LEAFLET / "leaflet.js").read_text(encoding="utf-8"),
            map_json=json.dumps(_map_data(session, facts.region), ensure_ascii=False).replace(
                "</", "<\\/"
            ),
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


HOP_COLOURS = {"warehouse_ppk": "#2e6fbd", "ppk_pps": "#e6b800", "pps_kpps": "#7a0d12"}


def _panels(facts: SeasonFacts) -> dict[str, list[Series]]:
    """Per regency: the share of its kits at PPK, PPS and TPS per day, done and planned."""
    out = {}
    for r in facts.regencies:
        curve = facts.curves.get(r.code)
        if curve is None or not curve.days or not r.kits:
            continue
        lines = []
        for hop, colour in HOP_COLOURS.items():
            label = t(f"season.report.at_{hop}")
            done = [n / r.kits for n in curve.done[hop]]
            planned = [n / r.kits for n in curve.planned[hop]]
            lines.append(Series(label, colour, False, curve.days, done))
            planned_label = f"{label} ({t('season.report.planned')})"
            lines.append(Series(planned_label, colour, True, curve.days, planned))
        out[f"{r.name} ({r.code})"] = lines
    return out


def _map_data(session: Session, region: str) -> dict[str, Any]:
    """Each desa with its TPS and how many of them got their kit."""
    prefix = region.replace(".", "")
    served: dict[str, int] = dict(
        session.execute(
            select(
                func.substr(CustodyItem.tps_code, 1, 10),
                func.count(func.distinct(CustodyItem.tps_code)),
            )
            .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
            .where(
                CustodyEvent.kind == "handover",
                CustodyEvent.hop == "pps_kpps",
                CustodyItem.tps_code.startswith(prefix),
            )
            .group_by(func.substr(CustodyItem.tps_code, 1, 10))
        ).all()
    )
    rows = session.execute(
        select(Village.code, Village.name, Village.lat, Village.lon, func.count(Tps.id))
        .join(Tps, Tps.village_code == Village.code)
        .where((Village.code == region) | Village.code.startswith(region + "."))
        .where(Village.lat.is_not(None))
        .group_by(Village.code, Village.name, Village.lat, Village.lon)
        .order_by(Village.code)
    ).all()
    villages = [
        [code, name, lat, lon, int(served.get(code.replace(".", ""), 0)), int(total)]
        for code, name, lat, lon, total in rows
    ]
    return {
        "villages": villages,
        "labels": {
            "legend": t("season.report.map_legend"),
            "done": t("season.report.map_done"),
            "partial": t("season.report.map_partial"),
            "none": t("season.report.map_none"),
        },
    }
