"""Tepat on a real store: wrong targets and dapil are refused with only an incident written;
short counts, broken seals, missing witnesses and reconciliation mismatches are accepted with a
discrepancy incident; late arrivals are flagged on the event."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from salur.custody import receipts, repository
from salur.custody.batch import Batch
from salur.custody.service import TepatRefusedError
from tests.integration.custody.world import World


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        table: after[table] - before[table] for table in before if after[table] != before[table]
    }


def refuse(world: World, submission: dict[str, Any]) -> TepatRefusedError:
    with pytest.raises(TepatRefusedError) as refused:
        world.record(submission)
    return refused.value


def test_a_kit_handed_to_the_wrong_pps_is_refused_and_only_the_incident_is_written(
    world: World,
) -> None:
    """The PPS of the next desa receives nothing: one incident event, its leaf, its finding."""
    kit, other = world.new_kit(), world.new_kit()
    world.walk(kit, "warehouse_ppk")
    wrong = world.hop(kit, "ppk_pps")["event"]
    wrong["receiver"] = world.party("pps", other.village)
    wrong["witnesses"] = world.witnesses("ppk_pps", other.village)
    before = world.counts()
    error = refuse(world, world.signed(wrong))
    assert {f.code for f in error.findings} == {"wrong_target"}
    assert delta(before, world.counts()) == {
        "custody_event": 1,
        "log": 1,
        "custody_finding": 3,
        "custody_item": 3,
    }
    row = world.package(kit.packages[0].package_id)
    assert row is not None and (row.holder_level, row.holder_region) == ("ppk", "14.10.01")
    with Session(world.engine) as s:
        entry = receipts.event_entry(s, error.incident.event_id)
    event = entry["event"]
    assert (event["type"], event["category"], event["source"]) == ("incident", "refused", "salur")
    assert event["cause"]["attempt"]["event"]["receiver"]["region"] == other.village
    assert entry["signatures"] == []


def test_a_kit_handed_to_the_wrong_tps_is_refused(world: World) -> None:
    """The KPPS of TPS 002 cannot take the kit of TPS 001 in the same desa."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps")
    wrong = world.hop(kit, "pps_kpps")["event"]
    wrong["receiver"] = world.party("kpps", kit.tps[:-1] + "2")
    before = world.counts()
    error = refuse(world, world.signed(wrong))
    assert error.key == "custody.refused" and error.status == 422
    assert [f.expected for f in error.findings] == [f"kpps {kit.tps}"] * 3
    assert delta(before, world.counts())["custody_event"] == 1
    assert world.package(kit.packages[0].package_id).holder_level == "pps"  # type: ignore[union-attr]


def test_a_kotak_holding_another_dapils_ballots_is_refused(world: World) -> None:
    """DPR ballots of dapil 1401 at a TPS of dapil 1402: refused, recorded, nothing moves."""
    kit = world.new_kit()
    items = world.items(kit)
    items[1]["dapil"] = "1401"
    before = world.counts()
    error = refuse(world, world.hop(kit, "warehouse_ppk", items=items))
    assert [(f.code, f.expected, f.found) for f in error.findings] == [
        ("wrong_dapil", "1402", "1401")
    ]
    assert delta(before, world.counts()) == {
        "custody_event": 1,
        "log": 1,
        "custody_finding": 1,
        "custody_item": 1,
    }
    assert world.package(kit.packages[1].package_id) is None


def test_the_same_refused_handover_sent_twice_is_one_incident(world: World) -> None:
    """A device retrying a refused upload does not flood the log with copies."""
    kit = world.new_kit()
    items = world.items(kit)
    items[1]["dapil"] = "1401"
    submission = world.hop(kit, "warehouse_ppk", items=items)
    first = refuse(world, submission)
    before = world.counts()
    second = refuse(world, submission)
    assert second.incident.event_id == first.incident.event_id
    assert world.counts() == before


def test_a_broken_seal_is_accepted_with_a_discrepancy_incident(world: World) -> None:
    """The kit moves on; the broken seal is an incident pointing at the handover's leaf."""
    kit = world.new_kit()
    items = world.items(kit)
    broken = items[0]["seals"].pop()
    items[0]["broken_seals"] = [broken]
    before = world.counts()
    done = world.record(world.hop(kit, "warehouse_ppk", items=items))
    assert [(f.code, f.found) for f in done.findings] == [("seal_broken", str(broken))]
    assert len(done.incidents) == 1
    assert delta(before, world.counts()) == {
        "custody_event": 2,
        "log": 2,
        "custody_item": 4,
        "custody_finding": 1,
        "custody_package": 3,
    }
    with Session(world.engine) as s:
        incident = receipts.event_entry(s, done.incidents[0])["event"]
    assert (incident["category"], incident["cause"]) == ("discrepancy", {"index": done.log_index})
    assert world.package(kit.packages[0].package_id).holder_level == "ppk"  # type: ignore[union-attr]


