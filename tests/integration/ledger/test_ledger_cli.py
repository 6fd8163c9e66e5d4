"""`salur ledger`, `salur verify` and `salur witness` end to end on an SQLite file."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from salur.cli import ledger as ledger_cli
from salur.cli import main as main_cli
from salur.db import make_engine
from salur.ledger import service
from salur.ledger.keys import Ed25519Signer
from salur.ledger.service import canonical_entry
from salur.uow import UnitOfWork
from tests.conftest import new_engine
from tests.integration.ledger.conftest import handover

runner = CliRunner()


def build_app() -> typer.Typer:
    """The `salur` app with the lines main.py gets for the ledger (added by the lead)."""
    app = typer.Typer()
    app.callback()(main_cli.main)
    app.add_typer(ledger_cli.app, name="ledger")
    app.add_typer(ledger_cli.witness_app, name="witness")
    app.command("verify")(ledger_cli.verify)
    return app


APP = build_app()


class Salur:
    """Runs `salur ...` against one store, key folder and witness folder."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {
            "SALUR_DATABASE_URL": f"sqlite:///{tmp / 'salur.sqlite'}",
            "SALUR_KEY_DIR": str(tmp / "keys"),
            "SALUR_WITNESS_DIR": str(tmp / "witness"),
        }

    def __call__(self, *args: str) -> Result:
        return runner.invoke(APP, list(args), env=self.env)

    def file(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)


@pytest.fixture
def salur(tmp_path: Path) -> Iterator[Salur]:
    """A CLI runner on a fresh SQLite store holding a log with 12 handovers and a checkpoint."""
    for engine in new_engine("sqlite", tmp_path):
        cli = Salur(tmp_path)
        result = cli("ledger", "init", "--election", "pemilu-2024", "--province", "14")
        assert result.exit_code == 0, result.output
        with UnitOfWork(engine) as uow:
            log = service.find_log(uow.session)
            for i in range(12):
                service.append_entry(uow.session, log, handover(i))
            uow.commit()
        assert cli("ledger", "sign").exit_code == 0
        yield cli


def test_init_prints_the_vkey_and_keeps_the_private_key_owner_only(salur: Salur) -> None:
    """The key file is mode 0600 under SALUR_KEY_DIR; a second init is refused, exit 2."""
    (key_file,) = (salur.tmp / "keys").iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    vkey = salur("ledger", "key").stdout
    assert vkey.startswith("salur.kpu.go.id/pemilu-2024/14+") and vkey.endswith("\n")
    again = salur("ledger", "init", "--election", "pemilu-2024", "--province", "14")
    assert again.exit_code == 2 and "sudah ada" in again.output


def test_data_commands_print_exact_bytes(salur: Salur) -> None:
    """`entry` is the canonical JSON, `checkpoint` the signed note, `proof` base64 lines."""
    assert salur("ledger", "entry", "7").stdout_bytes == canonical_entry(handover(7))
    note = salur("ledger", "checkpoint").stdout
    assert note.startswith("salur.kpu.go.id/pemilu-2024/14\n12\n") and "\n\n\u2014 " in note
    inclusion = salur("ledger", "proof", "--index", "7").stdout.splitlines()
    assert inclusion[0] == "index 7" and len(inclusion) == 1 + 4
    assert all(len(base64.b64decode(line)) == 32 for line in inclusion[1:])
    consistency = salur("ledger", "proof", "--old-size", "5").stdout.splitlines()
    assert consistency[0] == "old 5"
    assert salur("ledger", "proof").exit_code == 2


