"""The fast season: `salur demo --region 14.05` (Pelalawan, 1,106 TPS) run for real, as a
command, on a fresh SQLite store with a real `salur serve` process; then its outcomes are read
back from the database and the files it wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem
from salur.db import make_engine
from salur.ledger import service as ledger
from salur.ledger.merkle import verify_consistency
from salur.ledger.models import LedgerCheckpoint, LedgerCosignature
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tree import root_hash
from salur.ledger.verify import check_receipt
from salur.planning.models import PlanRow
from salur.planning.service import recheck
from salur.season.facts import read_facts
from salur.uow import UnitOfWork

SALUR = str(Path(sys.executable).with_name("salur"))
REGION = "14.05"


@dataclass(frozen=True)
class Run:
    folder: Path
    out: Path
    engine: Engine
    stdout: str


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("season")
    env = os.environ | {
        "SALUR_DATABASE_URL": f"sqlite:///{folder / 'salur.sqlite'}",
        "SALUR_KEY_DIR": str(folder / "keys"),
        "COLUMNS": "200",
    }
    command = [SALUR, "--lang", "en", "demo", "--region", REGION, "--seed", "11"]
    done = subprocess.run(
        [*command, "--out", str(folder / "out")],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    engine = make_engine(env["SALUR_DATABASE_URL"])
    yield Run(folder, folder / "out", engine, done.stdout)
    engine.dispose()


def test_every_tps_is_served_or_has_an_open_incident_with_a_reason(season: Run) -> None:
    with Session(season.engine) as s:
        facts = read_facts(s, REGION)
    assert facts.tps == 1106
    assert facts.delivered + len(facts.unserved) == facts.tps
    assert all(reason for reason in facts.unserved.values()), facts.unserved
    assert facts.delivered >= facts.tps - 5  # the nominal season reaches (nearly) every TPS


def test_every_receipt_verifies_offline_and_a_tampered_one_does_not(season: Run) -> None:
    folder = season.out / "receipts"
    receipts = sorted(folder.glob("*.tlog-proof"))
    assert len(receipts) >= 6
    log_vkey = (folder / "log.vkey").read_text().strip()
    witness = (folder / "bawaslu.vkey").read_text().strip()
    for path in receipts:
        checked = check_receipt(path.read_bytes(), log_vkey=log_vkey, witness_vkeys=[witness])
        assert checked.witnesses == (witness.split("+")[0],)
    keys = ["--key", str(folder / "log.vkey"), "--witness", str(folder / "bawaslu.vkey")]
    ok = subprocess.run([SALUR, "verify", str(receipts[0]), *keys], capture_output=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    tampered = season.folder / "tampered.tlog-proof"
    data = bytearray(receipts[0].read_bytes())
    index = data.index(b"index ") + len(b"index ")
    data[index] = ord("9") if data[index] != ord("9") else ord("8")
    tampered.write_bytes(bytes(data))
    bad = subprocess.run([SALUR, "verify", str(tampered), *keys], capture_output=True)
    assert bad.returncode != 0


def test_reconciliation_balances_except_the_injected_case(season: Run) -> None:
    """The seed put one TPS where three more DPR ballots were used than voters came."""
    with Session(season.engine) as s:
        facts = read_facts(s, REGION)
    assert facts.tallies == 1106 * 5  # every kotak came back with its tally
    assert len(facts.mismatches) == 1
    ((_tps, ballot_type, code),) = facts.mismatches
    assert (ballot_type, code) == ("dpr", "attendance_mismatch")


def test_the_injected_custody_cases_became_incidents(season: Run) -> None:
    with Session(season.engine) as s:
        rows = s.execute(
            select(
                CustodyEvent.category,
                CustodyFinding.code,
                CustodyFinding.expected,
                CustodyFinding.found,
            )
            .join(CustodyFinding, CustodyFinding.event_id == CustodyEvent.id)
            .where(CustodyEvent.kind == "incident")
        ).all()
    seen = {(category, code) for category, code, _, _ in rows}
    assert ("refused", "wrong_dapil") in seen
    assert ("discrepancy", "seal_broken") in seen
    assert ("reconciliation", "attendance_mismatch") in seen
    shorts = [(e, f) for c, code, e, f in rows if code == "count_mismatch"]
    assert len(shorts) == 1 and int(shorts[0][0]) - int(shorts[0][1]) == 83


def test_the_boat_aground_was_replanned_and_the_repaired_plan_passes_the_checker(
    season: Run,
) -> None:
    with UnitOfWork(season.engine) as uow:
        plans = uow.session.scalars(
            select(PlanRow).where(PlanRow.region_code == REGION).order_by(PlanRow.version)
        ).all()
        assert len(plans) >= 2  # Kuala Kampar's boat aground: a second version
        _, report, _ = recheck(uow, plans[-1].id)
    assert report.ok, report.violations[:3]
    assert (
        "Kuala Kampar" in (season.out / "season.html").read_text()
        or "14.05.10" in (season.out / "season.html").read_text()
    )


def test_the_witness_last_cosigned_checkpoint_is_consistent_with_the_log(season: Run) -> None:
    state = json.loads((season.folder / "var/season/witness/state.json").read_text())
    ((origin, log_state),) = state["logs"].items() if "logs" in state else state.items()
    with Session(season.engine) as s:
        log = ledger.find_log(s, origin)
        store = SqlNodeStore(s, log.id)
        size = int(log_state["size"])
        assert 0 < size <= log.size
        proof = ledger.consistency_proof(s, log, size, log.size) if size < log.size else []
        verify_consistency(
            old_size=size,
            new_size=log.size,
            old_root=root_hash(store, size),
            new_root=root_hash(store, log.size),
            proof=proof,
        )
        cosigned = s.scalar(
            select(func.count())
            .select_from(LedgerCosignature)
            .join(LedgerCheckpoint, LedgerCheckpoint.id == LedgerCosignature.checkpoint_id)
            .where(LedgerCheckpoint.log_id == log.id, LedgerCheckpoint.size == size)
        )
    assert cosigned == 1


def test_the_report_numbers_are_the_database_numbers(season: Run) -> None:
    """Counted here with plain queries of our own, then looked up in the report's cards."""
    with Session(season.engine) as s:
        handovers = s.scalar(
            select(func.count()).select_from(CustodyEvent).where(CustodyEvent.kind == "handover")
        )
        incidents = s.scalar(
            select(func.count()).select_from(CustodyEvent).where(CustodyEvent.kind == "incident")
        )
        served = s.scalar(
            select(func.count(func.distinct(CustodyItem.tps_code)))
            .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
            .where(CustodyEvent.hop == "pps_kpps", CustodyEvent.kind == "handover")
        )
    html = (season.out / "season.html").read_text()
    cards = [
        (int(v.replace(",", "")), k.strip())
        for v, k in re.findall(r'<div class="v">([\d,]+)[^<]*</div><div class="k">([^<]+)', html)
    ]
    values = {k: v for v, k in cards}
    assert values["handovers (BAST) recorded"] == handovers
    assert values["incidents recorded"] == incidents
    assert f'<div class="v">{served:,} / 1,106</div>' in html
    assert f"{handovers:,} handovers" in season.stdout
