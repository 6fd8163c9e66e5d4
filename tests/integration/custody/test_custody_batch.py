"""A device's batch is recorded in one transaction, each event on its own: good events land,
a refused one leaves only its incident, a forged one leaves nothing, a repeat is found again,
and the batch as a whole commits once; checking its signatures ahead (outside the write lock)
changes none of that."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody import devices, service
from salur.custody.batch import Signed
from salur.custody.models import CustodyEvent
from salur.custody.packages import SealChanges
from salur.custody.service import TepatRefusedError
from salur.custody.signing import SignatureRejectedError
from salur.errors import SalurError
from salur.ledger.keys import Ed25519Signer
from salur.uow import UnitOfWork
from tests.integration.custody.world import World
from tests.integration.ledger.invariants import check_log


def batch(world: World, submissions: list[dict[str, Any]]) -> list[service.Recorded | SalurError]:
    with UnitOfWork(world.engine) as uow:
        return service.record_batch(uow, submissions, packages=world.kits, seals=world.kits)


def test_a_mixed_batch_records_each_event_as_record_event_would(world: World) -> None:
    good, wrong, forged = world.new_kit(), world.new_kit(), world.new_kit()
    accepted = world.hop(good, "warehouse_ppk")
    items = world.items(wrong)
    items[1]["dapil"] = "1401"  # another dapil's ballots in the DPR kotak
    refused = world.hop(wrong, "warehouse_ppk", items=items)
    bad = world.hop(forged, "warehouse_ppk")
    bad["signatures"][0]["sig"] = accepted["signatures"][0]["sig"]
    before = world.counts()

    results = batch(world, [accepted, refused, bad, accepted])

    first, no, forgery, again = results
    assert isinstance(first, service.Recorded) and not first.duplicate
    assert isinstance(no, TepatRefusedError)
    assert {f.code for f in no.findings} == {"wrong_dapil"}
    assert isinstance(forgery, SignatureRejectedError)
    assert isinstance(again, service.Recorded) and again.duplicate
    assert again.event_id == first.event_id
    after = world.counts()
    assert after["custody_event"] - before["custody_event"] == 2  # the handover, the incident
    assert after["log"] - before["log"] == 2
    assert no.incident.log_index == first.log_index + 1
    assert world.package(forged.packages[0].package_id) is None  # never moved
    assert world.package(wrong.packages[0].package_id) is None
    row = world.package(good.packages[0].package_id)
    assert row is not None and row.holder_level == "ppk"


def test_a_batch_then_the_same_batch_again_changes_nothing(world: World) -> None:
    """A phone that lost the response uploads the whole batch again."""
    kits = [world.new_kit() for _ in range(3)]
    submissions = [world.hop(kit, "warehouse_ppk") for kit in kits]
    first = batch(world, submissions)
    before = world.counts()
    second = batch(world, submissions)
    assert world.counts() == before
    assert [r.event_id for r in second if isinstance(r, service.Recorded)] == [
        r.event_id for r in first if isinstance(r, service.Recorded)
    ]
    assert all(isinstance(r, service.Recorded) and r.duplicate for r in second)


def test_an_event_refused_mid_batch_does_not_undo_the_events_before_it(world: World) -> None:
    """The second hop of a kit that never reached its PPK is impossible; the others stand."""
    kit, other = world.new_kit(), world.new_kit()
    results = batch(
        world,
        [world.hop(kit, "warehouse_ppk"), world.hop(other, "ppk_pps"), world.hop(kit, "ppk_pps")],
    )
    assert isinstance(results[0], service.Recorded)
    assert isinstance(results[1], SalurError) and not isinstance(results[1], service.Recorded)
    assert isinstance(results[2], service.Recorded)
    row = world.package(kit.packages[0].package_id)
    assert row is not None and row.holder_level == "pps"
    assert world.package(other.packages[0].package_id) is None


def prepared(world: World, submissions: list[dict[str, Any]]) -> list[Signed | SalurError]:
    with UnitOfWork(world.engine) as uow:
        return service.prepare_batch(uow.session, submissions)


def record_prepared(
    world: World, ready: list[Signed | SalurError]
) -> list[service.Recorded | SalurError]:
    with UnitOfWork(world.engine) as uow:
        results = service.record_batch_in(
            uow.session, ready, packages=world.kits, seals=world.kits, rules=world.rules
        )
        uow.commit()
        return results


def test_a_batch_prepared_ahead_is_recorded_as_the_same_batch_unprepared(world: World) -> None:
    """Checking signatures before the write lock changes no outcome: good, forged, not tepat."""
    good, wrong, forged = world.new_kit(), world.new_kit(), world.new_kit()
    items = world.items(wrong)
    items[1]["dapil"] = "1401"
    bad = world.hop(forged, "warehouse_ppk")
    bad["signatures"][1]["sig"] = bad["signatures"][0]["sig"]
    submissions = [
        world.hop(good, "warehouse_ppk"),
        world.hop(wrong, "warehouse_ppk", items=items),
        bad,
        {"event": {"type": "handover"}},
    ]
    ready = prepared(world, submissions)
    assert isinstance(ready[0], Signed) and len(ready[0].verified) == 4
    assert isinstance(ready[2], Signed) and len(ready[2].verified) == 3
    assert isinstance(ready[3], SalurError)
    results = record_prepared(world, ready)
    assert isinstance(results[0], service.Recorded)
    assert isinstance(results[1], TepatRefusedError)
    assert isinstance(results[2], SignatureRejectedError)
    assert results[2].key == "custody.signature_invalid"
    assert results[3] is ready[3]


def test_a_device_revoked_between_preparing_and_recording_is_refused(world: World) -> None:
    """Signatures are checked ahead outside the lock; the device's standing is read again
    inside it, so a phone reported stolen meanwhile signs nothing."""
    signer = Ed25519Signer.from_seed("D-PPK-STOLEN", b"\x51" * 32)
    with UnitOfWork(world.engine) as uow:
        devices.register_device(
            uow, signer.verifier().vkey, role="ppk", region="14.10", person=world.person("ppk")
        )
    kit = world.new_kit()
    world.signers["ppk"], original = signer, world.signers["ppk"]
    try:
        ready = prepared(world, [world.hop(kit, "warehouse_ppk")])
    finally:
        world.signers["ppk"] = original
    assert isinstance(ready[0], Signed) and ready[0].verified
    with UnitOfWork(world.engine) as uow:
        devices.revoke_device(uow, "D-PPK-STOLEN", now=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    before = world.counts()
    (result,) = record_prepared(world, ready)
    assert isinstance(result, SignatureRejectedError)
    assert result.key == "custody.device_revoked"
    assert world.counts() == before


class FailingRegistry:
    """The world's seal registry, failing when asked to move seals for the `fail_at`-th time."""

    def __init__(self, world: World, fail_at: int) -> None:
        self.world, self.fail_at, self.calls = world, fail_at, 0

    def unusable(self, session: Session, wanted: Mapping[int, str]) -> dict[int, str]:
        return self.world.kits.unusable(session, wanted)

    def record(
        self, session: Session, changes: SealChanges, actor: str, note: str, at: dt.datetime
    ) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise SalurError("kits.seal_needs_package", seal="0")
        self.world.kits.record(session, changes, actor, note, at)


