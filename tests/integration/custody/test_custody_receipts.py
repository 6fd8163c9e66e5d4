"""Receipts of handovers verify offline with `salur.ledger.verify`, and the log alone lets
anyone check every device signature in it; devices are registered and revoked on the log."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from salur.custody import devices, receipts, repository
from salur.custody.events import EventInvalidError, parse_entry, parse_submission
from salur.custody.signing import DeviceKey, SignatureRejectedError, check_signatures
from salur.errors import ConflictError
from salur.ledger import service as ledger
from salur.ledger.errors import ReceiptRejectedError
from salur.ledger.keys import Ed25519Signer, Ed25519Verifier
from salur.ledger.verify import check_receipt
from salur.uow import UnitOfWork
from tests.integration.custody.world import World


def test_receipts_of_a_batch_of_handovers_verify_offline(world: World) -> None:
    """One checkpoint signed for the batch; each receipt proves its handover's entry."""
    kits = [world.new_kit() for _ in range(3)]
    done = [world.record(world.hop(kit, "warehouse_ppk")) for kit in kits]
    with UnitOfWork(world.engine) as uow:
        issued = receipts.sign_receipts(uow, [d.event_id for d in done], keys=world.keys)
    for recorded, kit in zip(done, kits, strict=True):
        checked = check_receipt(issued[recorded.event_id].to_bytes(), log_vkey=world.log.vkey)
        assert checked.index == recorded.log_index
        assert checked.origin == world.log.origin
        entry = parse_entry(checked.entry)
        assert entry["event"]["items"][0]["package"] == kit.packages[0].package_id


def test_a_receipt_with_a_changed_entry_does_not_verify(world: World) -> None:
    """Changing one seal number in the receipt's entry breaks the inclusion proof."""
    done = world.record(world.hop(world.new_kit(), "warehouse_ppk"))
    with UnitOfWork(world.engine) as uow:
        receipt = receipts.sign_receipts(uow, [done.event_id], keys=world.keys)[done.event_id]
    entry = receipt.extra
    assert entry is not None
    tampered = entry.replace(b'"seals":[', b'"seals":[9,', 1)
    with pytest.raises(ReceiptRejectedError):
        check_receipt(receipt.to_bytes(), log_vkey=world.log.vkey, entry=tampered)


def test_every_signature_in_the_log_verifies_against_keys_the_log_published(world: World) -> None:
    """An observer with only the log's entries re-checks each handover's device signatures."""
    done = world.record(world.hop(world.new_kit(), "warehouse_ppk"))
    with Session(world.engine) as s:
        entries = [
            parse_entry(ledger.entry_bytes(s, world.log, i)) for i in range(done.log_index + 1)
        ]
    published = {
        e["event"]["device"]["id"]: DeviceKey(
            e["event"]["device"]["id"],
            e["event"]["device"]["role"],
            e["event"]["device"]["region"],
            e["event"]["device"]["person"],
            base64.b64decode(e["event"]["device"]["public_key"]),
        )
        for e in entries
        if e["event"]["type"] == "device"
    }
    handover = parse_submission(
        {"event": entries[-1]["event"], "signatures": entries[-1]["signatures"]}
    )
    check_signatures(handover.event, handover.signatures, published)
    assert len(handover.signatures) == 4  # giver, receiver and both witnesses


def test_a_revoked_device_can_no_longer_sign(world: World) -> None:
    """After revocation the PPK's handovers signed with that device are refused."""
    signer = Ed25519Signer.from_seed("D-PPK-LOST", b"\x42" * 32)
    person = world.person("ppk")
    with UnitOfWork(world.engine) as uow:
        devices.register_device(
            uow, signer.verifier().vkey, role="ppk", region="14.10.01", person=person
        )
    with UnitOfWork(world.engine) as uow:
        device = devices.revoke_device(
            uow, "D-PPK-LOST", now=dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
        )
    assert device.revoked_at is not None
    kit = world.new_kit()
    world.walk(kit, "warehouse_ppk")
    world.signers["ppk"], original = signer, world.signers["ppk"]
    try:
        with pytest.raises(SignatureRejectedError) as refused:
            world.record(world.hop(kit, "ppk_pps"))
    finally:
        world.signers["ppk"] = original
    assert refused.value.key == "custody.device_revoked"


def test_a_small_order_key_is_not_registered(world: World) -> None:
    """The identity point is a well-formed key under which one signature fits every event."""
    weak = Ed25519Verifier("D-PPK-WEAK", bytes([1]) + bytes(31))
    with pytest.raises(EventInvalidError) as refused, UnitOfWork(world.engine) as uow:
        devices.register_device(
            uow, weak.vkey, role="ppk", region="14.10.01", person=world.person("ppk")
        )
    assert refused.value.key == "custody.device_bad_key"
    with UnitOfWork(world.engine) as uow:
        assert repository.device(uow.session, "D-PPK-WEAK") is None


def test_a_device_id_is_registered_once(world: World) -> None:
    """A second key under an existing device id is a conflict, not a silent replacement."""
    other = Ed25519Signer.from_seed("D-PPK-01", b"\x07" * 32)
    with pytest.raises(ConflictError), UnitOfWork(world.engine) as uow:
        devices.register_device(
            uow, other.verifier().vkey, role="ppk", region="14.10", person=world.person("ppk")
        )
