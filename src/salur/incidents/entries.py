"""The log entry of an incident step or a PSU issue (schema `salur.incident/1`).

No personal data: parties appear only as a role and a region, never by name, pseudonym or
phone; there is no free text, only codes from the types table and references (package ids,
the PSU issue, the custody incident's log index). Pure.

    {"schema": "salur.incident/1", "v": 1, "election", "incident": ID | null,
     "step": "open" | "acknowledge" | "act" | "resolve" | "psu_issue",
     "kind", "region", "tps"?, "package"?, "from": STATE | null, "to": STATE | null,
     "code"?: ACTION | RESOLUTION, "at": TIME, "actor": {"role", "region"},
     "responsible"?: {"role", "region"}, "due"?: {"acknowledge": TIME, "resolve": TIME},
     "cause"?: {"custody_index": N}, "refs": {...}}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salur.custody.events import format_time

SCHEMA = "salur.incident/1"
SYSTEM_ROLE = "salur"
"""The role of steps salur takes itself (opening incidents recorded by custody)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step: a role and the region it acts for."""

    role: str
    region: str

    def as_json(self) -> dict[str, str]:
        return {"role": self.role, "region": self.region}


def step_payload(
    *,
    election: str,
    incident: int | None,
    step: str,
    kind: str,
    region: str,
    frm: str | None,
    to: str | None,
    at: dt.datetime,
    actor: Actor,
    tps: str | None = None,
    package: str | None = None,
    code: str | None = None,
    responsible: Actor | None = None,
    due: tuple[dt.datetime, dt.datetime] | None = None,
    custody_index: int | None = None,
    refs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The canonical payload of one step (the ledger canonicalises it on append)."""
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "v": 1,
        "election": election,
        "incident": incident,
        "step": step,
        "kind": kind,
        "region": region,
        "from": frm,
        "to": to,
        "at": format_time(at),
        "actor": actor.as_json(),
        "refs": dict(refs or {}),
    }
    optional: dict[str, Any] = {
        "tps": tps,
        "package": package,
        "code": code,
        "responsible": responsible.as_json() if responsible else None,
        "due": {"acknowledge": format_time(due[0]), "resolve": format_time(due[1])}
        if due
        else None,
        "cause": {"custody_index": custody_index} if custody_index is not None else None,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    return payload