def test_a_short_count_at_opening_is_accepted_with_a_discrepancy(world: World) -> None:
    """83 ballots short in the DPR kotak (Indragiri Hulu, 2024): opened, and recorded."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    opening = world.ordinary_at_tps(kit, "opening")["event"]
    opening["items"][1]["count"] = 162
    done = world.record(world.signed(opening))
    assert [(f.code, f.expected, f.found) for f in done.findings] == [
        ("count_mismatch", "245", "162")
    ]
    assert world.package(kit.packages[1].package_id).phase == "opened"  # type: ignore[union-attr]


def test_a_missing_required_witness_is_a_discrepancy(world: World) -> None:
    """No police at the warehouse -> PPK handover: accepted, the missing group recorded."""
    kit = world.new_kit()
    hop = world.hop(kit, "warehouse_ppk")["event"]
    hop["witnesses"] = hop["witnesses"][:1]
    done = world.record(world.signed(hop))
    assert [(f.code, f.expected) for f in done.findings] == [("witness_missing", "polisi")]


def test_a_late_arrival_is_flagged_on_the_event_and_in_its_entry(world: World) -> None:
    """The kit reaching the TPS at 08:00 WIB on voting day missed the H-1 deadline."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps")
    done = world.record(world.hop(kit, "pps_kpps", at="2024-02-14T01:00:00Z"))
    assert done.late is True and done.incidents == ()
    with Session(world.engine) as s:
        entry = receipts.event_entry(s, done.event_id)
    assert entry["recorded"] == {"deadline": "2024-02-13T16:59:59Z", "late": True}


def test_a_balanced_return_has_no_reconciliation_incident(world: World) -> None:
    """245 issued = 200 used + 43 unused + 2 damaged, and 200 voters used 200 ballots."""
    kit = world.new_kit()
    done = world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening", "sealed_return")
    assert done[-1].incidents == ()
    with Session(world.engine) as s:
        report = receipts.reconciliation(s, kit.village, packages=world.kits)
    assert [(t.ballot_type, t.issued, findings) for t, findings in report] == [
        ("dpr", 245, []),
        ("ppwp", 245, []),
    ]


def test_reconciliation_mismatches_become_an_incident(world: World) -> None:
    """Ballots unaccounted for and more ballots used than voters: accepted, one incident."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening")
    sealed = world.ordinary_at_tps(kit, "sealed_return")["event"]
    sealed["items"][1]["tally"] = {"used": 205, "unused": 36, "damaged": 2, "voters": 200}
    done = world.record(world.signed(sealed))
    assert [(f.code, f.expected, f.found) for f in done.findings] == [
        ("balance_mismatch", "245", "243"),
        ("attendance_mismatch", "200", "205"),
    ]
    with Session(world.engine) as s:
        incident = receipts.event_entry(s, done.incidents[0])["event"]
        report = receipts.reconciliation(s, kit.tps, packages=world.kits)
    assert incident["category"] == "reconciliation"
    assert [len(findings) for _, findings in report] == [2, 0]


def test_issued_ballots_are_the_count_found_at_the_tps(world: World) -> None:
    """When the KPPS counted 240 at opening, the balance is checked against 240, not 245."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    opening = world.ordinary_at_tps(kit, "opening")["event"]
    opening["items"][0]["count"] = 240
    world.record(world.signed(opening))
    sealed = world.ordinary_at_tps(kit, "sealed_return")["event"]
    sealed["items"][0]["tally"] = {"used": 200, "unused": 38, "damaged": 2, "voters": 200}
    assert world.record(world.signed(sealed)).findings == ()


def test_a_failure_after_the_append_leaves_neither_event_nor_leaf(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Event and leaf commit together: an error after appending rolls back both."""
    kit = world.new_kit()

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("power cut after the append")

    monkeypatch.setattr(Batch, "flush", crash)
    before = world.counts()
    with pytest.raises(RuntimeError):
        world.record(world.hop(kit, "warehouse_ppk"))
    assert world.counts() == before
    monkeypatch.undo()
    assert world.record(world.hop(kit, "warehouse_ppk")).log_index == before["log"]


def test_counts_at_the_tps_are_the_same_read_in_chunks(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's packages are read a chunk at a time; the latest count wins in every chunk."""
    kits = [world.new_kit() for _ in range(3)]
    for n, kit in enumerate(kits):
        world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
        opening = world.ordinary_at_tps(kit, "opening")["event"]
        opening["items"][0]["count"] = 240 - n  # differs from the count on arrival
        world.record(world.signed(opening))
    ids = [p.package_id for kit in kits for p in kit.packages]
    with Session(world.engine) as s:
        whole = repository.counts_at_tps(s, ids)
        monkeypatch.setattr(repository, "CHUNK", 2)
        chunked = repository.counts_at_tps(s, ids)
    assert chunked == whole and len(whole) == len(ids)
    assert [whole[kit.packages[0].package_id] for kit in kits] == [240, 239, 238]
