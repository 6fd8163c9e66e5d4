"""`salur custody` end to end on an SQLite file with Meranti packed: devices, a signed handover
file, its receipt verified by `salur verify`, the BAST, a package's history."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from salur.cli import custody as custody_cli
from salur.cli import ledger as ledger_cli
from salur.cli import main as main_cli
from salur.custody.models import CustodyEvent
from salur.db import make_engine, migrate
from salur.geo.models import Tps, Village
from salur.kits.models import Kit, KitPackage
from salur.kits.service import pack_regency
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import (
    MERANTI,
    load_regency,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
    write_regency_folder,
)

runner = CliRunner()


def build_app() -> typer.Typer:
    """The `salur` app with the lines main.py gets for custody (added by the lead)."""
    app = typer.Typer()
    app.callback()(main_cli.main)
    app.add_typer(ledger_cli.app, name="ledger")
    app.add_typer(custody_cli.app, name="custody")
    app.command("verify")(ledger_cli.verify)
    return app


APP = build_app()


class Salur:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.url = f"sqlite:///{tmp / 'salur.sqlite'}"
        self.env = {"SALUR_DATABASE_URL": self.url, "SALUR_KEY_DIR": str(tmp / "keys")}

    def __call__(self, *args: str) -> Result:
        return runner.invoke(APP, list(args), env=self.env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.stdout


@pytest.fixture(name="salur")
def salur_cli(tmp_path: Path) -> Salur:
    """An SQLite store with Meranti packed from full stock and Riau's log created."""
    cli = Salur(tmp_path)
    engine = make_engine(cli.url)
    migrate(engine)
    load_regency(engine, write_regency_folder(tmp_path / "meranti"))
    needs, reserve = tps_totals(needs_of(engine)), psu_totals(engine)
    stock = {key: needs.get(key, 0) + reserve.get(key, 0) for key in {*needs, *reserve}}
    receive_all(engine, tmp_path, stock, "SJ-001")
    with UnitOfWork(engine) as uow:
        pack_regency(uow, MERANTI)
    engine.dispose()
    cli.ok("ledger", "init", "--election", "pemilu-2024", "--province", "14")
    return cli


def first_kit(url: str) -> tuple[str, list[dict[str, object]]]:
    engine = make_engine(url)
    with Session(engine) as s:
        kit = s.scalars(select(Kit).order_by(Kit.id).limit(1)).one()
        packages = s.scalars(
            select(KitPackage).where(KitPackage.kit_id == kit.id).order_by(KitPackage.seq)
        ).all()
        items: list[dict[str, object]] = []
        for p in packages:
            item: dict[str, object] = {"package": p.id}
            if p.kind == "kotak":
                item |= {"ballot_type": p.ballot_type, "dapil": p.dapil}
            items.append(item)
        district = s.execute(
            select(Village.district_code)
            .join(
                Tps,
                Tps.village_code == Village.code,
            )
            .where(Tps.id == kit.tps_id)
        ).scalar_one()
    engine.dispose()
    return district, items


def test_a_handover_signed_recorded_verified_and_printed_from_the_command_line(
    salur: Salur, tmp_path: Path
) -> None:
    """device-key, register-device, sign, record --receipts, verify, bast and history."""
    secret = tmp_path / "secret"
    secret.write_bytes(b"office-secret-for-pseudonyms-0001")
    district, items = first_kit(salur.url)
    people = {}
    for role, region in (("kpu_kab", MERANTI), ("ppk", district)):
        vkey = salur.ok(
            "custody", "device-key", "--device", f"D-{role}", "--out", f"{tmp_path}/{role}.key"
        )
        people[role] = salur.ok(
            "custody", "pseudonym", f"NIK-{role}", "--secret-file", str(secret)
        ).strip()
        salur.ok(
            "custody",
            "register-device",
            vkey.strip(),
            "--role",
            role,
            "--region",
            region,
            "--person",
            people[role],
        )
    event = {
        "event": {
            "v": 1,
            "type": "handover",
            "election": "pemilu-2024",
            "at": "2024-02-05T02:00:00Z",
            "hop": "warehouse_ppk",
            "giver": {
                "role": "kpu_kab",
                "region": MERANTI,
                "person": people["kpu_kab"],
                "device": "D-kpu_kab",
            },
            "receiver": {
                "role": "ppk",
                "region": district,
                "person": people["ppk"],
                "device": "D-ppk",
            },
            "items": items,
        }
    }
    file = tmp_path / "handover.json"
    file.write_text(json.dumps(event))
    salur.ok("custody", "sign", str(file), "--key", f"{tmp_path}/kpu_kab.key", "--as", "giver")
    salur.ok("custody", "sign", str(file), "--key", f"{tmp_path}/ppk.key", "--as", "receiver")
    recorded = salur("custody", "record", str(file), "--receipts", str(tmp_path / "receipts"))
    assert recorded.exit_code == 0, recorded.output
    assert "tidak ada saksi" in recorded.stderr  # no witnesses: accepted with an incident
    engine = make_engine(salur.url)
    with Session(engine) as s:
        event_id = s.scalars(select(CustodyEvent.id).where(CustodyEvent.kind == "handover")).one()
    engine.dispose()
    receipt = tmp_path / "receipts" / f"event-{event_id}.tlog-proof"
    vkey = salur.ok("ledger", "key")
    salur.ok("verify", str(receipt), "--key", vkey.strip())
    salur.ok("custody", "bast", "--event", str(event_id), "--out", str(tmp_path / "bast.pdf"))
    assert (tmp_path / "bast.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "bast.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "BERITA ACARA SERAH TERIMA LOGISTIK PEMILU" in text and "Kepulauan Meranti" in text
    history = salur.ok("custody", "history", str(items[0]["package"]))
    assert "handover" in history


def test_a_tampered_event_file_is_refused_with_a_clear_message(
    salur: Salur, tmp_path: Path
) -> None:
    """Changing the file after signing makes `record` exit 2 naming the bad signature."""
    district, items = first_kit(salur.url)
    vkey = salur.ok("custody", "device-key", "--device", "D-ppk", "--out", f"{tmp_path}/ppk.key")
    person = "p-" + "1" * 32
    salur.ok(
        "custody",
        "register-device",
        vkey.strip(),
        "--role",
        "ppk",
        "--region",
        district,
        "--person",
        person,
    )
    event = {
        "event": {
            "v": 1,
            "type": "seal_check",
            "election": "pemilu-2024",
            "at": "2024-02-06T02:00:00Z",
            "by": {"role": "ppk", "region": district, "person": person, "device": "D-ppk"},
            "items": items[:1],
        }
    }
    file = tmp_path / "check.json"
    file.write_text(json.dumps(event))
    salur.ok("custody", "sign", str(file), "--key", f"{tmp_path}/ppk.key", "--as", "by")
    signed = json.loads(file.read_text())
    signed["event"]["at"] = "2024-02-06T03:00:00Z"
    file.write_text(json.dumps(signed))
    result = salur("custody", "record", str(file))
    assert result.exit_code == 2
    assert "tidak sah" in result.stderr
