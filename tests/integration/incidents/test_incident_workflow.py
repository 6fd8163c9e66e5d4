"""The incident workflow on a real store: every step one transition and one leaf of the log,
impossible steps refused with nothing written, custody incidents linked, not copied."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from salur.custody.packages import KitsPackageSource
from salur.geo.models import Tps
from salur.incidents.entries import Actor
from salur.incidents.models import Incident, IncidentTransition
from salur.incidents.service import (
    IncidentView,
    acknowledge,
    act,
    list_incidents,
    open_incident,
    resolve,
)
from salur.incidents.sync import sync_custody
from salur.incidents.workflow import WorkflowRefusedError
from salur.kits.models import Kit, KitPackage
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.uow import UnitOfWork
from tests.integration.custody.world import World
from tests.integration.stock.meranti import MERANTI

T0 = dt.datetime(2024, 2, 11, 1, 0, tzinfo=dt.UTC)  # H-3 08:00 WIB


def nth_tps(world: World, n: int) -> str:
    with Session(world.engine) as s:
        codes = s.scalars(
            select(Tps.code).where(Tps.village_code.like(MERANTI + ".%")).order_by(Tps.code)
        ).all()
    return str(codes[n])


def desa(tps: str) -> str:
    return f"{tps[:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"


def log_size(world: World) -> int:
    with Session(world.engine) as s:
        return ledger_repo.log_size(s, world.log.id)


def transitions(world: World, incident: int | None = None) -> int:
    with Session(world.engine) as s:
        query = select(func.count()).select_from(IncidentTransition)
        if incident is not None:
            query = query.where(IncidentTransition.incident_id == incident)
        return int(s.scalar(query) or 0)


def entries(world: World, first: int, last: int) -> list[dict[str, object]]:
    with Session(world.engine) as s:
        log = ledger.find_log(s, world.log.origin)
        return [json.loads(ledger.entry_bytes(s, log, i)) for i in range(first, last)]


def test_each_step_is_one_transition_and_one_leaf_of_the_log(world: World) -> None:
    """reported -> acknowledged -> action -> resolved: four rows, four leaves, in order, each
    naming only roles and regions; the PPK of the TPS's kecamatan answers for a late kit."""
    tps = nth_tps(world, 0)
    size = log_size(world)
    with UnitOfWork(world.engine) as uow:
        opened = open_incident(uow, "late", tps, Actor("pps", desa(tps)), at=T0, now=T0)
    assert opened.responsible == Actor("ppk", desa(tps)[:8])
    assert opened.resolve_due == dt.datetime(2024, 2, 11, 13, 0, tzinfo=dt.UTC)
    ppk = Actor("ppk", desa(tps)[:8])
    steps: list[Callable[[UnitOfWork], IncidentView]] = [
        lambda uow: acknowledge(uow, opened.id, ppk, at=T0 + dt.timedelta(minutes=30)),
        lambda uow: act(
            uow, opened.id, ppk, "resend", at=T0 + dt.timedelta(hours=1), refs={"plan_id": 7}
        ),
        lambda uow: resolve(uow, opened.id, ppk, "delivered", at=T0 + dt.timedelta(hours=6)),
    ]
    states = []
    for step in steps:
        with UnitOfWork(world.engine) as uow:
            states.append(step(uow).state)
    assert states == ["acknowledged", "action", "resolved"]
    assert transitions(world, opened.id) == 4 and log_size(world) == size + 4
    logged = entries(world, size, size + 4)
    assert [e["step"] for e in logged] == ["open", "acknowledge", "act", "resolve"]
    assert all(e["schema"] == "salur.incident/1" and e["incident"] == opened.id for e in logged)
    assert logged[2]["refs"] == {"plan_id": 7} and logged[2]["code"] == "resend"
    raw = json.dumps(logged)
    assert "person" not in raw and "p-" not in raw


