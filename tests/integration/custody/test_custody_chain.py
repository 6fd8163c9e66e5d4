"""A kit's whole chain of custody through the service: out to the TPS, opened, sealed and back,
each event a leaf of the province's log, and impossible moves refused with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody import receipts, service
from salur.custody.events import EventInvalidError
from salur.custody.models import CustodyEvent
from salur.custody.signing import SignatureRejectedError
from salur.custody.states import CustodyRefusedError
from salur.ledger import repository as ledger_repo
from salur.uow import UnitOfWork
from tests.integration.custody.world import World


def test_a_kit_goes_out_to_its_tps_and_comes_back_sealed(world: World) -> None:
    """Eight ordinary events move every package warehouse -> TPS -> warehouse, on time."""
    kit = world.new_kit()
    done = world.walk(
        kit,
        "warehouse_ppk",
        "ppk_pps",
        "pps_kpps",
        "opening",
        "sealed_return",
        "kpps_pps",
        "pps_ppk",
        "ppk_warehouse",
    )
    assert [r.kind for r in done] == ["handover"] * 3 + ["opening", "sealed_return"] + [
        "handover"
    ] * 3
    assert all(r.incidents == () for r in done), [r.findings for r in done]
    assert [r.late for r in done[:3]] == [False, False, False]
    for package in kit.packages:
        row = world.package(package.package_id)
        assert row is not None
        assert (row.phase, row.holder_level, row.holder_region) == (
            "resealed",
            "warehouse",
            "14.10",
        )
    with Session(world.engine) as s:
        history = receipts.package_history(s, kit.kotak[0].package_id)
    assert [h.log_index for h in history] == [r.log_index for r in done]


def test_a_dispatch_is_received_by_its_addressee(world: World) -> None:
    """Dispatch then receipt is the same hop in two signed steps; the package is in transit
    between them."""
    kit = world.new_kit()
    dispatch = world.hop(kit, "warehouse_ppk")["event"]
    dispatch = {k: v for k, v in dispatch.items() if k not in ("receiver", "witnesses")}
    dispatch |= {"type": "dispatch", "to": {"role": "ppk", "region": "14.10.01"}}
    world.record(world.signed(dispatch))
    row = world.package(kit.packages[0].package_id)
    assert row is not None and (row.holder_level, row.to_level) == ("warehouse", "ppk")
    receipt = world.hop(kit, "warehouse_ppk")["event"]
    receipt = {k: v for k, v in receipt.items() if k != "giver"} | {"type": "receipt"}
    recorded = world.record(world.signed(receipt))
    assert recorded.late is False
    row = world.package(kit.packages[0].package_id)
    assert row is not None and (row.holder_level, row.to_level) == ("ppk", None)


def test_receiving_before_dispatch_is_refused_and_writes_nothing(world: World) -> None:
    """A receipt for a package nobody sent is a typed refusal; no row, no leaf."""
    kit = world.new_kit()
    receipt = world.hop(kit, "warehouse_ppk")["event"]
    receipt = {k: v for k, v in receipt.items() if k != "giver"} | {"type": "receipt"}
    before = world.counts()
    with pytest.raises(CustodyRefusedError) as refused:
        world.record(world.signed(receipt))
    assert refused.value.key == "custody.receive_before_dispatch"
    assert world.counts() == before


def test_handing_over_a_package_the_giver_does_not_hold_is_refused(world: World) -> None:
    """The PPS cannot hand the kit to the KPPS while the warehouse still holds it."""
    kit = world.new_kit()
    before = world.counts()
    with pytest.raises(CustodyRefusedError) as refused:
        world.record(world.hop(kit, "pps_kpps"))
    assert refused.value.key == "custody.not_holder"
    assert world.counts() == before


def test_opening_before_voting_day_is_refused(world: World) -> None:
    """At 23:30 WIB on H-1 (16:30 UTC) the kotak stay shut."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    early = world.ordinary_at_tps(kit, "opening")["event"] | {"at": "2024-02-13T16:30:00Z"}
    with pytest.raises(CustodyRefusedError) as refused:
        world.record(world.signed(early))
    assert refused.value.key == "custody.open_before_voting_day"


