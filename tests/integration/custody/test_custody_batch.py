"""A device's batch is recorded in one transaction, each event on its own: good events land,
a refused one leaves only its incident, a forged one leaves nothing, a repeat is found again,
and the batch as a whole commits once."""

from __future__ import annotations

from typing import Any

from salur.custody import service
from salur.custody.service import TepatRefusedError
from salur.custody.signing import SignatureRejectedError
from salur.errors import SalurError
from salur.uow import UnitOfWork
from tests.integration.custody.world import World


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
