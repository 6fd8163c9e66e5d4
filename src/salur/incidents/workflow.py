"""The workflow of an incident: reported -> acknowledged -> action -> resolved, with deadlines.

A state machine that refuses impossible steps (an incident is acknowledged once, acted on
only after acknowledgement, possibly several times, and resolved only after an action; a
resolved incident is closed), plus the two deadlines of its type and the region of the party
that answers for it. Pure: no clock (callers pass times), no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from salur.errors import SalurError

if TYPE_CHECKING:
    from salur.incidents.types import IncidentType

_H_MOMENT = re.compile(r"^H([+-]\d{1,3})?\s+(\d{1,2}):(\d{2})$")


class State(StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    ACTION = "action"
    RESOLVED = "resolved"


class Step(StrEnum):
    OPEN = "open"
    ACKNOWLEDGE = "acknowledge"
    ACT = "act"
    RESOLVE = "resolve"


TRANSITIONS: dict[tuple[State | None, Step], State] = {
    (None, Step.OPEN): State.REPORTED,
    (State.REPORTED, Step.ACKNOWLEDGE): State.ACKNOWLEDGED,
    (State.ACKNOWLEDGED, Step.ACT): State.ACTION,
    (State.ACTION, Step.ACT): State.ACTION,
    (State.ACTION, Step.RESOLVE): State.RESOLVED,
}
"""Every possible step; anything else is refused."""


class WorkflowRefusedError(SalurError):
    """A step the incident's state does not allow."""

    code = "incident_refused"
    status = 409


def next_state(state: State | None, step: Step, incident: int | None = None) -> State:
    """The state after ``step``, or WorkflowRefusedError saying which steps are possible."""
    after = TRANSITIONS.get((state, step))
    if after is None:
        possible = ", ".join(s.value for s in allowed_steps(state)) or "-"
        raise WorkflowRefusedError(
            "incident.refused",
            incident=str(incident or "-"),
            state=state.value if state else "-",
            step=step.value,
            possible=possible,
        )
    return after


def allowed_steps(state: State | None) -> tuple[Step, ...]:
    return tuple(step for (frm, step) in TRANSITIONS if frm == state)


@dataclass(frozen=True, slots=True)
class Deadlines:
    acknowledge: dt.datetime
    resolve: dt.datetime


def parse_h_moment(text: str) -> tuple[int, int]:
    """'H-1 18:00' -> (-1, 64800): a day relative to voting day and a local time."""
    match = _H_MOMENT.match(text.strip())
    if not match or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise ValueError(f"'{text}' is not a moment like 'H-1 18:00'")
    day = int(match.group(1) or 0)
    return day, int(match.group(2)) * 3600 + int(match.group(3)) * 60


def deadlines(
    kind: IncidentType, reported_at: dt.datetime, voting_day: dt.date, utc_offset_hours: float
) -> Deadlines:
    """When the incident must be acknowledged and resolved: hours after it was reported, the
    resolution capped at the type's ``resolve_before`` when reported before that moment."""
    acknowledge = reported_at + dt.timedelta(hours=kind.ack_hours)
    resolve = reported_at + dt.timedelta(hours=kind.resolve_hours)
    if kind.resolve_before:
        day, seconds = parse_h_moment(kind.resolve_before)
        local = dt.datetime.combine(voting_day + dt.timedelta(days=day), dt.time(), dt.UTC)
        cap = local + dt.timedelta(seconds=seconds, hours=-utc_offset_hours)
        if reported_at < cap:
            resolve = min(resolve, cap)
    return Deadlines(acknowledge, max(resolve, acknowledge))


def overdue(state: State, due: Deadlines, now: dt.datetime) -> Step | None:
    """The step that is past its deadline at ``now``, if any."""
    if state == State.REPORTED and now > due.acknowledge:
        return Step.ACKNOWLEDGE
    if state != State.RESOLVED and now > due.resolve:
        return Step.RESOLVE
    return None


def responsible_region(level: str, region: str) -> str:
    """The region of the party that answers at ``level`` for an incident at ``region`` (a TPS
    code or a dotted regency, kecamatan or desa code); the region itself if it is coarser."""
    if level == "tps":
        return region
    place = desa_of(region) if is_tps(region) else region
    width = {"regency": 5, "district": 8, "village": 13}[level]
    return place[:width] if len(place) >= width else place


def is_tps(code: str) -> bool:
    return len(code) == 13 and code.isdigit()


def desa_of(tps: str) -> str:
    """The dotted desa code of a TPS code (1405101001001 -> 14.05.10.1001)."""
    return f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"
