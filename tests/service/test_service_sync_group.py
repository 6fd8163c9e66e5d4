"""Group commit over real HTTP: uploads that queue while the store is busy are written in one
transaction under one checkpoint, and each stays on its own (a refused batch leaves the others
of its group recorded)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.note import parse_note
from salur.ledger.tlogproof import parse_receipt
from salur.service.app import create_app
from salur.service.sync.group import GroupCommit
from tests.service.server import serving
from tests.service.test_service_sync import (
    PPK_DEVICE,
    PPS_DEVICE,
    VILLAGE_B,
    Sequences,
    batch,
    events_with,
    key,
    kit,
    log_size,
)
from tests.service.world import World


@pytest.fixture(scope="module")
def seq() -> Sequences:
    return Sequences()


@pytest.fixture(scope="module")
def app(world: World) -> FastAPI:
    """The API with room for the three uploads these tests keep in flight at once."""
    settings = dataclasses.replace(world.settings, upload_threads=4)
    return create_app(world.engine, settings=settings, routers=[])


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url


@contextmanager
def store_busy(world: World) -> Iterator[None]:
    """Another writer holds the store: SQLite's write lock, or PostgreSQL's lock on the log."""
    with world.engine.connect() as conn:
        if world.backend == "sqlite":
            driver = conn.connection.dbapi_connection
            assert driver is not None
            driver.execute("BEGIN IMMEDIATE")
        else:
            conn.execute(text("SELECT id FROM ledger_log FOR UPDATE"))
        try:
            yield
        finally:
            conn.rollback()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


Upload = dict[str, Any] | tuple[dict[str, Any], str, str]  # a body, or (body, device, role)


class Posting:
    """A sync upload posted from a thread of its own (by the PPK device unless told)."""

    def __init__(self, server: str, world: World, upload: Upload) -> None:
        body, device, role = upload if isinstance(upload, tuple) else (upload, PPK_DEVICE, "ppk")
        self.answer: httpx.Response | None = None
        args = (server, world, body, device, role)
        self.thread = threading.Thread(target=self._post, args=args)
        self.thread.start()

    def _post(
        self, server: str, world: World, body: dict[str, Any], device: str, role: str
    ) -> None:
        with httpx.Client(base_url=server, timeout=60) as client:
            self.answer = client.post(
                f"/devices/{device}/sync", json=body, headers=world.auth(role)
            )

    def result(self) -> httpx.Response:
        self.thread.join(timeout=60)
        assert self.answer is not None
        return self.answer


def checkpoint_size(result: dict[str, Any]) -> int:
    receipt = parse_receipt(result["receipt"].encode("utf-8"))
    return parse_checkpoint(parse_note(receipt.checkpoint).text).size


def queued_behind_a_busy_store(
    server: str, app: FastAPI, world: World, first: Upload, *more: Upload
) -> list[httpx.Response]:
    """`first` leads a group and waits for the busy store; `more` queue meanwhile."""
    group: GroupCommit = app.state.sync_group
    with store_busy(world):
        leader = Posting(server, world, first)
        wait_for(lambda: group._leading and not group._queue, "the first upload leads")
        followers = [Posting(server, world, body) for body in more]
        wait_for(lambda: len(group._queue) == len(more), "the others queue")
    return [leader.result(), *(f.result() for f in followers)]


def test_uploads_queued_behind_a_busy_store_share_one_transaction_and_checkpoint(
    server: str, app: FastAPI, world: World, seq: Sequences
) -> None:
    """The two uploads that waited are recorded together: their receipts carry one checkpoint,
    which covers exactly the events of both, signed after the first upload's own."""
    bodies = [
        batch((key(), seq(PPK_DEVICE), world.handover(kit(world), "warehouse_ppk")))
        for _ in range(3)
    ]
    size_before, _ = log_size(world)
    answers = queued_behind_a_busy_store(server, app, world, *bodies)
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    results = [a.json()["results"][0] for a in answers]
    assert {r["status"] for r in results} == {"accepted"}
    first, second, third = (checkpoint_size(r) for r in results)
    assert first == size_before + 1
    assert second == third == size_before + 3
    assert log_size(world)[0] == size_before + 3


def test_a_batch_refused_in_a_group_leaves_the_others_of_the_group_recorded(
    server: str, app: FastAPI, world: World, seq: Sequences
) -> None:
    """A key reused for another body refuses its own upload (422, nothing of it recorded); the
    upload written in the same transaction is accepted."""
    used = key()
    earlier = world.incident("2024-02-10T21:00:00Z", level="ppk")
    first = batch((used, seq(PPK_DEVICE), earlier))
    fresh, other = (
        world.incident("2024-02-10T22:00:00Z", level="ppk"),
        world.incident("2024-02-10T23:00:00Z", level="ppk"),
    )
    clashing = batch((key(), seq(PPK_DEVICE), fresh), (used, 999_999, other))
    handover = world.handover(kit(world), "warehouse_ppk")
    good = batch((key(), seq(PPK_DEVICE), handover))
    answers = queued_behind_a_busy_store(server, app, world, first, clashing, good)
    assert [a.status_code for a in answers] == [200, 422, 200], [a.text for a in answers]
    assert answers[1].json()["code"] == "idempotency_conflict"
    assert events_with(world, fresh) == 0 and events_with(world, other) == 0
    assert answers[2].json()["results"][0]["status"] == "accepted"
    assert events_with(world, handover) == 1


def test_each_upload_of_a_group_is_held_to_its_own_scope(
    server: str, app: FastAPI, world: World, seq: Sequences
) -> None:
    """The group's events are recorded as one custody batch, yet each against its uploader's
    scope: behind the kecamatan's PPK, desa A's PPS uploading desa B's kit is refused (the PPK
    could move it), and the PPK's own upload is accepted."""
    other_tps = next(t for t in world.packages if t.startswith(VILLAGE_B.replace(".", "")))
    outside = world.handover(other_tps, "warehouse_ppk")
    mine = world.handover(kit(world), "warehouse_ppk")
    answers = queued_behind_a_busy_store(
        server,
        app,
        world,
        batch((key(), seq(PPK_DEVICE), world.handover(kit(world), "warehouse_ppk"))),
        batch((key(), seq(PPK_DEVICE), mine)),
        (batch((key(), seq(PPS_DEVICE), outside)), PPS_DEVICE, "pps"),
    )
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert answers[1].json()["results"][0]["status"] == "accepted"
    refused = answers[2].json()["results"][0]
    assert (refused["status"], refused["key"]) == ("refused", "service.package_out_of_scope")
    assert events_with(world, mine) == 1 and events_with(world, outside) == 0
