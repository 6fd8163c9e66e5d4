"""Offline sync: per-event answers with receipts, refusals with reasons, idempotent replays,
conflicting reuse of a key, sequence gaps, the log's consistency proof, and concurrent
duplicates applied exactly once over real HTTP."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salur.custody.events import body_dict, body_sha256, parse_submission
from salur.custody.models import CustodyEvent
from salur.identity.models import Denial
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.merkle import verify_consistency
from salur.ledger.models import LedgerLog
from salur.ledger.note import parse_note
from salur.ledger.tlogproof import verify_receipt
from salur.service.app import create_app
from salur.service.models import SyncItem
from salur.uow import UnitOfWork
from tests.service.server import serving
from tests.service.world import TPS_A, VILLAGE_B, World, signed

PPK_DEVICE, PPS_DEVICE = "D-PPK-141001", "D-PPS-14100110"
_keys = iter(range(1, 1_000_000))


def key() -> str:
    return f"sync-test-{next(_keys):08d}"


def batch(*events: tuple[str, int, dict[str, Any]], known_size: int = 0) -> dict[str, Any]:
    return {
        "known_size": known_size,
        "events": [
            {"idempotency_key": k, "sequence": n, "submission": sub} for k, n, sub in events
        ],
    }


def upload(
    client: TestClient,
    world: World,
    body: dict[str, Any],
    *,
    device: str = PPK_DEVICE,
    role: str = "ppk",
    params: dict[str, str] | None = None,
) -> httpx.Response:
    answer: httpx.Response = client.post(
        f"/devices/{device}/sync", json=body, headers=world.auth(role), params=params or {}
    )
    return answer


def events_with(world: World, submission: dict[str, Any]) -> int:
    """How many custody events have this submission's body (0 or 1 if nothing duplicates)."""
    sha = body_sha256(body_dict(parse_submission(submission).event))
    with UnitOfWork(world.engine) as uow:
        query = (
            select(func.count()).select_from(CustodyEvent).where(CustodyEvent.body_sha256 == sha)
        )
        return int(uow.session.scalar(query) or 0)


def log_size(world: World) -> tuple[int, str]:
    with UnitOfWork(world.engine) as uow:
        log = uow.session.scalars(select(LedgerLog)).one()
        return int(log.size), log.vkey


class Sequences:
    """Fresh sequence numbers per device, so tests sharing a store do not collide."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, device: str) -> int:
        self.next[device] = self.next.get(device, 0) + 1
        return self.next[device]


@pytest.fixture(scope="module")
def seq() -> Sequences:
    return Sequences()


def kit(world: World, used: set[str] = set()) -> str:  # noqa: B006  (module-wide on purpose)
    """A TPS of desa A whose kit no test has moved yet."""
    for tps in world.packages:
        if tps.startswith("1410011001") and tps not in used and tps != TPS_A:
            used.add(tps)
            return tps
    raise AssertionError("out of kits")


def test_an_accepted_handover_comes_back_with_a_receipt_that_verifies_offline(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """The receipt is a c2sp.org/tlog-proof of exactly the signed event, under the log's key."""
    submission = world.handover(kit(world), "warehouse_ppk")
    answer = upload(client, world, batch((key(), seq(PPK_DEVICE), submission)))
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert result["status"] == "accepted" and result["duplicate"] is False
    _, vkey = log_size(world)
    receipt = result["receipt"].encode("utf-8")
    from salur.ledger.tlogproof import parse_receipt

    entry = parse_receipt(receipt).extra
    assert entry is not None
    verified = verify_receipt(receipt, log_vkey=vkey, entry=entry)
    assert verified.index == result["log_index"]
    logged = __import__("json").loads(entry)
    assert logged["event"] == body_dict(parse_submission(submission).event)


