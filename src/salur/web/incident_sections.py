"""The dashboards' incident sections: the custody incidents of a region with where each
stands, and the incident workflow with who answers for it and by when (see `sections`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salur.custody.incidents import describe
from salur.custody.tepat import Finding
from salur.web import repository as repo
from salur.web.sections import Ctx
from salur.web.tables import Column, Table


def incidents_table(ctx: Ctx, shown: int | None = 25) -> Table:
    """Incidents concerning TPS of the region: refusals, discrepancies and reports, newest first."""
    events = repo.events_in_region(ctx.session, ctx.region, ("incident",))
    found = repo.findings(ctx.session, [e.id for e in events])
    reports = repo.entries(
        ctx.session, [(e.log_id, e.log_index) for e in events if e.id not in found]
    )
    packages = repo.event_packages(ctx.session, [e.id for e in events])
    moves = repo.last_moves(ctx.session, {p for ids in packages.values() for p in ids})
    subjects = repo.finding_subjects(ctx.session, ctx.region)
    columns = (
        Column("at", ctx.t("web.col.time"), "time"),
        Column("category", ctx.t("web.col.category")),
        Column("tps", ctx.t("web.col.tps_code"), "code"),
        Column("findings", ctx.t("web.col.findings")),
        Column("log_index", ctx.t("web.col.log_index"), "int"),
        Column("workflow", ctx.t("web.col.workflow"), "status"),
    )
    rows, states = [], []
    for event in events:
        concerned = packages.get(event.id, set())
        state = incident_state(event.id, concerned, set(event.tps), moves, subjects)
        described = describe(
            [
                Finding(f.code, f.package_id, f.tps_code, f.ballot_type, f.expected, f.found)
                for f in found.get(event.id, [])
            ],
            lang=ctx.lang,
        )
        category = event.category or "other"
        if not described and category not in ("refused", "discrepancy", "reconciliation"):
            described = _reported(ctx, reports.get((event.log_id, event.log_index), {}))
        rows.append(
            {
                "at": event.at,
                "category": ctx.t_or(f"web.incident.{category}", category),
                "tps": ", ".join(event.tps[:3]) + (" …" if len(event.tps) > 3 else ""),
                "findings": described,
                "log_index": event.log_index,
                "workflow": ctx.t(f"web.workflow.{state}"),
            }
        )
        states.append(WORKFLOW_STATUS[state])
    return Table(
        "incidents", ctx.t("web.dash.incidents_title"), columns, rows, [], states,
        note=ctx.t("web.dash.incidents_note"), shown=shown,
    )  # fmt: skip


WORKFLOW_STATUS = {"open": "overdue", "followed": "behind", "resolved": "done"}


def workflow_table(ctx: Ctx, now: dt.datetime, shown: int | None = 25) -> Table:
    """The incident workflow (salur.incidents): each incident's state, who answers for it and
    by when; the unresolved first, the most pressing deadline first."""
    from salur.incidents import repository as incidents
    from salur.incidents.types import load_types

    types = load_types()
    rows_in = incidents.incidents(ctx.session, ctx.region)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows_in.sort(
        key=lambda i: (i.state == "resolved", repo.utc(i.resolve_due) if i.resolve_due else far)
    )
    columns = (
        Column("reported", ctx.t("web.col.reported"), "time"),
        Column("kind", ctx.t("web.col.category")),
        Column("place", ctx.t("web.col.place"), "code"),
        Column("package", ctx.t("web.col.package"), "code"),
        Column("state", ctx.t("web.col.status"), "status"),
        Column("responsible", ctx.t("web.col.responsible")),
        Column("ack_due", ctx.t("web.col.ack_due"), "time"),
        Column("resolve_due", ctx.t("web.col.resolve_due"), "time"),
    )
    rows, states = [], []
    for incident in rows_in:
        kind = types.types.get(incident.kind)
        role = ctx.rules.election.roles.get(incident.responsible_role)
        role_name = (
            (role.id if ctx.lang == "id" else role.en) if role else incident.responsible_role
        )
        rows.append(
            {
                "reported": repo.utc(incident.reported_at),
                "kind": kind.label(ctx.lang) if kind else incident.kind,
                "place": incident.tps_code or incident.region_code,
                "package": incident.package_id or "",
                "state": ctx.t_or(f"incident.state.{incident.state}", incident.state),
                "responsible": f"{role_name} {incident.responsible_region}",
                "ack_due": repo.utc(incident.ack_due),
                "resolve_due": repo.utc(incident.resolve_due),
            }
        )
        states.append(_workflow_status(incident.state, repo.utc(incident.ack_due),
                                       repo.utc(incident.resolve_due), now))  # fmt: skip
    return Table(
        "workflow", ctx.t("web.dash.workflow_title"), columns, rows, [], states,
        note=ctx.t("web.dash.workflow_note"), shown=shown,
    )  # fmt: skip


def _workflow_status(
    state: str, ack_due: dt.datetime, resolve_due: dt.datetime, now: dt.datetime
) -> str:
    """The colour of an incident: resolved; past its resolution deadline; not acknowledged in
    time; being handled."""
    if state == "resolved":
        return "done"
    if now > resolve_due:
        return "overdue"
    if state == "reported" and now > ack_due:
        return "behind"
    return "on_track"


def incident_state(
    incident: int,
    packages: set[str],
    tps: set[str],
    moves: dict[str, int],
    subjects: set[str],
) -> str:
    """Where an incident stands: resolved once every package it concerns has moved on since
    (received again, handed over, sent on), followed up once Bawaslu filed a finding naming it,
    its packages or its TPS, else open."""
    if packages and all(moves.get(p, 0) > incident for p in packages):
        return "resolved"
    if str(incident) in subjects or packages & subjects or tps & subjects:
        return "followed"
    return "open"


def _reported(ctx: Ctx, entry: dict[str, Any]) -> str:
    """Who reported an incident from the field: a role and a region, never a person."""
    reporter = entry.get("event", {}).get("reporter", {})
    names = ctx.rules.election.roles.get(str(reporter.get("role", "")))
    role = (names.id if ctx.lang == "id" else names.en) if names else reporter.get("role", "")
    return ctx.t("web.dash.reported_by", role=role, region=reporter.get("region", "-"))
