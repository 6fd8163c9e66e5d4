"""The rows an accepted custody event writes for its packages: one item per package seen, and
each moved package's new state. Bulk statements, because a handover to a PPK carries hundreds
of packages; both run in the caller's transaction (`custody.service`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from salur.custody.events import Item, PackageBody, ReportedIncidentBody
from salur.custody.models import CustodyEvent, CustodyItem, CustodyPackage
from salur.custody.states import PackageState
from salur.custody.tepat import PackageInfo


def write_items(
    session: Session, event: CustodyEvent, items: Sequence[Item], infos: Mapping[str, PackageInfo]
) -> None:
    """One row per package of the event, inserted in one executemany (a handover to a PPK
    carries hundreds of packages; ORM objects per row would dominate the event's cost)."""
    rows = []
    for item in items:
        tally = item.tally
        rows.append(
            {
                "event_id": event.id,
                "package_id": item.package,
                "tps_code": infos[item.package].tps_code,
                "ballot_type": infos[item.package].ballot_type,
                "dapil": item.dapil,
                "count": item.count,
                "used": tally.used if tally else None,
                "unused": tally.unused if tally else None,
                "damaged": tally.damaged if tally else None,
                "voters": tally.voters if tally else None,
            }
        )
    if rows:  # an incident reported on no package has no items
        session.execute(insert(CustodyItem), rows)


def write_states(
    session: Session,
    event: CustodyEvent,
    moved: Mapping[str, PackageState],
    rows: Mapping[str, CustodyPackage],
    body: PackageBody | ReportedIncidentBody,
    infos: Mapping[str, PackageInfo],
    now: dt.datetime,
) -> None:
    """Each moved package's new state: new rows inserted, known ones updated by primary key,
    each in one executemany (the known rows are locked by `package_states`)."""
    new_seals = {i.package: ",".join(map(str, sorted(i.seals))) for i in body.items}
    added, changed = [], []
    for package_id, state in moved.items():
        heading = state.heading_to
        values: dict[str, Any] = {
            "package_id": package_id,
            "phase": state.phase.value,
            "holder_level": state.holder.level.value,
            "holder_region": state.holder.region,
            "to_level": heading.level.value if heading else None,
            "to_region": heading.region if heading else None,
            "last_event_id": event.id,
            "updated_at": now,
        }
        if body.type == "sealed_return":
            values["seals"] = new_seals[package_id]
        if package_id in rows:
            changed.append(values)
        else:
            added.append(values | {"tps_code": infos[package_id].tps_code})
    if added:
        session.execute(insert(CustodyPackage), added)
    if changed:
        session.execute(update(CustodyPackage), changed)
