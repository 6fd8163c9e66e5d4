"""`salur risk`: risk scores, a Monte Carlo of a stored plan, and measured remedies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from salur.cli.common import friendly, open_store, out
from salur.cli.progress import RichProgress
from salur.i18n import fmt_number, t
from salur.uow import UnitOfWork

SHOWN_TPS = 15
SHOWN_REMEDIES = 12


@friendly
def risk(
    region: Annotated[
        str | None, typer.Option("--region", help="Province or regency code: 14, 14.05")
    ] = None,
    plan_id: Annotated[
        int | None, typer.Option("--plan", help="Id of a stored plan (else the newest)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation")] = 0,
    draws: Annotated[
        int, typer.Option("--draws", min=10, max=100_000, help="Monte Carlo draws")
    ] = 2000,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the risk files")] = Path(
        "risk"
    ),
    data_dir: Annotated[
        Path | None, typer.Option("--data", help="Planning data folder the plan was made with")
    ] = None,
    risk_dir: Annotated[
        Path | None,
        typer.Option("--risk-data", help="Folder overriding hazards.toml, fallback_carriers.csv"),
    ] = None,
    recommend: Annotated[
        bool, typer.Option("--recommend/--no-recommend", help="Try and measure remedies")
    ] = True,
) -> None:
    """Score every TPS and leg, simulate the plan, measure remedies, write risk.csv/json/html."""
    from salur.errors import SalurError
    from salur.risk.report import stage_risk
    from salur.risk.service import assess_plan, assess_region

    if region is None and plan_id is None:
        raise SalurError("risk.which_plan")
    engine = open_store()
    with UnitOfWork(engine) as uow, RichProgress() as progress:
        if plan_id is not None:
            assessment = assess_plan(
                uow.session,
                plan_id,
                seed,
                draws,
                regency=region,
                data_dir=data_dir,
                risk_dir=risk_dir,
                with_recommendations=recommend,
                progress=progress,
            )
        else:
            assert region is not None
            assessment = assess_region(
                uow.session,
                region,
                seed,
                draws,
                data_dir=data_dir,
                risk_dir=risk_dir,
                with_recommendations=recommend,
                progress=progress,
            )
        progress.phase("risk.phase.write", None)
        folder = stage_risk(assessment, out_dir).publish()
    _print(assessment)
    out.print(t("risk.cli.written", path=str(folder)))


def _print(a: object) -> None:
    from salur.risk.service import RiskAssessment

    assert isinstance(a, RiskAssessment)
    totals = a.totals()
    out.rule(t("risk.cli.title", region=a.region_name, code=a.region, plan_id=a.plan_id))
    out.print(
        t(
            "risk.cli.totals",
            tps=totals["tps"],
            expected=f"{totals['expected_tps_missing_deadline']:.2f}",
            at_risk=totals["tps_at_risk_5pct"],
            unserved=totals["tps_unserved"],
            draws=a.draws,
            seconds=f"{a.simulate_seconds:.1f}",
        )
    )
    table = Table(show_header=True, header_style="bold")
    for key in ("tps", "p_miss", "p_late_ppk", "p_late_pps", "delay", "score", "causes"):
        table.add_column(
            t(f"risk.cli.col.{key}"), justify="left" if key in ("tps", "causes") else "right"
        )
    riskiest = sorted(a.tps, key=lambda r: (-r.p_miss, -r.score.total, r.tps))[:SHOWN_TPS]
    for row in riskiest:
        causes = sorted(row.score.points.items(), key=lambda kv: -kv[1])
        text = " · ".join(f"{t('risk.cause.' + c)} {p:.0f}" for c, p in causes if p >= 1)
        table.add_row(
            row.tps,
            f"{100 * row.p_miss:.1f}%",
            f"{100 * row.p_late_ppk:.1f}%",
            f"{100 * row.p_late_pps:.1f}%",
            f"{row.mean_delay_h:.1f} h",
            f"{row.score.total:.1f}",
            text,
        )
    out.print(table)
    if not a.recommendations:
        out.print(t("risk.report.no_recommendations"))
        return
    remedies = Table(show_header=True, header_style="bold", title=t("risk.report.recommendations"))
    for key in ("kind", "what", "tps", "before", "after", "effect"):
        remedies.add_column(
            t(f"risk.report.col.{key}"), justify="left" if key in ("kind", "what") else "right"
        )
    for r in a.recommendations[:SHOWN_REMEDIES]:
        what = r.detail.get("name") or r.detail.get("route") or r.detail.get("ppk") or r.target
        if "leg" in r.detail:
            what = f"{r.detail['leg']}: {what}"
        remedies.add_row(
            t(f"risk.kind.{r.kind}"),
            what,
            fmt_number(len(r.tps)),
            f"{r.misses_before:.3f}",
            f"{r.misses_after:.3f}",
            f"{r.effect:.3f}",
        )
    out.print(remedies)
