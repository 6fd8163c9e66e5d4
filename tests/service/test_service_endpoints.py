"""Every area of the API answering from the real store: geography, needs, stock, kits and labels,
plans, shipments, handovers and their receipts and BAST, incidents, findings, reconciliation,
reports and the public log, after kits of desa A went to their TPS and back through sync."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from salur.ledger.note import parse_note
from salur.ledger.tlogproof import parse_receipt, verify_receipt
from salur.ledger.witness import ConsistencyProof, Witness
from salur.needs.rollup import rollup
from salur.needs.service import calculate
from salur.norms.loader import load_norm
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import MERANTI
from tests.service.world import (
    DISTRICT_A,
    SCOPES,
    TPS_A,
    VILLAGE_A,
    World,
    signed,
    username,
)

OTHER, REFUSED = "1410011001003", "1410011001004"


def sync(client: TestClient, world: World, role: str, device: str, events: list[Any]) -> Any:
    body = {
        "events": [
            {"idempotency_key": f"{device}-ep-{n:04d}", "sequence": n, "submission": e}
            for n, e in enumerate(events, start=1)
        ]
    }
    answer = client.post(f"/devices/{device}/sync", json=body, headers=world.auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


@pytest.fixture(scope="module")
def journey(world: World, app: Any) -> dict[str, Any]:
    """TPS A's kit to its TPS, opened and sealed again with one kotak's tally short; another
    kit to its PPS; a kit of another dapil refused; a flood report: every kind of record the
    read routes show, all through sync."""
    wrong = world.handover(REFUSED, "warehouse_ppk")
    wrong["event"]["items"][1]["dapil"] = "1402"
    with TestClient(app, base_url="https://testserver") as client:
        ppk = sync(
            client,
            world,
            "ppk",
            "D-PPK-141001",
            [
                *(world.handover(TPS_A, hop) for hop in ("warehouse_ppk", "ppk_pps", "pps_kpps")),
                *(world.handover(OTHER, hop) for hop in ("warehouse_ppk", "ppk_pps")),
                signed(wrong["event"]),
            ],
        )
        kpps = sync(
            client,
            world,
            "kpps",
            "D-KPPS-141001100",
            [world.at_tps(TPS_A, "opening"), world.at_tps(TPS_A, "sealed_return", short=3)],
        )
        pps = sync(client, world, "pps", "D-PPS-14100110", [world.incident("2024-02-12T03:00:00Z")])
    return {"ppk": ppk, "kpps": kpps, "pps": pps}


def test_the_journey_was_accepted_except_the_kit_of_another_dapil(
    journey: dict[str, Any],
) -> None:
    """The records the other tests read are in the store (and refused where they should be)."""
    assert [r["status"] for r in journey["ppk"]] == ["accepted"] * 5 + ["refused"]
    assert journey["ppk"][-1]["code"] == "tepat_refused"
    assert {r["status"] for r in journey["kpps"] + journey["pps"]} == {"accepted"}


def test_geography_lists_regions_and_their_tps(client: TestClient) -> None:
    """Provinces, a regency's kecamatan with parents, a desa's TPS: public, by code."""
    assert {"14", "13"} <= {p["code"] for p in client.get("/geography").json()}
    regency = client.get(f"/geography/{MERANTI}").json()
    assert regency["name"] == "Kabupaten Kepulauan Meranti"
    assert regency["tps"] == 677 and len(regency["children"]) == 9
    assert [p["code"] for p in regency["parents"]] == ["14"]
    tps = client.get(f"/geography/{VILLAGE_A}/tps").json()
    assert len(tps) == 34 and tps[0]["code"] == TPS_A
    one = client.get(f"/geography/{TPS_A}").json()
    assert one["level"] == "tps" and [p["code"] for p in one["parents"]][-1] == VILLAGE_A
    assert client.get("/geography/14.99").status_code == 404


def test_needs_are_the_engines_rolled_up_to_the_asked_level(
    world: World, client: TestClient
) -> None:
    """What the API returns is what the needs engine computes for the region."""
    rows = client.get(f"/needs/{DISTRICT_A}", params={"level": "pps"}, headers=world.auth("ppk"))
    assert rows.status_code == 200
    with UnitOfWork(world.engine) as uow:
        expected = rollup(calculate(uow.session, DISTRICT_A, load_norm()), "pps")
    assert len(rows.json()) == len(expected)
    assert sum(r["quantity"] for r in rows.json()) == int(expected["quantity"].sum())
    one = client.get(f"/needs/{TPS_A}", headers=world.auth("kpps")).json()
    assert one and {r["region"] for r in one} == {TPS_A}
    unknown = client.get(
        f"/needs/{DISTRICT_A}", params={"norm": "../etc/passwd"}, headers=world.auth("ppk")
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "norm"


def test_a_needs_run_is_stored_by_kpu(world: World, client: TestClient) -> None:
    """KPU recomputes a kecamatan's needs; the run in force is reported back."""
    answer = client.post(f"/needs/{DISTRICT_A}/runs", json={}, headers=world.auth("kpu_regency"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["tps"] == 202 and answer.json()["run_id"] > 0


def test_stock_levels_shortage_and_papers_of_the_regency(
    world: World, client: TestClient, tmp_path: Path
) -> None:
    """Stock on hand after packing, no shortage, and a receipt CSV recorded once; a paper for
    another regency in the upload is refused naming its row and column."""
    headers = world.auth("kpu_regency")
    levels = client.get(f"/stock/{MERANTI}", headers=headers).json()
    assert levels and all(row["region"] == MERANTI for row in levels)
    assert sum(row["packed"] for row in levels) > 0
    shortage = client.get(f"/stock/{MERANTI}/shortage", headers=headers).json()
    assert shortage and all(row["shortage"] == 0 for row in shortage)
    paper = "regency,supplier,note_number,date,item,dapil,quantity\n"
    ok = paper + f"{MERANTI},PT Percetakan,SJ-API-1,2024-01-20,tinta,,50\n"
    recorded = client.post(
        f"/stock/{MERANTI}/papers",
        params={"kind": "receipt", "name": "sj-api-1.csv"},
        content=ok.encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["movements"] == 1
    again = client.post(
        f"/stock/{MERANTI}/papers",
        params={"kind": "receipt"},
        content=ok.encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert again.json()["already"] and again.json()["movements"] == 0
    foreign = paper + "14.72,PT Percetakan,SJ-API-2,2024-01-20,tinta,,50\n"
    refused = client.post(
        f"/stock/{MERANTI}/papers",
        params={"kind": "receipt"},
        content=foreign.encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "regency"


def test_kits_show_where_each_package_is_and_its_history(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """After the journey, TPS A's packages are resealed at the KPPS, with five events each."""
    packages = client.get(f"/kits/{TPS_A}", headers=world.auth("kpps")).json()
    assert len(packages) == 7
    assert {(p["custody"]["holder_level"], p["custody"]["phase"]) for p in packages} == {
        ("kpps", "resealed")
    }
    detail = client.get(f"/packages/{packages[0]['id']}", headers=world.auth("pps")).json()
    assert [h["kind"] for h in detail["history"]][:5] == [
        "handover",
        "handover",
        "handover",
        "opening",
        "sealed_return",
    ]


def test_label_sheets_are_a_pdf_of_the_regions_packages(world: World, client: TestClient) -> None:
    """A4 labels of one TPS's kit, in English on request."""
    answer = client.get(
        f"/kits/{TPS_A}/labels.pdf", params={"lang": "en"}, headers=world.auth("kpps")
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")


def test_packing_again_packs_nothing_new(world: World, client: TestClient) -> None:
    """Every Meranti TPS has its kit already: packing is idempotent."""
    answer = client.post(f"/kits/{MERANTI}/pack", json={}, headers=world.auth("kpu_regency"))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["packed"], answer.json()["already"]) == (0, 677)


def test_plans_versions_routes_and_the_stops_in_a_kecamatan(
    world: World, client: TestClient
) -> None:
    """Meranti's stored plan, whole for KPU, and its stops in kecamatan A for the PPK."""
    plans = client.get(f"/plans/{MERANTI}", headers=world.auth("kpu_regency")).json()
    assert [(p["region"], p["version"]) for p in plans] == [(MERANTI, 1)]
    plan = client.get(f"/plan/{plans[0]['id']}", headers=world.auth("police_escort")).json()
    assert plan["routes"] and plan["summary"]["tps"] == 677
    stops = client.get(f"/plans/{DISTRICT_A}/stops", headers=world.auth("ppk")).json()
    assert stops["plan"]["id"] == plans[0]["id"] and stops["stops"]
    served = {t for s in stops["stops"] for t in s["loaded"] + s["unloaded"]}
    assert served and all(t.startswith("141001") for t in served)


def test_shipments_and_the_public_status_count_what_moved(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """Desa A's status: two kits at their TPS, the rest at the warehouse; no names anywhere."""
    status = client.get(f"/shipments/{VILLAGE_A}/status").json()
    assert status["tps"] == 34 and status["kits"] == 34
    held = {(h["level"], h["phase"]): h["packages"] for h in status["holders"]}
    assert held[("kpps", "resealed")] == 7 and held[("pps", "outbound")] == 7
    assert held[("warehouse", "outbound")] == 34 * 7 - 14
    assert status["events"]["handover"] == 5
    moving = client.get(
        f"/shipments/{VILLAGE_A}", params={"in_transit": False}, headers=world.auth("police_escort")
    )
    assert len(moving.json()) == 34 * 7


def test_handovers_events_receipts_and_the_bast(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """The PPS lists its desa's handovers; an event reads exactly as logged, its receipt
    verifies against the log key, and its BAST is a PDF."""
    listed = client.get(f"/handovers/{VILLAGE_A}", headers=world.auth("pps")).json()
    mine = {e["id"] for e in listed}
    ids = [r["event_id"] for r in journey["ppk"][1:3]]  # ppk_pps, pps_kpps of TPS A
    assert set(ids) <= mine
    first = journey["ppk"][0]["event_id"]  # warehouse -> PPK: inside desa A too (TPS A only)
    assert first in mine
    detail = client.get(f"/events/{ids[1]}", headers=world.auth("kpps")).json()
    assert detail["entry"]["event"]["hop"] == "pps_kpps"
    proof = client.get(f"/events/{ids[1]}/receipt", headers=world.auth("kpps"))
    log = client.get("/log").json()[0]
    receipt = parse_receipt(proof.content)
    assert receipt.extra is not None
    verify_receipt(proof.content, log_vkey=log["vkey"], entry=receipt.extra)
    bast = client.get(f"/events/{ids[1]}/bast.pdf", headers=world.auth("pps"))
    assert bast.status_code == 200 and bast.content.startswith(b"%PDF")


def test_incidents_name_their_findings(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """The refused kit's incident says which dapil; the flood report concerns no package."""
    incidents = client.get(
        f"/incidents/{VILLAGE_A}", params={"lang": "en"}, headers=world.auth("pps")
    ).json()
    categories = {i["category"] for i in incidents}
    assert {"refused", "flood", "reconciliation"} <= categories
    refused = next(i for i in incidents if i["category"] == "refused")
    assert refused["findings"][0]["code"] == "wrong_dapil"
    assert "1402" in refused["findings"][0]["message"]


def test_bawaslu_files_findings_that_the_region_reads(world: World, client: TestClient) -> None:
    """A finding filed by Bawaslu is read by the desa's PPS; it cannot be filed by KPU."""
    finding = {"category": "unsealed", "subject": TPS_A, "description": "Segel kotak DPR rusak."}
    filed = client.post(f"/findings/{TPS_A}", json=finding, headers=world.auth("bawaslu"))
    assert filed.status_code == 201, filed.text
    read = client.get(f"/findings/{VILLAGE_A}", headers=world.auth("pps")).json()
    assert any(f["id"] == filed.json()["id"] and f["filed_by"] == username("bawaslu") for f in read)
    kpu = client.post(f"/findings/{TPS_A}", json=finding, headers=world.auth("kpu_regency"))
    assert kpu.status_code == 403


def test_reconciliation_flags_the_kotak_with_ballots_missing(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """Issued = used + unused + damaged: the short tally is named, the balanced one is not."""
    tallies = client.get(f"/reconciliation/{VILLAGE_A}", headers=world.auth("ppk")).json()
    assert len(tallies) == 5 and {t["tps"] for t in tallies} == {TPS_A}
    flagged = [t for t in tallies if t["findings"]]
    assert len(flagged) == 1 and flagged[0]["findings"][0]["code"] == "balance_mismatch"
    assert (
        flagged[0]["issued"] - flagged[0]["used"] - flagged[0]["unused"] - flagged[0]["damaged"]
        == 3
    )
    assert (
        client.get(f"/reports/{VILLAGE_A}/summary", headers=world.auth("kpps")).status_code == 403
    )
    summary = client.get(f"/reports/{VILLAGE_A}/summary", headers=world.auth("pps")).json()
    assert (summary["kotak_reconciled"], summary["kotak_mismatched"]) == (5, 1)


def test_the_needs_report_renders_with_inline_charts(world: World, client: TestClient) -> None:
    """The HTML needs report of a kecamatan, charts as inline SVG, no external scripts."""
    answer = client.get(f"/reports/{DISTRICT_A}/needs.html", headers=world.auth("bawaslu"))
    assert answer.status_code == 200 and "<svg" in answer.text
    assert not re.search(r"<script[^>]+src=", answer.text)


def test_the_public_log_proves_inclusion_and_consistency(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """Leaf hashes and proofs verify against the signed checkpoint; raw entries need sign-in."""
    note = client.get("/log/14/checkpoint").content
    checkpoint = parse_checkpoint(parse_note(note).text)
    index = journey["ppk"][0]["log_index"]
    public = client.get(f"/log/14/entries/{index}").json()
    raw = client.get(f"/log/14/entries/{index}/raw", headers=world.auth("ppk"))
    assert base64.b64decode(public["leaf_hash"]) == hash_leaf(raw.content)
    assert client.get(f"/log/14/entries/{index}/raw").status_code == 401
    proof = client.get("/log/14/proofs/inclusion", params={"index": index}).json()
    verify_inclusion(
        hash_leaf(raw.content),
        index=index,
        size=checkpoint.size,
        proof=[base64.b64decode(h) for h in proof["proof"]],
        root=checkpoint.root_hash,
    )
    consistency = client.get("/log/14/proofs/consistency", params={"old": 1}).json()
    first = client.get("/log/14/entries", params={"start": 0, "limit": 1}).json()[0]
    verify_consistency(
        old_size=1,
        new_size=checkpoint.size,
        old_root=base64.b64decode(first["leaf_hash"]),
        new_root=checkpoint.root_hash,
        proof=[base64.b64decode(h) for h in consistency["proof"]],
    )


def test_bawaslu_cosigns_the_checkpoint_as_a_witness(
    world: World, client: TestClient, tmp_path: Path, journey: dict[str, Any]
) -> None:
    """KPU registers Bawaslu's witness key; Bawaslu's cosignature then rides on the checkpoint."""
    witness = Witness.create(tmp_path / "witness", "bawaslu.go.id/riau")
    log = client.get("/log").json()[0]
    witness.trust(log["vkey"])
    registered = client.post(
        "/log/14/witnesses", json={"vkey": witness.vkey}, headers=world.auth("kpu_province")
    )
    assert registered.status_code == 201, registered.text
    note = client.get("/log/14/checkpoint").content
    cosigned = witness.cosign(note, ConsistencyProof(0))
    stored = client.post(
        "/log/14/cosignatures",
        content=cosigned,
        headers=world.auth("bawaslu") | {"Content-Type": "text/plain"},
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["witnesses"] == ["bawaslu.go.id/riau"]
    assert "bawaslu.go.id/riau" in client.get("/log/14/checkpoint").text


def test_the_public_sees_no_personal_data(
    world: World, client: TestClient, journey: dict[str, Any]
) -> None:
    """No name, phone number, device id or pseudonym in anything the public can read."""
    size = parse_checkpoint(parse_note(client.get("/log/14/checkpoint").content).text).size
    public = [
        "/geography",
        f"/geography/{MERANTI}",
        f"/geography/{VILLAGE_A}/tps",
        f"/shipments/{VILLAGE_A}/status",
        f"/shipments/{MERANTI}/status",
        "/log",
        "/log/14/checkpoint",
        f"/log/14/entries?start=0&limit={size}",
        "/log/14/proofs/inclusion?index=0",
        "/log/14/proofs/consistency?old=1",
        *(f"/log/14/entries/{i}" for i in range(size)),
    ]
    personal = re.compile(r"Petugas|\+62|p-[0-9a-f]{32}|\bD-[A-Z]{2,}-")
    for url in public:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        found = personal.search(answer.text)
        assert found is None, (url, answer.text[max(found.start() - 80, 0) : found.end() + 80])
    entries = client.get("/log/14/entries", params={"start": 0, "limit": size}).json()
    assert any(e["entry"].get("event", {}).get("type") == "handover" for e in entries)
    raw_text = json.dumps(entries)
    assert '"person"' not in raw_text and '"sig"' not in raw_text
    assert all(role in SCOPES for role in SCOPES)