def test_returning_before_opening_is_refused(world: World) -> None:
    """A kotak never opened cannot start the way back."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    with pytest.raises(CustodyRefusedError) as refused:
        world.record(world.hop(kit, "kpps_pps"))
    assert refused.value.key == "custody.return_before_opening"


def test_a_forged_signature_is_refused_and_writes_nothing(world: World) -> None:
    """A receiver signature made with a key other than the registered one is refused."""
    kit = world.new_kit()
    submission = world.hop(kit, "warehouse_ppk")
    forged = dict(submission["signatures"][1])
    forged["sig"] = submission["signatures"][0]["sig"]
    submission["signatures"][1] = forged
    before = world.counts()
    with pytest.raises(SignatureRejectedError) as refused:
        world.record(submission)
    assert refused.value.key == "custody.signature_invalid"
    assert world.counts() == before


def test_a_resubmitted_event_returns_its_first_record(world: World) -> None:
    """Sync retries are safe: the same signed event is recorded once."""
    kit = world.new_kit()
    submission = world.hop(kit, "warehouse_ppk")
    first = world.record(submission)
    before = world.counts()
    again = world.record(submission)
    assert (again.event_id, again.log_index, again.duplicate) == (
        first.event_id,
        first.log_index,
        True,
    )
    assert world.counts() == before


def test_record_handover_accepts_handovers_only(world: World) -> None:
    """The BAST use case refuses an opening passed to it by mistake."""
    kit = world.new_kit()
    with pytest.raises(EventInvalidError), UnitOfWork(world.engine) as uow:
        service.record_handover(
            uow, world.ordinary_at_tps(kit, "opening"), packages=world.kits, rules=world.rules
        )


def test_a_seal_check_finds_a_missing_seal_and_moves_nothing(world: World) -> None:
    """The PPK checks the seals overnight: one is gone, a discrepancy; the kit stays put."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk")
    items = world.items(kit)
    missing = items[0]["seals"].pop()
    check = {
        "v": 1,
        "type": "seal_check",
        "election": "pemilu-2024",
        "at": "2024-02-06T01:00:00Z",
        "by": world.party("ppk", "14.10.01"),
        "witnesses": [world.party("panwascam", "14.10.01")],
        "items": items,
    }
    done = world.record(world.signed(check))
    assert [(f.code, f.expected) for f in done.findings] == [("seal_missing", str(missing))]
    row = world.package(kit.packages[0].package_id)
    assert row is not None and (row.holder_level, row.phase) == ("ppk", "outbound")


def test_a_device_reports_an_incident_on_packages(world: World) -> None:
    """A flooded TPS is reported from the KPPS's device, signed, logged, on the package's
    history; the packages' custody does not change."""
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    report = {
        "v": 1,
        "type": "incident",
        "election": "pemilu-2024",
        "at": "2024-02-13T23:00:00Z",
        "reporter": world.party("kpps", kit.tps),
        "category": "flood",
        "items": [{"package": p.package_id} for p in kit.packages],
        "photo_sha256": "cd" * 32,
    }
    done = world.record(world.signed(report))
    assert (done.kind, done.findings) == ("incident", ())
    with Session(world.engine) as s:
        history = receipts.package_history(s, kit.packages[0].package_id)
    assert (history[-1].kind, history[-1].category) == ("incident", "flood")
    assert world.package(kit.packages[0].package_id).holder_level == "kpps"  # type: ignore[union-attr]
    with pytest.raises(EventInvalidError):
        world.record(world.signed(report | {"category": "alien_abduction"}))


def test_every_event_is_a_leaf_and_every_leaf_an_event(world: World) -> None:
    """Across everything this module recorded: the events' indices are exactly 0..size-1."""
    with Session(world.engine) as s:
        indices = sorted(s.scalars(select(CustodyEvent.log_index)))
        assert indices == list(range(ledger_repo.log_size(s, world.log.id)))