def test_a_replay_of_the_same_keys_gets_the_same_answer_and_changes_nothing(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """Same keys, same bodies: the stored answers come back, and the store stays as it was."""
    first = batch(
        (key(), seq(PPK_DEVICE), world.handover(kit(world), "warehouse_ppk")),
        (key(), seq(PPK_DEVICE), world.incident("2024-02-10T01:00:00Z", level="ppk")),
    )
    answer = upload(client, world, first).json()
    size = log_size(world)
    with UnitOfWork(world.engine) as uow:
        events = uow.session.scalar(select(func.count()).select_from(CustodyEvent))
    again = upload(client, world, first).json()
    assert again["results"] == answer["results"]
    assert log_size(world) == size
    with UnitOfWork(world.engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CustodyEvent)) == events


def test_a_key_reused_for_another_body_refuses_the_whole_batch(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """422 naming the key; the other, new event of the batch is not applied either."""
    used = key()
    upload(
        client,
        world,
        batch((used, seq(PPK_DEVICE), world.incident("2024-02-10T02:00:00Z", level="ppk"))),
    )
    fresh = world.incident("2024-02-10T03:00:00Z", level="ppk")
    other = world.incident("2024-02-10T04:00:00Z", level="ppk")
    answer = upload(client, world, batch((key(), seq(PPK_DEVICE), fresh), (used, 999, other)))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "idempotency_conflict"
    assert problem["field"] == "body.events.1.idempotency_key"
    assert used in problem["message"]
    assert events_with(world, fresh) == 0 and events_with(world, other) == 0


def test_refusals_say_why_per_event_and_the_rest_of_the_batch_goes_through(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """Forged signature, another desa's kit, an invalid event, a tepat refusal: each refused
    with its own code and message; the valid event beside them is accepted."""
    good = world.incident("2024-02-10T05:00:00Z", level="ppk")
    forged = world.handover(kit(world), "warehouse_ppk")
    forged["signatures"][0]["sig"] = base64.b64encode(bytes(64)).decode()
    invalid = {"event": {"v": 1, "type": "handover"}, "signatures": []}
    other_dapil = world.handover(kit(world), "warehouse_ppk")
    other_dapil["event"]["items"][1]["dapil"] = "1402"  # another dapil's DPR ballots
    other_dapil = signed(other_dapil["event"])
    answer = upload(
        client,
        world,
        batch(
            (key(), seq(PPK_DEVICE), good),
            (key(), seq(PPK_DEVICE), forged),
            (key(), seq(PPK_DEVICE), invalid),
            (key(), seq(PPK_DEVICE), other_dapil),
        ),
        params={"lang": "en"},
    ).json()
    statuses = [(r["status"], r["code"]) for r in answer["results"]]
    assert statuses == [
        ("accepted", None),
        ("refused", "signature_rejected"),
        ("refused", "invalid_event"),
        ("refused", "tepat_refused"),
    ]
    assert "does not verify" in answer["results"][1]["message"]
    assert "event.hop" in answer["results"][2]["message"] or answer["results"][2]["field"]
    assert answer["results"][3]["incident"] is not None
    assert "dapil 1402" in answer["results"][3]["message"]


def test_a_pps_officer_cannot_move_another_desas_kit(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """Desa A's PPS device uploading desa B's kit is refused as out of scope, and logged."""
    other_tps = next(t for t in world.packages if t.startswith(VILLAGE_B.replace(".", "")))
    submission = world.handover(other_tps, "warehouse_ppk")
    with UnitOfWork(world.engine) as uow:
        before = uow.session.scalar(select(func.count()).select_from(Denial))
    answer = upload(
        client, world, batch((key(), seq(PPS_DEVICE), submission)), device=PPS_DEVICE, role="pps"
    ).json()
    (result,) = answer["results"]
    assert (result["status"], result["code"], result["key"]) == (
        "refused",
        "forbidden",
        "service.package_out_of_scope",
    )
    assert events_with(world, submission) == 0
    with UnitOfWork(world.engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Denial)) == (before or 0) + 1


def test_an_escort_may_report_incidents_but_move_no_kit(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """Police upload incident reports only; a handover through their device is refused."""
    handover = world.handover(kit(world), "warehouse_ppk")
    answer = upload(
        client,
        world,
        batch((key(), seq("D-POL-1410"), handover)),
        device="D-POL-1410",
        role="police_escort",
    ).json()
    assert answer["results"][0]["key"] == "service.upload_kind_denied"


def test_gaps_in_a_devices_sequence_are_reported_until_they_are_filled(
    client: TestClient, world: World
) -> None:
    """Numbers 1..n arrived up to `contiguous`; the missing ones above it are listed."""
    device, role = "D-KPPS-141001100", "kpps"
    make = [world.incident(f"2024-02-12T0{n}:00:00Z", level="kpps") for n in range(1, 7)]
    first = upload(
        client,
        world,
        batch((key(), 1, make[0]), (key(), 2, make[1]), (key(), 5, make[4]), (key(), 6, make[5])),
        device=device,
        role=role,
    ).json()
    assert first["sequence"] == {
        "contiguous": 2,
        "highest": 6,
        "gaps": [{"first": 3, "last": 4}],
    }
    state = client.get(f"/devices/{device}/sync", headers=world.auth(role)).json()
    assert state == first["sequence"]
    filled = upload(
        client, world, batch((key(), 3, make[2]), (key(), 4, make[3])), device=device, role=role
    ).json()
    assert filled["sequence"] == {"contiguous": 6, "highest": 6, "gaps": []}


def test_a_sequence_number_reused_by_another_key_is_refused(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """One number, one event: a second key claiming it is refused and nothing is recorded."""
    number = seq(PPK_DEVICE)
    upload(
        client, world, batch((key(), number, world.incident("2024-02-10T06:00:00Z", level="ppk")))
    )
    other = world.incident("2024-02-10T07:00:00Z", level="ppk")
    (result,) = upload(client, world, batch((key(), number, other))).json()["results"]
    assert (result["status"], result["code"]) == ("refused", "sequence_reused")
    assert events_with(world, other) == 0


def test_the_answer_proves_the_log_extends_the_checkpoint_the_device_knew(
    client: TestClient, world: World, seq: Sequences
) -> None:
    """Each phone audits the log: the consistency proof from its last checkpoint verifies."""
    one = upload(
        client,
        world,
        batch((key(), seq(PPK_DEVICE), world.incident("2024-02-10T08:00:00Z", level="ppk"))),
    ).json()
    known = one["checkpoint"]
    two = upload(
        client,
        world,
        batch(
            (key(), seq(PPK_DEVICE), world.incident("2024-02-10T09:00:00Z", level="ppk")),
            known_size=known["size"],
        ),
    ).json()
    new = two["checkpoint"]
    assert new["size"] > known["size"]
    proof = two["consistency"]
    assert (proof["old_size"], proof["size"]) == (known["size"], new["size"])
    old_root = parse_checkpoint(parse_note(known["note"].encode()).text).root_hash
    new_root = parse_checkpoint(parse_note(new["note"].encode()).text).root_hash
    verify_consistency(
        old_size=known["size"],
        new_size=new["size"],
        old_root=old_root,
        new_root=new_root,
        proof=[base64.b64decode(h) for h in proof["proof"]],
    )
    ahead = upload(client, world, batch(known_size=new["size"] + 1000)).json()
    assert ahead["log_warning"] == "ahead_of_log" and ahead["consistency"] is None


def test_a_revoked_device_uploads_nothing(client: TestClient, world: World) -> None:
    """After KPU revokes it, the owner's uploads through it are refused (403, logged)."""
    spare = "D-SPARE-01"
    revoked = client.post(f"/devices/{spare}/revoke", headers=world.auth("kpu_regency"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    answer = upload(client, world, batch(), device=spare)
    assert answer.status_code == 403
    assert answer.json()["key"] == "identity.not_owner"


def test_a_claim_left_by_a_crashed_upload_is_taken_over_after_the_lease(
    world: World, seq: Sequences
) -> None:
    """A pending key whose upload died is recorded by the next upload of it, once."""
    submission = world.incident("2024-02-10T10:00:00Z", level="ppk")
    number = seq(PPK_DEVICE)
    stuck = key()
    _pending_claim(world, stuck, number, submission, age=dt.timedelta(hours=1))
    settings = dataclasses.replace(world.settings, sync_lease=dt.timedelta(seconds=1))
    app = create_app(world.engine, settings=settings, routers=[])
    with TestClient(app, base_url="https://testserver") as client:
        (result,) = upload(client, world, batch((stuck, number, submission))).json()["results"]
    assert result["status"] == "accepted"
    assert events_with(world, submission) == 1


def test_a_key_another_upload_is_still_working_on_is_answered_pending(
    world: World, seq: Sequences
) -> None:
    """If the other upload does not finish in time, the answer says to send it again later."""
    submission = world.incident("2024-02-10T11:00:00Z", level="ppk")
    number = seq(PPK_DEVICE)
    busy = key()
    _pending_claim(world, busy, number, submission, age=dt.timedelta(0))
    settings = dataclasses.replace(world.settings, sync_wait=dt.timedelta(milliseconds=200))
    app = create_app(world.engine, settings=settings, routers=[])
    with TestClient(app, base_url="https://testserver") as client:
        (result,) = upload(client, world, batch((busy, number, submission))).json()["results"]
    assert (result["status"], result["code"]) == ("pending", "in_progress")
    assert events_with(world, submission) == 0


def _pending_claim(
    world: World, idempotency_key: str, sequence: int, submission: dict[str, Any], age: dt.timedelta
) -> None:
    """The row an upload leaves when it claimed a key and then died."""
    from salur.identity.repository import user_by_username
    from salur.service.sync.schemas import SyncEventIn
    from salur.service.sync.service import request_digest

    event = SyncEventIn(idempotency_key=idempotency_key, sequence=sequence, submission=submission)
    with UnitOfWork(world.engine) as uow:
        user = user_by_username(uow.session, "ppk-in")
        assert user is not None
        uow.session.add(
            SyncItem(
                device_id=PPK_DEVICE,
                idempotency_key=idempotency_key,
                sequence=sequence,
                request_sha256=request_digest(event),
                state="pending",
                claim="crashed-upload",
                claimed_at=dt.datetime.now(dt.UTC) - age,
                user_id=user.id,
            )
        )
        uow.commit()


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_sixteen_concurrent_duplicates_of_one_event_are_applied_exactly_once(
    world: World, server: str, seq: Sequences
) -> None:
    """16 threads post the same key over real HTTP at once: one event, 16 equal answers."""
    submission = world.handover(kit(world), "warehouse_ppk")
    body = batch((key(), seq(PPK_DEVICE), submission))
    size_before, _ = log_size(world)
    answers = _race(server, world, [body] * 16)
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    results = [a.json()["results"][0] for a in answers]
    assert all(r == results[0] for r in results)
    assert results[0]["status"] == "accepted"
    assert events_with(world, submission) == 1
    assert log_size(world)[0] == size_before + 1


def test_the_same_event_under_sixteen_keys_at_once_is_recorded_once(
    world: World, server: str, seq: Sequences
) -> None:
    """Giver and receiver phones may both upload one BAST: custody keeps one record of it."""
    submission = world.handover(kit(world), "warehouse_ppk")
    bodies = [batch((key(), seq(PPK_DEVICE), submission)) for _ in range(16)]
    answers = _race(server, world, bodies)
    results = [a.json()["results"][0] for a in answers]
    assert {r["status"] for r in results} == {"accepted"}
    assert len({r["event_id"] for r in results}) == 1
    assert sum(1 for r in results if not r["duplicate"]) == 1
    assert events_with(world, submission) == 1


def _race(server: str, world: World, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Post each body from its own thread, all released at the same instant."""
    start = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def post(i: int) -> None:
        with httpx.Client(base_url=server, timeout=60) as client:
            start.wait()
            answers[i] = client.post(
                f"/devices/{PPK_DEVICE}/sync", json=bodies[i], headers=world.auth("ppk")
            )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]