def test_a_failure_while_an_accepted_event_writes_aborts_the_whole_batch(world: World) -> None:
    """Checks refuse single events and write nothing; once an event passed them, a failing
    write (here the seal registry) leaves nothing of the batch, the events before it included."""
    first, second = world.new_kit(), world.new_kit()
    before = world.counts()
    with pytest.raises(SalurError) as failed, UnitOfWork(world.engine) as uow:
        service.record_batch(
            uow,
            [world.hop(first, "warehouse_ppk"), world.hop(second, "warehouse_ppk")],
            packages=world.kits,
            seals=FailingRegistry(world, fail_at=2),
        )
    assert failed.value.key == "kits.seal_needs_package"
    assert world.counts() == before
    assert world.package(first.packages[0].package_id) is None


def test_an_incident_in_the_middle_of_a_batch_names_the_event_it_follows(world: World) -> None:
    """Events are written together at the end of a batch, but one with a discrepancy has its
    incident written at once: both land in log order, the incident naming its event, and the
    events around them keep consecutive indices and rows."""
    before, torn, after = world.new_kit(), world.new_kit(), world.new_kit()
    items = world.items(torn)
    broken = items[0]["seals"].pop()
    items[0]["broken_seals"] = [broken]
    results = batch(
        world,
        [
            world.hop(before, "warehouse_ppk"),
            world.hop(torn, "warehouse_ppk", items=items),
            world.hop(after, "warehouse_ppk"),
        ],
    )
    first, middle, last = results
    assert isinstance(first, service.Recorded) and isinstance(middle, service.Recorded)
    assert isinstance(last, service.Recorded)
    (incident,) = middle.incidents
    assert [first.log_index, middle.log_index, last.log_index] == [
        first.log_index,
        first.log_index + 1,
        first.log_index + 3,
    ]
    with Session(world.engine) as s:
        rows = {
            e.id: e
            for e in s.scalars(
                select(CustodyEvent).where(
                    CustodyEvent.id.in_([first.event_id, middle.event_id, last.event_id, incident])
                )
            )
        }
    assert rows[incident].cause_event_id == middle.event_id
    assert rows[incident].log_index == middle.log_index + 1
    assert [rows[r.event_id].log_index for r in (first, middle, last)] == [
        r.log_index for r in (first, middle, last)
    ]
    assert check_log(world.engine, world.log) == last.log_index + 1
