"""Use cases of the incident workflow: open, acknowledge, act, resolve and list (opening the
incidents custody recorded is `sync.sync_custody`).

Each use case is one transaction that commits: it locks the province's log, checks the step
against the state machine (`workflow`), writes the transition and appends its entry to the log
(`ledger.service.append_entry`), so a step and its leaf exist together or not at all. Custody
incidents are linked (`custody_event_id`), never copied.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules, load_rules
from salur.custody.entries import province_log
from salur.custody.models import CustodyEvent
from salur.errors import NotFoundError, SalurError
from salur.incidents import repository as repo
from salur.incidents.entries import SYSTEM_ROLE, Actor, step_payload
from salur.incidents.models import Incident, IncidentTransition
from salur.incidents.types import IncidentTypes, load_types
from salur.incidents.workflow import (
    Deadlines,
    State,
    Step,
    deadlines,
    desa_of,
    is_tps,
    next_state,
    overdue,
    responsible_region,
)
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork

REGION_LENGTHS = (2, 5, 8, 13)


@dataclass(frozen=True)
class IncidentView:
    """An incident as lists and the API show it."""

    id: int
    kind: str
    state: str
    region: str
    tps: str | None
    package: str | None
    responsible: Actor
    reported_at: dt.datetime
    ack_due: dt.datetime
    resolve_due: dt.datetime
    custody_event_id: int | None
    overdue: str | None
    steps: int
    log_index: int | None = None


@dataclass(frozen=True)
class Context:
    """What every step reads besides the store: custody rules, the types table and the clock."""

    rules: CustodyRules
    types: IncidentTypes
    now: dt.datetime

    @classmethod
    def of(
        cls,
        rules: CustodyRules | None = None,
        types: IncidentTypes | None = None,
        now: dt.datetime | None = None,
    ) -> Context:
        return cls(rules or load_rules(), types or load_types(), now or dt.datetime.now(dt.UTC))


def open_incident(
    uow: UnitOfWork,
    kind: str,
    region: str,
    reporter: Actor,
    *,
    package: str | None = None,
    at: dt.datetime | None = None,
    refs: Mapping[str, Any] | None = None,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> IncidentView:
    """Report an incident of ``kind`` at ``region`` (a TPS code or a dotted code); commits."""
    ctx = Context.of(rules, types, now)
    check_actor(reporter, ctx)
    s = uow.session
    log = locked_log(s, ctx, region)
    incident = open_in(s, log, ctx, kind, region, reporter, package, at or ctx.now, None, refs)
    view = view_of(s, incident, ctx.now)
    uow.commit()
    return view


def acknowledge(
    uow: UnitOfWork,
    incident_id: int,
    actor: Actor,
    *,
    at: dt.datetime | None = None,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> IncidentView:
    """The responsible party has seen it; commits."""
    return _step(uow, incident_id, Step.ACKNOWLEDGE, actor, None, at, {}, rules, types, now)


def act(
    uow: UnitOfWork,
    incident_id: int,
    actor: Actor,
    action: str,
    *,
    at: dt.datetime | None = None,
    refs: Mapping[str, Any] | None = None,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> IncidentView:
    """An action taken (a code of the types table: resend, replace_from_psu, ...); commits."""
    return _step(uow, incident_id, Step.ACT, actor, action, at, refs or {}, rules, types, now)


def resolve(
    uow: UnitOfWork,
    incident_id: int,
    actor: Actor,
    resolution: str,
    *,
    at: dt.datetime | None = None,
    refs: Mapping[str, Any] | None = None,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> IncidentView:
    """Close the incident with a resolution code; commits."""
    return _step(
        uow, incident_id, Step.RESOLVE, actor, resolution, at, refs or {}, rules, types, now
    )


def list_incidents(
    session: Session,
    region: str = "",
    states: tuple[str, ...] = (),
    *,
    now: dt.datetime | None = None,
) -> list[IncidentView]:
    """Incidents at or below ``region``, with the step that is overdue at ``now`` if any."""
    moment = now or dt.datetime.now(dt.UTC)
    return [view_of(session, i, moment) for i in repo.incidents(session, region, states)]


def get_incident(
    session: Session, incident_id: int, now: dt.datetime | None = None
) -> IncidentView:
    found = repo.incident(session, incident_id)
    if found is None:
        raise NotFoundError("incident.unknown", incident=incident_id)
    return view_of(session, found, now or dt.datetime.now(dt.UTC))


def open_in(
    s: Session,
    log: LedgerLog,
    ctx: Context,
    kind: str,
    region: str,
    reporter: Actor,
    package: str | None,
    at: dt.datetime,
    cause: CustodyEvent | None,
    refs: Mapping[str, Any] | None,
) -> Incident:
    if kind not in ctx.types.types:
        raise SalurError("incident.unknown_kind", kind=kind, allowed=", ".join(ctx.types.types))
    _check_region(region)
    spec = ctx.types[kind]
    election = ctx.rules.election
    due = deadlines(spec, at, election.voting_day, election.utc_offset_hours)
    responsible = Actor(spec.responsible, responsible_region(spec.level, region))
    place = desa_of(region) if is_tps(region) else region
    incident = Incident(
        kind=kind,
        state=State.REPORTED.value,
        election=election.election,
        region_code=region,
        regency_code=place[:5],
        tps_code=region if is_tps(region) else None,
        package_id=package,
        responsible_role=responsible.role,
        responsible_region=responsible.region,
        reported_at=at,
        ack_due=due.acknowledge,
        resolve_due=due.resolve,
        custody_event_id=cause.id if cause else None,
        log_id=log.id,
        updated_at=ctx.now,
    )
    repo.add(s, incident)
    _transition(
        s,
        log,
        ctx,
        incident,
        Step.OPEN,
        None,
        reporter,
        at,
        refs or {},
        responsible=responsible,
        due=due,
        custody_index=cause.log_index if cause else None,
    )
    return incident


def _step(
    uow: UnitOfWork,
    incident_id: int,
    step: Step,
    actor: Actor,
    code: str | None,
    at: dt.datetime | None,
    refs: Mapping[str, Any],
    rules: CustodyRules | None,
    types: IncidentTypes | None,
    now: dt.datetime | None,
) -> IncidentView:
    ctx = Context.of(rules, types, now)
    check_actor(actor, ctx)
    s = uow.session
    known = repo.incident(s, incident_id)
    if known is None:
        raise NotFoundError("incident.unknown", incident=incident_id)
    log = locked_log(s, ctx, known.region_code)
    incident = repo.incident(s, incident_id, lock=True)
    assert incident is not None
    record_step(s, log, ctx, incident, step, actor, code, at or ctx.now, refs)
    view = view_of(s, incident, ctx.now)
    uow.commit()
    return view


def record_step(
    s: Session,
    log: LedgerLog,
    ctx: Context,
    incident: Incident,
    step: Step,
    actor: Actor,
    code: str | None,
    at: dt.datetime,
    refs: Mapping[str, Any],
) -> IncidentTransition:
    """One step of ``incident`` in the caller's transaction (the log locked); never commits."""
    allowed = {Step.ACT: ctx.types.actions, Step.RESOLVE: ctx.types.resolutions}.get(step)
    if allowed is not None and code not in allowed:
        key = "incident.unknown_action" if step == Step.ACT else "incident.unknown_resolution"
        raise SalurError(key, code=str(code), allowed=", ".join(allowed))
    history = repo.transitions(s, incident.id)
    if history and at < history[-1].at:
        raise SalurError("incident.before_previous", incident=incident.id)
    return _transition(s, log, ctx, incident, step, code, actor, at, refs)


