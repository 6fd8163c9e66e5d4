"""Writes a risk assessment: risk.csv (per TPS), risk_legs.csv, risk.json and risk.html.

The HTML page has an inline SVG chart (matplotlib, no CDN) and lists every assumption and
source next to the figures. Files are written to a temporary folder and moved into place
together, like the plan's files.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from jinja2 import Environment, PackageLoader, select_autoescape

from salur.i18n import fmt_number, language, t
from salur.planning.outputs import Staged
from salur.risk.config import CAUSES
from salur.risk.service import LegRisk, RiskAssessment, TpsRisk

SHOWN_TPS = 40
SHOWN_LEGS = 40
CHART_DISTRICTS = 15
CAUSE_COLOURS = {
    "water": "#2e6fbd",
    "tide": "#5fa8d3",
    "distance": "#9aa4ae",
    "slack": "#e0a800",
    "flood": "#2e9e4f",
    "vulnerability": "#c0392b",
    "history": "#7a0d12",
}
TPS_COLUMNS = [
    "tps",
    "regency",
    "district",
    "village",
    "score",
    *(f"points_{c}" for c in CAUSES),
    "p_miss",
    "p_late_ppk",
    "p_late_pps",
    "mean_delay_h",
    "p90_delay_h",
    "p_lost",
    "water_legs",
    "tidal_legs",
    "km",
    "travel_hours",
    "slack_h",
    "flood_share",
    "vulnerability",
    "history",
    "unserved",
]
LEG_COLUMNS = [
    "regency",
    "from",
    "to",
    "kind",
    "link",
    "tide",
    "km",
    "hours",
    "routes",
    "kits",
    "score",
    *(f"points_{c}" for c in CAUSES),
    "p_disrupted",
    "delay_h",
    "fallback_id",
    "fallback_name",
    "fallback_activation_h",
]


def stage_risk(assessment: RiskAssessment, out_dir: Path) -> Staged:
    """Every file of ``assessment`` in a temporary folder beside ``out_dir``."""
    target = out_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write_tps_csv(assessment.tps, tmp / "risk.csv")
        write_legs_csv(assessment.legs, tmp / "risk_legs.csv")
        (tmp / "risk.json").write_text(
            json.dumps(as_json(assessment), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (tmp / "risk.html").write_text(render_html(assessment), encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Staged(tmp, target)


def tps_row(row: TpsRisk) -> dict[str, Any]:
    f = row.features
    return {
        "tps": row.tps,
        "regency": row.regency,
        "district": row.district,
        "village": row.village,
        "score": row.score.total,
        **{f"points_{c}": row.score.points.get(c, 0.0) for c in CAUSES},
        "p_miss": row.p_miss,
        "p_late_ppk": row.p_late_ppk,
        "p_late_pps": row.p_late_pps,
        "mean_delay_h": row.mean_delay_h,
        "p90_delay_h": row.p90_delay_h,
        "p_lost": row.p_lost,
        "water_legs": f.water_legs,
        "tidal_legs": f.tidal_legs,
        "km": round(f.km, 1),
        "travel_hours": round(f.hours, 2),
        "slack_h": "" if f.slack_h is None else round(f.slack_h, 1),
        "flood_share": round(f.flood, 3),
        "vulnerability": f.vulnerability,
        "history": ";".join(f.history_kinds),
        "unserved": int(row.unserved),
    }


def leg_row(leg: LegRisk) -> dict[str, Any]:
    fb = leg.fallback
    return {
        "regency": leg.regency,
        "from": leg.frm,
        "to": leg.to,
        "kind": leg.kind,
        "link": leg.link,
        "tide": leg.tide,
        "km": leg.km,
        "hours": leg.hours,
        "routes": leg.routes,
        "kits": leg.kits,
        "score": leg.score.total,
        **{f"points_{c}": leg.score.points.get(c, 0.0) for c in CAUSES},
        "p_disrupted": leg.p_disrupted,
        "delay_h": leg.delay_h,
        "fallback_id": fb.id if fb else "",
        "fallback_name": fb.name if fb else "",
        "fallback_activation_h": fb.activation_h if fb else "",
    }


def write_tps_csv(rows: list[TpsRisk], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, TPS_COLUMNS)
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (-r.p_miss, -r.score.total, r.tps)):
            writer.writerow(tps_row(row))


def write_legs_csv(legs: list[LegRisk], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, LEG_COLUMNS)
        writer.writeheader()
        for leg in sorted(legs, key=lambda g: (-g.score.total, g.key)):
            writer.writerow(leg_row(leg))


def as_json(a: RiskAssessment) -> dict[str, Any]:
    """The assessment's summary, remedies, riskiest TPS, water legs and assumptions."""
    riskiest = sorted(a.tps, key=lambda r: (-r.p_miss, -r.score.total, r.tps))[:100]
    return {
        "plan_id": a.plan_id,
        "plan_version": a.plan_version,
        "region": a.region,
        "region_name": a.region_name,
        "seed": a.seed,
        "draws": a.draws,
        "generated_at": a.generated_at,
        "planning_data_sha256": a.data_sha256,
        "risk_data_sha256": a.risk_sha256,
        "seconds": {
            "simulate": round(a.simulate_seconds, 2),
            "recommend": round(a.recommend_seconds, 2),
        },
        "totals": a.totals(),
        "by_district": by_district(a.tps, a.names),
        "recommendations": [
            {
                "kind": r.kind,
                "regency": r.regency,
                "target": r.target,
                "detail": r.detail,
                "tps": list(r.tps),
                "expected_misses_before": r.misses_before,
                "expected_misses_after": r.misses_after,
                "effect": r.effect,
                "expected_late_before": r.late_before,
                "expected_late_after": r.late_after,
                "late_effect": r.late_effect,
            }
            for r in a.recommendations
        ],
        "riskiest_tps": [tps_row(r) for r in riskiest],
        "water_legs": [leg_row(g) for g in a.legs if g.kind in ("boat", "roro")],
        "fallback_carriers": [
            {
                "id": c.id,
                "name": c.name,
                "operator": c.operator,
                "kind": c.kind,
                "base_port": c.base_port,
                "regencies": list(c.regencies),
                "activation_hours": c.activation_h,
                "capacity_kg": c.capacity_kg,
                "status": c.status,
                "source_url": c.source_url,
                "note": c.note,
            }
            for c in a.carriers
        ],
        "assumptions": [
            {"section": x.section, "status": x.status, "basis": x.basis, "source": x.source}
            for x in a.assumptions
        ],
    }


