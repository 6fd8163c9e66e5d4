"""`salur plan` and `salur plan-check`: make, store and write a distribution plan; re-verify one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from salur.cli.common import friendly, open_store, out
from salur.cli.progress import RichProgress
from salur.i18n import fmt_number, t
from salur.norms.loader import DEFAULT_NORM
from salur.planning.echelons import EchelonId
from salur.planning.outputs import stage_outcome
from salur.planning.service import PlanRequest, make_plan, recheck
from salur.uow import UnitOfWork

SHOWN_ISSUES = 20
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


@friendly
def plan(
    region: Annotated[str, typer.Option("--region", help="Province or regency code: 14, 14.05")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the routing search")] = 0,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds for the whole search (else a fixed, reproducible number of iterations)",
        ),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the plan files")] = Path(
        "plan"
    ),
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Folder with planning data files overriding the shipped "
            "ones (fleet.csv, schedule.toml, ports.csv ...)",
        ),
    ] = None,
    matrix: Annotated[
        Path | None,
        typer.Option(
            "--matrix",
            help="CSV of travel (from_code, to_code, mode, distance_km, "
            "duration_min) used instead of the built-in estimate",
            exists=True,
        ),
    ] = None,
    norm: Annotated[str, typer.Option("--norm", help="Norm id or file")] = DEFAULT_NORM,
    workers: Annotated[
        int, typer.Option("--workers", help="Processes planning regencies side by side")
    ] = DEFAULT_WORKERS,
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="Address of a Dask scheduler to fan regencies out to"),
    ] = None,
    osrm: Annotated[
        str | None,
        typer.Option(
            "--osrm",
            help="URL of an OSRM server (http://HOST:PORT) for road distances and times; "
            "boats keep the built-in estimate, and --matrix pairs win over it",
        ),
    ] = None,
) -> None:
    """Plan the distribution of every TPS kit of a region, check it, store it and write it."""
    request = PlanRequest(region, seed, time_limit, data_dir, matrix, norm, workers, dask, osrm)
    engine = open_store()
    with UnitOfWork(engine) as uow:
        with RichProgress() as progress:
            outcome = make_plan(uow, request, progress)
            progress.phase("plan.phase.write", None)
            staged = stage_outcome(outcome, out_dir)
        try:
            uow.commit()
            folder = staged.publish()
        except BaseException:
            staged.discard()
            raise
    _print_summary(outcome.summary)
    _print_defaults(outcome.summary.get("defaults", {}))
    out.print(
        t("plan.cli.written", path=str(folder), version=outcome.version, plan_id=outcome.plan_id)
    )
    if outcome.summary["tps_late"] or outcome.summary["tps_unserved"]:
        raise typer.Exit(1)


@friendly
def plan_check(
    plan_id: Annotated[int, typer.Argument(help="Id of a stored plan")],
    data_dir: Annotated[
        Path | None, typer.Option("--data", help="Planning data folder the plan was made with")
    ] = None,
) -> None:
    """Re-verify a stored plan: every kit through its chain, loads, times, deadlines, escorts."""
    engine = open_store()
    with UnitOfWork(engine) as uow:
        _, report, same_data = recheck(uow, plan_id, data_dir)
    if not same_data:
        out.print(t("plan.cli.data_changed"))
    if report.ok:
        out.print(
            t(
                "plan.cli.check_ok",
                plan_id=plan_id,
                kits=report.kits_checked,
                routes=report.routes_checked,
            )
        )
        return
    out.print(t("plan.cli.check_failed", plan_id=plan_id, count=len(report.violations)))
    for violation in report.violations[:SHOWN_ISSUES]:
        out.print(f"  [{violation.code}] {violation.detail}", highlight=False)
    raise typer.Exit(1)


def _print_summary(summary: dict[str, Any]) -> None:
    out.rule(
        t(
            "plan.cli.title",
            region=summary["region_name"],
            code=summary["region"],
            version=summary["version"],
        )
    )
    table = Table(show_header=True, header_style="bold")
    for column in (
        "echelon",
        "deadline",
        "routes",
        "vehicles",
        "vehicle_km",
        "water_legs",
        "escort",
        "first_departure",
        "last_arrival",
        "slack_min",
        "slack_median",
    ):
        table.add_column(
            t(f"plan.cli.col.{column}"),
            justify="left" if column in ("echelon", "deadline") else "right",
        )
    for echelon in EchelonId:
        e = summary["echelons"][echelon.value]
        slack = e["slack_hours"]
        table.add_row(
            t(f"plan.echelon.{echelon.value}"),
            e["deadline"],
            fmt_number(e["routes"]),
            f"{fmt_number(e['vehicles'])} ({fmt_number(e['hired_vehicles'])})",
            fmt_number(e["vehicle_km"]),
            fmt_number(e["water_legs"]),
            fmt_number(e["escort_officers"]),
            e["first_departure"],
            e["last_arrival"],
            _hours(slack["min"]),
            _hours(slack["median"]),
        )
    out.print(table)
    out.print(
        t(
            "plan.cli.totals",
            vehicles=summary["vehicles"],
            km=round(summary["vehicle_km"]),
            water=summary["water_legs"],
            tps=summary["tps"],
            on_time=summary["tps_on_time"],
        )
    )
    baseline = summary.get("baseline")
    if baseline:
        out.print(
            t(
                "plan.cli.baseline",
                km=round(baseline["vehicle_km"]),
                trips=baseline["trips"],
                saving=f"{100 * baseline['vehicle_km_saving']:.1f}",
            )
        )
    issues = summary["issues"]
    if not issues:
        out.print(t("plan.cli.all_on_time"))
        return
    out.print(t("plan.cli.issues", late=summary["tps_late"], unserved=summary["tps_unserved"]))
    for issue in issues[:SHOWN_ISSUES]:
        out.print(f"  {issue['tps']} [{issue['kind']}] {issue['message']}", highlight=False)
    if len(issues) > SHOWN_ISSUES:
        out.print(t("plan.cli.more_issues", count=len(issues) - SHOWN_ISSUES))


def _print_defaults(used: dict[str, list[str]]) -> None:
    regencies = {code for kind in ("depot", "fleet", "roster") for code in used.get(kind, [])}
    links, landmasses = used.get("water_link", []), used.get("landmass", [])
    if regencies or links or landmasses:
        out.print(
            t(
                "plan.cli.defaults",
                regencies=len(regencies),
                links=len(links),
                landmasses=len(landmasses),
            )
        )


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"
