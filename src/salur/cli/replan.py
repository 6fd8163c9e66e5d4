"""`salur replan`: repair a stored plan around disruptions and store the next version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from salur.cli.common import friendly, open_store, out
from salur.cli.progress import RichProgress
from salur.errors import NotFoundError, SalurError
from salur.i18n import fmt_number, t
from salur.uow import UnitOfWork

SHOWN_ISSUES = 20


@friendly
def replan(
    plan_id: Annotated[
        int | None, typer.Option("--plan", help="Id of the stored plan to repair")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="Repair the newest plan of this region (14, 14.05)"),
    ] = None,
    disruptions: Annotated[
        Path | None,
        typer.Option(
            "--disruptions", help="TOML or JSON file of disruptions (see docs)", exists=True
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When the repair is made: 'H-2 08:00' or an ISO datetime"),
    ] = None,
    road_closed: Annotated[
        list[str] | None,
        typer.Option("--road-closed", help="A:B (no road between two sites) or A (none into A)"),
    ] = None,
    water_closed: Annotated[
        list[str] | None, typer.Option("--water-closed", help="A:B: no boat between two sites")
    ] = None,
    link_closed: Annotated[
        list[str] | None, typer.Option("--link-closed", help="Water link id closed")
    ] = None,
    ferry_cancelled: Annotated[
        list[str] | None, typer.Option("--ferry-cancelled", help="Ro-ro link id cancelled")
    ] = None,
    vehicle_down: Annotated[
        list[str] | None, typer.Option("--vehicle-down", help="Unit broken down or aground")
    ] = None,
    crossing: Annotated[
        list[str] | None,
        typer.Option("--crossing", help="ID:A:B: a temporary boat crossing between two sites"),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="When the options' disruptions start (else --at)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="When the options' disruptions end")
    ] = None,
    recovery_hours: Annotated[
        float | None,
        typer.Option("--recovery-hours", help="Hours until a down vehicle's load is back"),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the routing search")] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for each routing pass")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data", help="Planning data folder the plan was made with")
    ] = None,
    matrix: Annotated[
        Path | None,
        typer.Option("--matrix", help="Travel matrix CSV the plan was made with", exists=True),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the plan files")] = Path(
        "replan"
    ),
) -> None:
    """Repair a stored plan around disruptions, check it, store it as a new version, write it."""
    from salur.planning import repository as repo
    from salur.planning.outputs import stage_outcome
    from salur.planning.replan import replan as run_replan

    options = _options(
        road_closed,
        water_closed,
        link_closed,
        ferry_cancelled,
        vehicle_down,
        crossing,
        start or at,
        until,
        recovery_hours,
    )
    engine = open_store()
    with UnitOfWork(engine) as uow:
        parent = _parent(uow, plan_id, region, repo)
        given = _given(disruptions, options)
        with RichProgress() as progress:
            outcome = run_replan(
                uow,
                parent,
                given,
                at,
                seed=seed,
                time_limit_s=time_limit,
                data_dir=data_dir,
                matrix=matrix,
                progress=progress,
            )
            progress.phase("plan.phase.write", None)
            staged = stage_outcome(outcome, out_dir)
        try:
            uow.commit()
            folder = staged.publish()
        except BaseException:
            staged.discard()
            raise
    _print(outcome.summary)
    out.print(
        t(
            "replan.cli.written",
            path=str(folder),
            version=outcome.version,
            plan_id=outcome.plan_id,
            parent=outcome.parent_id,
            seconds=f"{outcome.elapsed_s:.1f}",
        )
    )


def _parent(uow: UnitOfWork, plan_id: int | None, region: str | None, repo: Any) -> int:
    if plan_id is not None:
        return plan_id
    if region is None:
        raise SalurError("replan.which_plan")
    head = repo.latest_plan(uow.session, region)
    if head is None:
        raise NotFoundError("replan.no_plan", region=region)
    return int(head.id)


def _given(path: Path | None, options: dict[str, list[dict[str, Any]]]) -> Path | dict[str, Any]:
    if path is None and not any(options.values()):
        raise SalurError("replan.nothing_given")
    if path is None:
        return dict(options)
    if not any(options.values()):
        return path
    import json
    import tomllib

    text = path.read_text(encoding="utf-8")
    raw: dict[str, Any] = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    for key, items in options.items():
        raw[key] = [*raw.get(key, []), *items]
    return raw


def _options(
    road: list[str] | None,
    water: list[str] | None,
    links: list[str] | None,
    ferries: list[str] | None,
    units: list[str] | None,
    crossings: list[str] | None,
    start: str | None,
    until: str | None,
    recovery_hours: float | None,
) -> dict[str, list[dict[str, Any]]]:
    """The disruptions given as options, in the file's format."""
    given = [road, water, links, ferries, units, crossings]
    if any(given) and start is None:
        raise SalurError("replan.options_need_time")
    when: dict[str, Any] = {"from": start} if start else {}
    if until:
        when["until"] = until

    def places(text: str) -> dict[str, Any]:
        parts = [p for p in text.split(":") if p]
        return {"between": parts} if len(parts) == 2 else {"site": parts[0]}

    out: dict[str, list[dict[str, Any]]] = {
        "road_closed": [{**places(x), **when} for x in road or []],
        "water_closed": [{**places(x), **when} for x in water or []],
        "link_closed": [{"link": x, **when} for x in links or []],
        "ferry_cancelled": [{"link": x, **when} for x in ferries or []],
        "vehicle_down": [
            {"unit": x, **when, **({"recovery_hours": recovery_hours} if recovery_hours else {})}
            for x in units or []
        ],
        "crossing": [],
    }
    for text in crossings or []:
        ident, _, pair = text.partition(":")
        out["crossing"].append({"id": ident, "between": pair.split(":"), **when})
    return out


def _print(summary: dict[str, Any]) -> None:
    info = summary["replan"]
    out.rule(
        t(
            "replan.cli.title",
            region=summary["region_name"],
            code=summary["region"],
            version=summary["version"],
            parent=info["parent_version"],
            at=info["at"],
        )
    )
    for item in info["disruptions"]:
        out.print("  - " + ", ".join(f"{k}={v}" for k, v in item.items()), highlight=False)
    table = Table(show_header=True, header_style="bold")
    columns = (
        "routes_kept",
        "routes_thinned",
        "routes_cut_short",
        "routes_retimed",
        "routes_dropped",
        "routes_new",
        "kits_replanned",
    )
    table.add_column(t("replan.cli.col.regency"))
    for column in columns:
        table.add_column(t(f"replan.cli.col.{column}"), justify="right")
    for code, counts in info["regencies"].items():
        table.add_row(code, *(fmt_number(counts[c]) for c in columns))
    out.print(table)
    out.print(
        t(
            "replan.cli.totals",
            tps=summary["tps"],
            on_time=summary["tps_on_time"],
            late=summary["tps_late"],
            unserved=summary["tps_unserved"],
        )
    )
    for issue in summary["issues"][:SHOWN_ISSUES]:
        out.print(f"  {issue['tps']} [{issue['kind']}] {issue['message']}", highlight=False)
    if len(summary["issues"]) > SHOWN_ISSUES:
        out.print(t("plan.cli.more_issues", count=len(summary["issues"]) - SHOWN_ISSUES))