def _transition(
    s: Session,
    log: LedgerLog,
    ctx: Context,
    incident: Incident,
    step: Step,
    code: str | None,
    actor: Actor,
    at: dt.datetime,
    refs: Mapping[str, Any],
    *,
    responsible: Actor | None = None,
    due: Deadlines | None = None,
    custody_index: int | None = None,
) -> IncidentTransition:
    current = State(incident.state) if step != Step.OPEN else None
    after = next_state(current, step, incident.id)
    payload = step_payload(
        election=incident.election,
        incident=incident.id,
        step=step.value,
        kind=incident.kind,
        region=incident.region_code,
        frm=current.value if current else None,
        to=after.value,
        at=at,
        actor=actor,
        tps=incident.tps_code,
        package=incident.package_id,
        code=code,
        responsible=responsible,
        due=(due.acknowledge, due.resolve) if due else None,
        custody_index=custody_index,
        refs=refs,
    )
    index, _ = ledger.append_entry(s, log, payload, now=ctx.now)
    row = IncidentTransition(
        incident_id=incident.id,
        seq=len(repo.transitions(s, incident.id)) + 1,
        step=step.value,
        from_state=current.value if current else None,
        to_state=after.value,
        code=code,
        at=at,
        actor_role=actor.role,
        actor_region=actor.region,
        refs_json=json.dumps(dict(refs), sort_keys=True),
        log_id=log.id,
        log_index=index,
        recorded_at=ctx.now,
    )
    repo.add(s, row)
    incident.state = after.value
    incident.updated_at = ctx.now
    s.flush()
    return row


def locked_log(s: Session, ctx: Context, region: str) -> LedgerLog:
    province = (desa_of(region) if is_tps(region) else region)[:2]
    log = province_log(s, ctx.rules, province)
    ledger_repo.lock_log(s, log.id)
    return log


def check_actor(actor: Actor, ctx: Context) -> None:
    if actor.role != SYSTEM_ROLE and actor.role not in ctx.rules.election.roles:
        raise SalurError(
            "incident.unknown_role", role=actor.role, allowed=", ".join(ctx.rules.election.roles)
        )
    _check_region(actor.region)


def _check_region(region: str) -> None:
    if is_tps(region):
        return
    parts = region.split(".")
    if len(region) not in REGION_LENGTHS or not all(p.isdigit() for p in parts):
        raise SalurError("incident.bad_region", region=region)


def view_of(s: Session, incident: Incident, now: dt.datetime) -> IncidentView:
    history = repo.transitions(s, incident.id)
    due = Deadlines(incident.ack_due, incident.resolve_due)
    late = overdue(State(incident.state), due, now)
    return IncidentView(
        id=incident.id,
        kind=incident.kind,
        state=incident.state,
        region=incident.region_code,
        tps=incident.tps_code,
        package=incident.package_id,
        responsible=Actor(incident.responsible_role, incident.responsible_region),
        reported_at=incident.reported_at,
        ack_due=due.acknowledge,
        resolve_due=due.resolve,
        custody_event_id=incident.custody_event_id,
        overdue=late.value if late else None,
        steps=len(history),
        log_index=history[-1].log_index if history else None,
    )
