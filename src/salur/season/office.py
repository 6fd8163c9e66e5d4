"""The regency offices' part of each day: every custody incident gets its workflow incident,
which the responsible office acknowledges, acts on and resolves the way 2024 needed; a
wrong-dapil sampul is replaced from the PSU reserve of the TPS's own dapil."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from salur.incidents.entries import Actor
from salur.incidents.psu import issue_psu
from salur.incidents.service import IncidentView, acknowledge, act, list_incidents, resolve
from salur.incidents.sync import sync_custody
from salur.kits.ids import CROCKFORD
from salur.uow import UnitOfWork

# kind -> (action, resolution): what the office does about each kind of incident.
PLAYBOOK = {
    "wrong_dapil": ("replace_from_psu", "replaced"),
    "wrong_destination": ("resend", "delivered"),
    "short_count": ("recount", "psu_ordered"),
    "missing_items": ("resend", "delivered"),
    "damage": ("repack", "replaced"),
    "broken_seal": ("inspect", "resealed"),
    "late": ("escort", "delivered"),
    "transport_failure": ("replan", "delivered"),
    "loss": ("replace_from_psu", "replaced"),
    "reconciliation_mismatch": ("recount", "reconciled"),
    "witness_missing": ("report_bawaslu", "no_action_needed"),
    "other": ("inspect", "no_action_needed"),
}


@dataclass
class Office:
    """The offices of the region run, working the incident queue once a day."""

    engine: Engine
    seed: int

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed * 7 + 1)

    def open_new(self, at: dt.datetime) -> list[IncidentView]:
        """Workflow incidents for the custody incidents recorded since the last call."""
        with UnitOfWork(self.engine) as uow:
            return sync_custody(uow, now=at)

    def work(self, views: list[IncidentView], at: dt.datetime) -> None:
        """Acknowledge within the hour, act, and resolve: each step on the log."""
        for view in views:
            action, resolution = PLAYBOOK.get(view.kind, PLAYBOOK["other"])
            who = Actor(view.responsible.role, view.responsible.region)
            step = at
            for do in ("ack", "act", "resolve"):
                step += dt.timedelta(minutes=40)
                with UnitOfWork(self.engine) as uow:
                    if do == "ack":
                        acknowledge(uow, view.id, who, at=step, now=step)
                    elif do == "act":
                        act(uow, view.id, who, action, at=step, now=step)
                    else:
                        resolve(uow, view.id, who, resolution, at=step, now=step)

    def replace_from_psu(
        self, tps: str, ballot_type: str, incident: int | None, at: dt.datetime
    ) -> str:
        """Issue the PSU reserve of the TPS's own dapil as a new kotak of its kit (the
        warehouse's action on a wrong-dapil sampul); returns the new package id."""
        rng = self._rng

        def draw(k: int) -> str:
            return "".join(rng.choice(CROCKFORD) for _ in range(k))

        regency = _regency_of(tps)
        with UnitOfWork(self.engine) as uow:
            issued = issue_psu(
                uow,
                tps,
                ballot_type,
                Actor("kpu_kab", regency),
                incident_id=incident,
                at=at,
                draw=draw,
                now=at,
            )
        return issued.package_id

    def statuses(self, region: str) -> dict[int, str]:
        """Workflow state of each custody incident event (for the season report)."""
        with Session(self.engine) as s:
            views = list_incidents(s, region)
        return {v.custody_event_id: v.state for v in views if v.custody_event_id is not None}


def _regency_of(tps: str) -> str:
    return f"{tps[:2]}.{tps[2:4]}"
