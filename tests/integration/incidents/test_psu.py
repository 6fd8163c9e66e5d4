"""PSU reserve: the right dapil's ballots become a new kotak of the TPS's kit, drawn from the
reserve and the warehouse stock, and travel through custody like any other package."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from salur.cli import incidents as incidents_cli
from salur.custody.models import CustodyPackage
from salur.errors import SalurError
from salur.incidents.entries import Actor
from salur.incidents.models import IncidentTransition, PsuIssue
from salur.incidents.psu import issue_psu, psu_reserve
from salur.incidents.service import acknowledge, open_incident
from salur.kits.models import KitPackage, KitPackageLine
from salur.stock import repository as stock_repo
from salur.stock.models import StockMovement
from salur.uow import UnitOfWork
from tests.integration.custody.world import World
from tests.integration.incidents.test_incident_workflow import (
    desa,
    handover_to_ppk,
    log_size,
    nth_tps,
)
from tests.integration.stock.meranti import MERANTI

T0 = dt.datetime(2024, 2, 12, 2, 0, tzinfo=dt.UTC)
KPU = Actor("kpu_kab", MERANTI)


def counts(world: World) -> tuple[int, ...]:
    with Session(world.engine) as s:
        rows = tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (KitPackage, StockMovement, PsuIssue)
        )
    return (*rows, log_size(world))


def test_a_wrong_dapil_kit_is_replaced_from_the_psu_reserve_and_handed_over(
    world: World,
) -> None:
    """The PPWP reserve of Meranti (1,000 ballots) gives the TPS a new kotak of its own count:
    stock on hand drops by as much, the incident's action names the package, and the package
    is handed from the warehouse to the PPK through custody."""
    tps = nth_tps(world, 10)
    with UnitOfWork(world.engine) as uow:
        before = psu_reserve(uow.session, tps, "ppwp")
        stock = stock_repo.levels(uow.session, MERANTI)[MERANTI][before.key].on_hand
    assert (before.reserve, before.issued, before.dapil) == (1000, 0, "ID")
    assert before.available == min(1000, stock) > before.kit_count > 0
    with UnitOfWork(world.engine) as uow:
        opened = open_incident(uow, "wrong_dapil", tps, Actor("pps", desa(tps)), at=T0, now=T0)
    with UnitOfWork(world.engine) as uow:
        acknowledge(uow, opened.id, KPU, at=T0, now=T0)
    with UnitOfWork(world.engine) as uow:
        issued = issue_psu(uow, tps, "ppwp", KPU, incident_id=opened.id, at=T0, now=T0)
    assert issued.quantity == before.kit_count
    with Session(world.engine) as s:
        package = s.get(KitPackage, issued.package_id)
        line = s.get(KitPackageLine, (issued.package_id, "surat_suara", "ppwp", "ID"))
        step = s.scalars(
            select(IncidentTransition).where(IncidentTransition.incident_id == opened.id)
        ).all()[-1]
        left = stock_repo.levels(s, MERANTI)[MERANTI][before.key].on_hand
    assert package is not None and (package.kind, package.count) == ("kotak", issued.quantity)
    assert line is not None and line.quantity == issued.quantity
    assert left == stock - issued.quantity
    assert (step.step, step.code) == ("act", "replace_from_psu")
    assert json.loads(step.refs_json)["psu"]["package"] == issued.package_id
    with UnitOfWork(world.engine) as uow:
        after = psu_reserve(uow.session, tps, "ppwp")
    assert after.issued == issued.quantity and after.on_hand == left
    world.record(handover_to_ppk(world, tps, [(issued.package_id, "kotak", "ppwp", "ID", 0)]))
    state = world.package(issued.package_id)
    assert isinstance(state, CustodyPackage)
    assert (state.holder_level, state.holder_region) == ("ppk", desa(tps)[:8])


def test_more_ballots_than_the_reserve_left_are_refused_with_nothing_written(
    world: World,
) -> None:
    """Asking beyond what is left names both limits and leaves stock, kits and log as they were."""
    tps = nth_tps(world, 11)
    before = counts(world)
    with UnitOfWork(world.engine) as uow, pytest.raises(SalurError) as caught:
        issue_psu(uow, tps, "ppwp", KPU, quantity=5_000, at=T0, now=T0)
    assert caught.value.key == "incident.psu.not_enough"
    assert caught.value.params["wanted"] == 5_000
    assert counts(world) == before


def test_the_incident_and_psu_commands(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """open, ack, act, resolve and list from the command line; a step out of order exits 2."""
    monkeypatch.setenv("SALUR_DATABASE_URL", world.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SALUR_LANG", "en")
    app = typer.Typer()
    app.add_typer(incidents_cli.app, name="incidents")
    app.add_typer(incidents_cli.psu_app, name="psu")
    run = CliRunner().invoke
    tps = nth_tps(world, 12)
    opened = run(
        app, ["incidents", "open", "--kind", "loss", "--where", tps, "--as", "pps:" + desa(tps)]
    )
    assert opened.exit_code == 0, opened.output
    number = opened.output.split()[1]
    wrong = run(
        app, ["incidents", "resolve", number, "--resolution", "found", "--as", "kpu_kab:14.10"]
    )
    assert wrong.exit_code == 2 and "acknowledge" in wrong.output
    for args in (
        ["ack", number],
        ["act", number, "--action", "report_police"],
        ["resolve", number, "--resolution", "written_off"],
    ):
        result = run(app, ["incidents", *args, "--as", "kpu_kab:14.10"])
        assert result.exit_code == 0, result.output
    listed = run(app, ["incidents", "list", "--region", "14.10", "--state", "resolved"])
    assert listed.exit_code == 0 and tps in listed.output
    shown = run(app, ["psu", "show", "--tps", tps, "--ballot", "dprd_kab"])
    assert shown.exit_code == 0 and "dprd_kab" in shown.output