def test_an_impossible_step_is_refused_and_writes_nothing(world: World) -> None:
    """Resolving an incident nobody acknowledged, or an unknown action, changes nothing."""
    tps = nth_tps(world, 1)
    kpu = Actor("kpu_kab", MERANTI)
    with UnitOfWork(world.engine) as uow:
        opened = open_incident(uow, "damage", tps, kpu, at=T0, now=T0)
    size, rows = log_size(world), transitions(world)
    with UnitOfWork(world.engine) as uow, pytest.raises(WorkflowRefusedError) as caught:
        resolve(uow, opened.id, kpu, "replaced", now=T0)
    assert caught.value.params["possible"] == "acknowledge"
    with UnitOfWork(world.engine) as uow:
        acknowledge(uow, opened.id, kpu, at=T0, now=T0)
    with UnitOfWork(world.engine) as uow, pytest.raises(Exception) as wrong:
        act(uow, opened.id, kpu, "pray", at=T0, now=T0)
    assert getattr(wrong.value, "key", "") == "incident.unknown_action"
    assert log_size(world) == size + 1 and transitions(world) == rows + 1
    with UnitOfWork(world.engine) as uow:
        assert [v.state for v in list_incidents(uow.session, tps)] == ["acknowledged"]


def test_transitions_cannot_be_changed_afterwards(world: World) -> None:
    """The database itself refuses to edit or delete a step of the workflow."""
    with UnitOfWork(world.engine) as uow:
        open_incident(uow, "other", nth_tps(world, 2), Actor("kpu_kab", MERANTI), now=T0)
    for statement in (
        "UPDATE incident_transition SET code = 'x'",
        "DELETE FROM incident_transition",
    ):
        with world.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))


def real_kit(world: World, tps: str) -> list[tuple[str, str, str, str, int]]:
    with Session(world.engine) as s:
        rows = s.execute(
            select(
                KitPackage.id,
                KitPackage.kind,
                KitPackage.ballot_type,
                KitPackage.dapil,
                KitPackage.count,
            )
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
            .where(Tps.code == tps)
            .order_by(KitPackage.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def handover_to_ppk(
    world: World, tps: str, packages: list[tuple[str, str, str, str, int]], short: int = 0
) -> dict[str, object]:
    """A signed warehouse -> PPK handover of ``packages``, the first kotak counted ``short``
    ballots short."""
    with Session(world.engine) as s:
        infos = KitsPackageSource().packages(s, [p[0] for p in packages])
    items = []
    for i, (pid, kind, bt, dapil, count) in enumerate(packages):
        item: dict[str, object] = {"package": pid, "seals": sorted(infos[pid].seals)}
        if kind == "kotak":
            item |= {"ballot_type": bt, "dapil": dapil}
            if i == 0 and short:
                item["count"] = count - short
        items.append(item)
    district = desa(tps)[:8]
    body = {
        "v": 1,
        "type": "handover",
        "election": "pemilu-2024",
        "at": "2024-02-05T02:00:00Z",
        "hop": "warehouse_ppk",
        "giver": world.party("kpu_kab", MERANTI),
        "receiver": world.party("ppk", district),
        "witnesses": world.witnesses("warehouse_ppk", district),
        "items": items,
    }
    return world.signed(body)


def test_custody_incidents_enter_the_workflow_once_linked_to_their_event(world: World) -> None:
    """A short count found at the PPK is a custody incident; syncing opens one short-count
    incident pointing at it, and syncing again opens nothing."""
    tps = nth_tps(world, 3)
    recorded = world.record(handover_to_ppk(world, tps, real_kit(world, tps), short=3))
    assert recorded.incidents
    with UnitOfWork(world.engine) as uow:
        opened = sync_custody(uow, now=T0)
    mine = [v for v in opened if v.tps == tps]
    assert [(v.kind, v.custody_event_id) for v in mine] == [("short_count", recorded.incidents[0])]
    assert mine[0].responsible == Actor("kpu_kab", MERANTI)
    with UnitOfWork(world.engine) as uow:
        assert sync_custody(uow, now=T0) == []
    with Session(world.engine) as s:
        linked = s.scalar(
            select(func.count())
            .select_from(Incident)
            .where(Incident.custody_event_id == recorded.incidents[0])
        )
    assert linked == 1
