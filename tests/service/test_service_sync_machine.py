"""Devices going on and off line, as a Hypothesis state machine: phones make signed events
while offline, upload their queue when online, sometimes lose the answer (and upload again),
sometimes repeat an old batch. At the end every event made is recorded exactly once and no
device has a gap in its sequence: 0 lost, 0 duplicated."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from salur.custody.events import body_dict, body_sha256, parse_submission
from salur.custody.models import CustodyEvent
from salur.identity.repository import user_by_username
from salur.identity.service import register_device
from salur.uow import UnitOfWork
from tests.service.world import World, signer_of, username

# The phones of each example: new devices of the PPK of kecamatan A, the PPS of desa A and
# the KPPS of TPS A (a store is shared by the examples; fresh phones start at sequence 1).
ROLES = ("ppk", "pps", "kpps")
EXAMPLES = {"sqlite": 8, "postgresql": 4}
START = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)


@dataclass
class Phone:
    """One device: its queue of unsent events and what it sent before."""

    role: str
    device: str
    online: bool = False
    made: int = 0
    outbox: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)


class DevicesOnAndOffline(RuleBasedStateMachine):
    """The state: three phones, the events each made, and the kits still to hand over."""

    world: World
    client: TestClient
    kits: list[str]
    examples: Iterator[int]

    def __init__(self) -> None:
        super().__init__()
        example = next(self.examples)
        self.phones = {role: Phone(role, new_phone(self.world, role, example)) for role in ROLES}
        self.made: list[dict[str, Any]] = []
        self.clock = example * 10_000

    def _now(self) -> str:
        self.clock += 1
        return (START + dt.timedelta(minutes=self.clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _make(self, phone: Phone, submission: dict[str, Any]) -> None:
        phone.made += 1
        item = {
            "idempotency_key": f"{phone.device}-{phone.made:06d}",
            "sequence": phone.made,
            "submission": submission,
        }
        phone.outbox.append(item)
        self.made.append(submission)

    @rule(role=st.sampled_from(ROLES))
    def report_an_incident(self, role: str) -> None:
        """Any phone, online or not, records a report."""
        phone = self.phones[role]
        self._make(phone, self.world.incident(self._now(), level=role, device=phone.device))

    @precondition(lambda self: bool(self.kits))
    @rule()
    def hand_a_kit_to_the_ppk(self) -> None:
        """The PPK's phone records a BAST: a kit arrives from the warehouse."""
        phone = self.phones["ppk"]
        submission = self.world.handover(
            self.kits.pop(), "warehouse_ppk", devices={"ppk": phone.device}
        )
        self._make(phone, submission)

    @rule(role=st.sampled_from(ROLES), online=st.booleans())
    def switch(self, role: str, online: bool) -> None:
        """A phone gains or loses its connection."""
        self.phones[role].online = online

    @rule(role=st.sampled_from(ROLES), answer_lost=st.booleans())
    def upload(self, role: str, answer_lost: bool) -> None:
        """An online phone uploads its queue; if the answer is lost it keeps the queue."""
        phone = self.phones[role]
        if not phone.online or not phone.outbox:
            return
        body = {"events": list(phone.outbox)}
        answer = self.client.post(
            f"/devices/{phone.device}/sync", json=body, headers=self.world.auth(role)
        )
        assert answer.status_code == 200, answer.text
        if answer_lost:
            return
        results = answer.json()["results"]
        assert [r["status"] for r in results] == ["accepted"] * len(results), results
        phone.sent.append((body, results))
        phone.outbox.clear()

    @precondition(lambda self: any(p.sent for p in self.phones.values()))
    @rule(data=st.data())
    def repeat_an_old_batch(self, data: st.DataObject) -> None:
        """A phone uploads a batch it already got an answer for: the same answer comes back."""
        phone = data.draw(st.sampled_from([p for p in self.phones.values() if p.sent]))
        body, results = data.draw(st.sampled_from(phone.sent))
        answer = self.client.post(
            f"/devices/{phone.device}/sync", json=body, headers=self.world.auth(phone.role)
        )
        assert answer.json()["results"] == results

    @invariant()
    def nothing_is_recorded_twice(self) -> None:
        with UnitOfWork(self.world.engine) as uow:
            doubles = uow.session.execute(
                select(CustodyEvent.body_sha256)
                .group_by(CustodyEvent.body_sha256)
                .having(func.count() > 1)
            ).all()
        assert doubles == []

    def teardown(self) -> None:
        for phone in self.phones.values():
            phone.online = True
            self.upload(phone.role, answer_lost=False)
        with UnitOfWork(self.world.engine) as uow:
            recorded = set(uow.session.scalars(select(CustodyEvent.body_sha256)))
        made = [body_sha256(body_dict(parse_submission(s).event)) for s in self.made]
        assert len(set(made)) == len(made)
        assert set(made) <= recorded  # 0 lost (and, by the invariant, 0 duplicated)
        for phone in self.phones.values():
            state = self.client.get(
                f"/devices/{phone.device}/sync", headers=self.world.auth(phone.role)
            ).json()
            assert state == {"contiguous": phone.made, "highest": phone.made, "gaps": []}


def new_phone(world: World, role: str, example: int) -> str:
    """A new signing device of the role's user in the test area (its own sequence numbers)."""
    device = f"D-M{example:04d}-{role.upper()}"
    with UnitOfWork(world.engine) as uow:
        user = user_by_username(uow.session, username(role))
        assert user is not None
        register_device(uow, user.id, signer_of(device).verifier().vkey)
    return device


def test_devices_going_on_and_offline_lose_and_duplicate_no_event(
    world: World, app: FastAPI
) -> None:
    """0 lost and 0 duplicated events, whatever the order of connections and lost answers."""
    DevicesOnAndOffline.world = world
    DevicesOnAndOffline.kits = [t for t in world.packages if t.startswith("1410011001")]
    DevicesOnAndOffline.examples = itertools.count(1)
    with TestClient(app, base_url="https://testserver") as client:
        DevicesOnAndOffline.client = client
        run_state_machine_as_test(
            DevicesOnAndOffline,
            settings=settings(
                max_examples=EXAMPLES[world.backend],
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
                database=None,
            ),
        )
