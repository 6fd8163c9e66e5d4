"""`salur incidents ...` (the incident workflow) and `salur psu ...` (PSU reserve issues)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from salur.cli.common import friendly, open_store, out
from salur.errors import SalurError
from salur.i18n import fmt_number, language, t
from salur.uow import UnitOfWork

app = typer.Typer(help="Incidents: report, acknowledge, act on and resolve.", no_args_is_help=True)
psu_app = typer.Typer(
    help="PSU reserve: what is left for a TPS, and issuing it.", no_args_is_help=True
)

As = Annotated[str, typer.Option("--as", help="Who takes the step: ROLE:REGION (ppk:14.05.10)")]
At = Annotated[
    str | None, typer.Option("--at", help="When it happened (ISO, e.g. 2024-02-12T08:00:00Z)")
]


def _actor(text: str) -> Any:
    from salur.incidents.entries import Actor

    role, _, region = text.partition(":")
    if not role or not region:
        raise SalurError("incident.cli.bad_actor", value=text)
    return Actor(role, region)


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SalurError("incident.cli.bad_time", value=text) from None
    if moment.tzinfo is None:
        raise SalurError("incident.cli.bad_time", value=text)
    return moment.astimezone(dt.UTC)


def _show(view: Any) -> None:
    out.print(
        t(
            "incident.cli.shown",
            id=view.id,
            kind=_label(view.kind),
            state=t(f"incident.state.{view.state}"),
            region=view.region,
            role=view.responsible.role,
            responsible=view.responsible.region,
            resolve=_when(view.resolve_due),
            index=view.log_index if view.log_index is not None else "-",
        ),
        highlight=False,
    )


def _label(kind: str) -> str:
    from salur.incidents.types import load_types

    types = load_types()
    return types[kind].label(language()) if kind in types.types else kind


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@app.command("list")
@friendly
def list_command(
    region: Annotated[str, typer.Option("--region", help="Regency, kecamatan, desa code")] = "",
    state: Annotated[
        list[str] | None, typer.Option("--state", help="reported, acknowledged, action, resolved")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue incidents")] = False,
) -> None:
    """Incidents with their state, responsible party and deadlines."""
    from salur.incidents.service import list_incidents

    with UnitOfWork(open_store()) as uow:
        views = list_incidents(uow.session, region, tuple(state or ()))
    if overdue:
        views = [v for v in views if v.overdue]
    table = Table(show_header=True, header_style="bold")
    for key in (
        "id",
        "kind",
        "state",
        "region",
        "responsible",
        "ack_due",
        "resolve_due",
        "overdue",
    ):
        table.add_column(t(f"incident.cli.col.{key}"), no_wrap=key in ("region", "id"))
    for v in views:
        table.add_row(
            str(v.id),
            _label(v.kind),
            t(f"incident.state.{v.state}"),
            v.region,
            f"{v.responsible.role} {v.responsible.region}",
            _when(v.ack_due),
            _when(v.resolve_due),
            t(f"incident.cli.overdue.{v.overdue}") if v.overdue else "",
        )
    out.print(table)
    out.print(t("incident.cli.count", count=len(views)))


@app.command("open")
@friendly
def open_command(
    kind: Annotated[str, typer.Option("--kind", help="Type (see incident_types.toml)")],
    where: Annotated[str, typer.Option("--where", help="TPS code or region code")],
    actor: As,
    package: Annotated[str | None, typer.Option("--package", help="Package concerned")] = None,
    at: At = None,
) -> None:
    """Report an incident."""
    from salur.incidents.service import open_incident

    with UnitOfWork(open_store()) as uow:
        view = open_incident(uow, kind, where, _actor(actor), package=package, at=_moment(at))
    _show(view)


@app.command("ack")
@friendly
def ack_command(
    incident: Annotated[int, typer.Argument(help="Incident id")], actor: As, at: At = None
) -> None:
    """Acknowledge an incident."""
    from salur.incidents.service import acknowledge

    with UnitOfWork(open_store()) as uow:
        _show(acknowledge(uow, incident, _actor(actor), at=_moment(at)))


@app.command("act")
@friendly
def act_command(
    incident: Annotated[int, typer.Argument(help="Incident id")],
    action: Annotated[str, typer.Option("--action", help="Action code (resend, replan, ...)")],
    actor: As,
    at: At = None,
    ref: Annotated[
        list[str] | None, typer.Option("--ref", help="KEY=VALUE reference (plan_id=12)")
    ] = None,
) -> None:
    """Record an action taken on an incident."""
    from salur.incidents.service import act

    refs = dict(r.partition("=")[::2] for r in ref or [])
    with UnitOfWork(open_store()) as uow:
        _show(act(uow, incident, _actor(actor), action, at=_moment(at), refs=refs))


@app.command("resolve")
@friendly
def resolve_command(
    incident: Annotated[int, typer.Argument(help="Incident id")],
    resolution: Annotated[str, typer.Option("--resolution", help="Resolution code")],
    actor: As,
    at: At = None,
) -> None:
    """Resolve an incident."""
    from salur.incidents.service import resolve

    with UnitOfWork(open_store()) as uow:
        _show(resolve(uow, incident, _actor(actor), resolution, at=_moment(at)))


@app.command("sync")
@friendly
def sync_command() -> None:
    """Open workflow incidents for the custody incidents (and late arrivals) not yet in it."""
    from salur.incidents.sync import sync_custody

    with UnitOfWork(open_store()) as uow:
        views = sync_custody(uow)
    for view in views:
        _show(view)
    out.print(t("incident.cli.synced", count=len(views)))


@psu_app.command("show")
@friendly
def psu_show(
    tps: Annotated[str, typer.Option("--tps", help="TPS code (13 digits)")],
    ballot: Annotated[str, typer.Option("--ballot", help="Ballot type: ppwp, dpr, ...")],
) -> None:
    """The PSU reserve a TPS may draw on for one ballot type."""
    from salur.incidents.psu import psu_reserve

    with UnitOfWork(open_store()) as uow:
        reserve = psu_reserve(uow.session, tps, ballot)
    _print_reserve(reserve)


def _print_reserve(reserve: Any) -> None:
    out.print(
        t(
            "incident.psu.cli.reserve",
            tps=reserve.tps,
            ballot_type=reserve.ballot_type,
            dapil=reserve.dapil,
            district=reserve.reserve_district,
            reserve=fmt_number(reserve.reserve),
            issued=fmt_number(reserve.issued),
            on_hand=fmt_number(reserve.on_hand),
            available=fmt_number(reserve.available),
        ),
        highlight=False,
    )


@psu_app.command("issue")
@friendly
def psu_issue(
    tps: Annotated[str, typer.Option("--tps", help="TPS code (13 digits)")],
    ballot: Annotated[str, typer.Option("--ballot", help="Ballot type: ppwp, dpr, ...")],
    actor: As,
    quantity: Annotated[
        int | None, typer.Option("--quantity", help="Ballots (default: the kit's own count)")
    ] = None,
    incident: Annotated[
        int | None, typer.Option("--incident", help="The incident this issue acts on")
    ] = None,
    at: At = None,
) -> None:
    """Issue PSU reserve ballots of the TPS's dapil as a new kotak of its kit."""
    from salur.incidents.psu import issue_psu

    with UnitOfWork(open_store()) as uow:
        issued = issue_psu(
            uow,
            tps,
            ballot,
            _actor(actor),
            quantity=quantity,
            incident_id=incident,
            at=_moment(at),
        )
    _print_reserve(issued.reserve)
    out.print(
        t(
            "incident.psu.cli.issued",
            quantity=fmt_number(issued.quantity),
            package=issued.package_id,
            index=issued.log_index,
        ),
        highlight=False,
    )