def test_verify_exits_0_for_a_good_receipt_and_1_with_the_reason_otherwise(salur: Salur) -> None:
    """Good receipt 0; altered proof, altered or other entry, wrong key, missing witness 1."""
    receipt = salur("ledger", "receipt", "3").stdout_bytes
    vkey = salur.file("log.vkey", salur("ledger", "key").stdout_bytes)
    good = salur("verify", salur.file("good.tlog-proof", receipt), "--key", vkey)
    assert good.exit_code == 0 and "SAH: entri #3" in good.output

    lines = receipt.split(b"\n")
    flipped = base64.b64encode(
        bytes([base64.b64decode(lines[3])[0] ^ 1]) + base64.b64decode(lines[3])[1:]
    )
    bad_proof = b"\n".join([*lines[:3], flipped, *lines[4:]])
    result = salur("verify", salur.file("bad.tlog-proof", bad_proof), "--key", vkey)
    assert result.exit_code == 1 and "TIDAK SAH" in result.output and "indeks 3" in result.output

    forged = receipt.replace(lines[1], b"extra " + base64.b64encode(b'{"kotak":"palsu"}'))
    result = salur("verify", salur.file("forged.tlog-proof", forged), "--key", vkey)
    assert result.exit_code == 1 and "tidak tercatat" in result.output

    other = salur.file("other.json", canonical_entry(handover(4)))
    result = salur("verify", salur.file("r.tlog-proof", receipt), "--key", vkey, "--entry", other)
    assert result.exit_code == 1 and "berbeda" in result.output

    impostor = Ed25519Signer.generate("salur.kpu.go.id/pemilu-2024/14").verifier().vkey
    result = salur("verify", salur.file("r1.tlog-proof", receipt), "--key", impostor)
    assert result.exit_code == 1 and "tidak ditandatangani" in result.output
    assert (
        salur("verify", salur.file("r2.tlog-proof", receipt), "--key", "bukan-kunci").exit_code == 2
    )

    witness_vkey = salur("witness", "init", "--name", "bawaslu.go.id/riau").stdout.strip()
    result = salur(
        "verify", salur.file("r3.tlog-proof", receipt), "--key", vkey, "--witness", witness_vkey
    )
    assert result.exit_code == 1 and "bawaslu.go.id/riau" in result.output
    english = salur(
        "--lang",
        "en",
        "verify",
        salur.file("r4.tlog-proof", receipt),
        "--key",
        vkey,
        "--witness",
        witness_vkey,
    )
    assert english.exit_code == 1 and "did not cosign" in english.output


def test_a_witness_cosigns_growth_and_refuses_rollback_through_the_cli(salur: Salur) -> None:
    """Cosign from the store, then from files with a proof; an older checkpoint exits 1."""
    witness_vkey = salur("witness", "init", "--name", "bawaslu.go.id/riau").stdout.strip()
    assert salur("witness", "trust", salur("ledger", "key").stdout.strip()).exit_code == 0
    assert salur("ledger", "add-witness", witness_vkey).exit_code == 0
    first = salur("witness", "cosign", "--from-db")
    assert first.exit_code == 0, first.output
    old_checkpoint = salur.file("old.checkpoint", salur("ledger", "checkpoint").stdout_bytes)

    with UnitOfWork(make_engine(salur.env["SALUR_DATABASE_URL"])) as uow:
        log = service.find_log(uow.session)
        service.append_entry(uow.session, log, handover(12))
        uow.commit()
    assert salur("ledger", "sign").exit_code == 0
    checkpoint = salur.file("new.checkpoint", salur("ledger", "checkpoint").stdout_bytes)
    proof = salur.file("proof", salur("ledger", "proof", "--old-size", "12").stdout_bytes)
    cosigned = salur("witness", "cosign", checkpoint, "--proof", proof)
    assert cosigned.exit_code == 0, cosigned.output
    stored = salur("ledger", "add-cosignature", salur.file("cosigned", cosigned.stdout_bytes))
    assert stored.exit_code == 0 and "bawaslu.go.id/riau" in stored.output

    receipt = salur.file("r.tlog-proof", salur("ledger", "receipt", "12").stdout_bytes)
    vkey = salur("ledger", "key").stdout.strip()
    assert salur("verify", receipt, "--key", vkey, "--witness", witness_vkey).exit_code == 0

    empty = salur.file("empty-proof", b"old 13\n")
    rollback = salur("witness", "cosign", old_checkpoint, "--proof", empty)
    assert rollback.exit_code == 1 and "rollback ditolak" in rollback.output
    assert "terakhir menandatangani ukuran 13" in salur("witness", "status").output
    assert salur("witness", "cosign", old_checkpoint).exit_code == 2  # no proof given
    request = salur.file("request", b"old 13\n\n" + Path(checkpoint).read_bytes())
    again = salur("witness", "cosign", request)  # an add-checkpoint body: same size, same root
    assert again.exit_code == 0, again.output
