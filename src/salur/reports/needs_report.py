"""The needs report: an HTML page with a summary, a table and a chart per regency, PSU reserves
and the assumptions still to confirm. Every number comes from the stored needs run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from salur.i18n import fmt_number, language, t
from salur.needs.rollup import rollup
from salur.needs.service import NeedsResult
from salur.reports.charts import stacked_bars
from salur.voters.service import ESTIMATED


@dataclass(frozen=True)
class RegencySection:
    code: str
    name: str
    table: list[dict[Any, Any]]
    totals: dict[Any, Any]
    chart_svg: str


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("salur.reports", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.globals["t"] = t
    env.filters["num"] = lambda v, digits=0: fmt_number(v, digits=digits)
    return env


def _district_table(result: NeedsResult, names: dict[str, str]) -> pd.DataFrame:
    """One row per kecamatan: TPS, DPT, share estimated, ballots per type, kotak, weight, volume."""
    ballot_lines = [ln.ballot_type is not None for ln in result.needs.lines]
    line_weights = [ln.weight_g for ln in result.needs.lines]
    ballots_g = result.needs.quantity[:, ballot_lines] @ [
        w for w, b in zip(line_weights, ballot_lines, strict=True) if b
    ]
    tps = result.tps.assign(
        estimated=(result.tps["dpt_source"] == ESTIMATED).astype(int),
        weight_kg=result.needs.kit_weight_g / 1000,
        ballots_kg=ballots_g / 1000,
        equipment_kg=(result.needs.kit_weight_g - ballots_g) / 1000,
        volume_m3=result.needs.kit_volume_cm3 / 1e6,
    )
    for i, line in enumerate(result.needs.lines):
        if line.ballot_type or line.code in ("kotak", "bilik"):
            tps[line.ballot_type or line.code] = result.needs.quantity[:, i]
    value_columns = [c for c in tps.columns if c not in result.tps.columns or c == "dpt"]
    grouped = tps.groupby(["regency", "district"], sort=True, observed=True)
    table = grouped[value_columns].sum()
    table["tps"] = grouped.size()
    table["estimated_pct"] = 100 * table.pop("estimated") / table["tps"]
    table = table.reset_index()
    table["name"] = table["district"].map(names).fillna(table["district"])
    return table


def build(result: NeedsResult, names: dict[str, str], database: str, folder: str) -> str:
    """The report's HTML."""
    ballot_types = [ln.ballot_type for ln in result.needs.lines if ln.ballot_type]
    table = _district_table(result, names)
    sections = []
    for regency, rows in table.groupby("regency", sort=True, observed=True):
        chart = (
            rows.set_index("name")[["ballots_kg", "equipment_kg"]]
            .div(1000)
            .rename(
                columns={"ballots_kg": t("report.ballots"), "equipment_kg": t("report.equipment")}
            )
        )
        sums = rows.drop(columns=["regency", "district", "name"]).sum(numeric_only=True)
        sums["estimated_pct"] = (rows["estimated_pct"] * rows["tps"]).sum() / max(
            int(rows["tps"].sum()), 1
        )
        sections.append(
            RegencySection(
                code=str(regency),
                name=names.get(str(regency), str(regency)),
                table=rows.to_dict("records"),
                totals=sums.to_dict(),
                chart_svg=stacked_bars(chart, t("report.chart_title"), t("report.weight_t")),
            )
        )
    totals = rollup(result, "province").groupby(["item", "ballot_type"])["quantity"].sum()
    norm = result.norm.norm
    assumptions = [(b.code, b.name, float(b.weight_g)) for b in norm.ballot_types if b.to_confirm]
    assumptions += [(i.code, i.name, float(i.weight_g)) for i in norm.items if i.to_confirm]
    weights = result.needs.kit_weight_g
    return (
        _env()
        .get_template("needs.html.j2")
        .render(
            lang=language(),
            result=result,
            norm=norm,
            sha=result.norm.sha256[:12],
            when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            database=database,
            folder=folder,
            ballot_types=ballot_types,
            sections=sections,
            totals=totals,
            tps_count=len(result.tps),
            tps_special=int((result.tps["kind"] == "special").sum()),
            dpt_total=int(result.tps["dpt"].sum()),
            estimated=result.tps_estimated,
            estimated_pct=100 * result.tps_estimated / max(len(result.tps), 1),
            weight_t=float(weights.sum()) / 1e6,
            volume_m3=float(result.needs.kit_volume_cm3.sum()) / 1e6,
            kit_weight=float(weights.mean()) / 1000 if len(weights) else 0.0,
            kit_volume=float(result.needs.kit_volume_cm3.mean()) / 1e6 if len(weights) else 0.0,
            psu=sorted(result.needs.psu, key=lambda p: (p.ballot_type, p.district)),
            assumptions=assumptions,
        )
    )


def write_report(
    result: NeedsResult, names: dict[str, str], path: Path, database: str, folder: str
) -> Path:
    """Write the report to `path` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build(result, names, database, folder), encoding="utf-8")
    return path