def by_district(rows: list[TpsRisk], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Per kecamatan: TPS, expected TPS missing the deadline, TPS at risk, mean score."""
    groups: dict[str, list[TpsRisk]] = defaultdict(list)
    for row in rows:
        groups[row.district].append(row)
    out = [
        {
            "district": code,
            "name": (names or {}).get(code, ""),
            "tps": len(items),
            "expected_misses": round(sum(r.p_miss for r in items), 3),
            "at_risk": sum(1 for r in items if r.p_miss >= 0.05),
            "mean_score": round(sum(r.score.total for r in items) / len(items), 1),
        }
        for code, items in groups.items()
    ]
    return sorted(out, key=lambda d: (-d["expected_misses"], -d["mean_score"], d["district"]))


def chart_svg(rows: list[TpsRisk], labels: dict[str, str] | None = None) -> str:
    """Expected TPS missing the H-1 deadline in the riskiest kecamatan, and their mean score
    split by cause (inline SVG)."""
    districts = by_district(rows)[:CHART_DISTRICTS]
    names = [d["district"] for d in districts][::-1]
    shown = [f"{(labels or {}).get(n, '')} {n}".strip() for n in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, max(2.5, 0.3 * len(names) + 1.4)))
    left.barh(shown, [d["expected_misses"] for d in districts][::-1], color="#7a0d12")
    left.set_title(t("risk.report.chart_misses"), fontsize=10, loc="left")
    groups: dict[str, list[TpsRisk]] = defaultdict(list)
    for row in rows:
        groups[row.district].append(row)
    start = [0.0] * len(names)
    for cause in CAUSES:
        values = [
            sum(r.score.points.get(cause, 0.0) for r in groups[n]) / max(len(groups[n]), 1)
            for n in names
        ]
        right.barh(
            shown, values, left=start, color=CAUSE_COLOURS[cause], label=t(f"risk.cause.{cause}")
        )
        start = [a + b for a, b in zip(start, values, strict=True)]
    right.set_title(t("risk.report.chart_causes"), fontsize=10, loc="left")
    right.legend(fontsize=7, loc="lower right", frameon=False)
    for ax in (left, right):
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def render_html(a: RiskAssessment) -> str:
    env = Environment(
        loader=PackageLoader("salur.risk", "templates"), autoescape=select_autoescape(["html"])
    )
    env.globals["t"] = t
    env.filters["num"] = lambda v, digits=0: fmt_number(v, digits=digits)
    env.filters["pct"] = lambda v: f"{100 * v:.1f}%"
    riskiest = sorted(a.tps, key=lambda r: (-r.p_miss, -r.score.total, r.tps))[:SHOWN_TPS]
    water = [g for g in a.legs if g.kind in ("boat", "roro")]
    legs = sorted(water, key=lambda g: (-g.score.total, g.key))[:SHOWN_LEGS]
    return env.get_template("risk.html.j2").render(
        lang=language(),
        a=a,
        totals=a.totals(),
        causes=CAUSES,
        colours=CAUSE_COLOURS,
        chart=chart_svg(a.tps, a.names) if a.tps else "",
        riskiest=riskiest,
        legs=legs,
        districts=by_district(a.tps, a.names)[:CHART_DISTRICTS],
    )
