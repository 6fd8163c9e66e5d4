"""Custody events move seals in the kits registry inside their own transaction: seen intact on a
handover or receipt they are checked, opened on voting day they are broken, and the new seals of
a sealed return are applied; a refused or failed event leaves every seal as it was."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody.batch import Signed
from salur.custody.packages import KitsPackageSource, KitsSealRegistry, SealMove
from salur.custody.service import (
    Recorded,
    TepatRefusedError,
    prepare_batch,
    record_batch,
    record_batch_in,
)
from salur.custody.states import CustodyRefusedError
from salur.geo.models import Tps, Village
from salur.kits.models import Kit as KitRow
from salur.kits.models import KitPackage, Seal
from salur.kits.sealing import SealAction, apply_seals, break_seals, issue_seals, seal_status
from salur.uow import UnitOfWork
from tests.integration.custody.world import DISTRICT, Kit, World
from tests.integration.stock.meranti import MERANTI

_kits = itertools.count(0)
_ranges = itertools.count(5_000_000, 100)


def sealed_kit(world: World) -> Kit:
    """A fresh packed kit of kecamatan 14.10.01 whose kotak carry one applied seal each, and
    one issued seal per kotak set aside for its sealed return."""
    with Session(world.engine) as s:
        tps_codes = s.scalars(
            select(Tps.code)
            .join(Village, Village.code == Tps.village_code)
            .where(Village.district_code == DISTRICT)
            .order_by(Tps.code)
        ).all()
        tps = tps_codes[next(_kits) + 1]  # the first TPS is test_custody_kits' own
        ids = s.scalars(
            select(KitPackage.id)
            .join(KitRow, KitRow.id == KitPackage.kit_id)
            .join(Tps, Tps.id == KitRow.tps_id)
            .where(Tps.code == tps)
            .order_by(KitPackage.seq)
        ).all()
        kotak = [pid for pid in ids if pid.startswith("K-")]
    first = next(_ranges)
    with UnitOfWork(world.engine) as uow:
        issue_seals(uow, MERANTI, first, first + 99)
    with UnitOfWork(world.engine) as uow:
        apply_seals(uow, [SealAction(first + i, pid) for i, pid in enumerate(kotak)])
    with Session(world.engine) as s:
        infos = KitsPackageSource().packages(s, ids)
    packages = [infos[pid] for pid in ids]
    kit = Kit(0, packages[0].village_code, tps, packages)
    kit.new_seals = {pid: [first + 50 + i] for i, pid in enumerate(kotak)}
    return kit


def old_seals(kit: Kit) -> list[int]:
    return sorted(n for p in kit.kotak for n in p.seals)


def new_seals(kit: Kit) -> list[int]:
    return sorted(n for seals in kit.new_seals.values() for n in seals)


def states(world: World, numbers: list[int]) -> dict[int, tuple[str, str | None]]:
    with Session(world.engine) as s:
        rows = s.scalars(select(Seal).where(Seal.number.in_(numbers))).all()
        return {r.number: (r.state, r.package_id) for r in rows}


def last_note(world: World, number: int) -> tuple[str, str]:
    """(action, note) of a seal's latest history row."""
    with UnitOfWork(world.engine) as uow:
        last = seal_status(uow, number).history[-1]
    return last.action, last.note


def test_a_receipt_marks_the_seals_seen_as_checked(meranti_world: World) -> None:
    """The kit is dispatched and received with one seal not seen: the seals seen are checked
    under the receipt's event, the one not seen stays applied (and is a discrepancy)."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    unseen, *seen = old_seals(kit)

    def without_unseen(body: dict[str, Any]) -> dict[str, Any]:
        for item in body["items"]:
            item["seals"] = [n for n in item["seals"] if n != unseen]
        return body

    dispatch = world.hop(kit, "warehouse_ppk")["event"]
    dispatch = {k: v for k, v in dispatch.items() if k not in ("receiver", "witnesses")}
    dispatch |= {"type": "dispatch", "to": {"role": "ppk", "region": DISTRICT}}
    world.record(world.signed(without_unseen(dispatch)))
    receipt = world.hop(kit, "warehouse_ppk")["event"]
    receipt = {k: v for k, v in receipt.items() if k != "giver"} | {"type": "receipt"}
    received = world.record(world.signed(without_unseen(receipt)))
    now = states(world, old_seals(kit))
    assert now.pop(unseen)[0] == "applied"
    assert {state for state, _ in now.values()} == {"checked"}
    assert [f.code for f in received.findings if f.code.startswith("seal")] == ["seal_missing"]
    action, note = last_note(world, seen[0])
    assert action == "check" and f"receipt event {received.event_id}," in note
    assert note.endswith(f"log index {received.log_index}")


def test_opening_on_voting_day_breaks_the_seals(meranti_world: World) -> None:
    """The KPPS open the kotak at the TPS on voting day: every seal on them is broken, and its
    history names the opening."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    walked = world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps")
    assert {s for s, _ in states(world, old_seals(kit)).values()} == {"checked"}
    opened = world.walk(kit, "opening")[0]
    assert {s for s, _ in states(world, old_seals(kit)).values()} == {"broken"}
    action, note = last_note(world, old_seals(kit)[0])
    assert action == "break" and f"event {opened.event_id}," in note
    assert len(walked) == 3


def test_a_seal_reported_broken_on_a_handover_is_broken_in_the_registry(
    meranti_world: World,
) -> None:
    """A PPK receives a kotak with one seal torn: the handover is accepted with a discrepancy,
    the torn seal is out of service in the registry at once, the intact ones are checked, and
    opening on voting day later breaks only the seals still holding."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    torn = old_seals(kit)[0]
    items = world.items(kit)
    for item in items:
        if torn in item["seals"]:
            item["seals"].remove(torn)
            item["broken_seals"] = [torn]
    done = world.record(world.hop(kit, "warehouse_ppk", items=items))
    assert [(f.code, f.found) for f in done.findings] == [("seal_broken", str(torn))]
    now = states(world, old_seals(kit))
    assert now.pop(torn)[0] == "broken"
    assert {state for state, _ in now.values()} == {"checked"}
    action, note = last_note(world, torn)
    assert action == "break" and f"handover event {done.event_id}," in note
    world.walk(kit, "ppk_pps", "pps_kpps", "opening")
    assert {s for s, _ in states(world, old_seals(kit)).values()} == {"broken"}
    assert last_note(world, torn) == (action, note)  # not broken a second time


def test_a_sealed_return_applies_the_new_seals(meranti_world: World) -> None:
    """After counting the KPPS seal each kotak with a fresh issued seal: the registry applies it
    to that kotak, and the first handover back checks it."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening")
    resealed = world.walk(kit, "sealed_return")[0]
    assert not [f for f in resealed.findings if f.code.startswith("seal")]
    expected = {n: ("applied", pid) for pid, ns in kit.new_seals.items() for n in ns}
    assert states(world, new_seals(kit)) == expected
    action, note = last_note(world, new_seals(kit)[0])
    assert action == "apply" and f"event {resealed.event_id}," in note
    world.walk(kit, "kpps_pps")
    assert {s for s, _ in states(world, new_seals(kit)).values()} == {"checked"}


def test_an_unknown_or_used_seal_on_a_sealed_return_is_a_discrepancy(
    meranti_world: World,
) -> None:
    """A seal never issued and a seal already broken cannot close a kotak: each is a
    discrepancy incident and stays as it was, while the good seals are applied."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening")
    first, second, *rest = kit.kotak
    unknown, used = 4_999_999, old_seals(kit)[0]
    kit.new_seals[first.package_id] = [unknown]
    kit.new_seals[second.package_id] = [used]
    before = states(world, [used, *new_seals(kit)])
    resealed = world.walk(kit, "sealed_return")[0]
    found = {(f.code, f.package, f.found) for f in resealed.findings if f.code.startswith("seal")}
    assert found == {
        ("seal_unknown", first.package_id, str(unknown)),
        ("seal_used", second.package_id, str(used)),
    }
    assert resealed.incidents
    now = states(world, [used, *new_seals(kit)])
    assert unknown not in now and now[used] == before[used] and now[used][0] == "broken"
    assert {now[n] for p in rest for n in kit.new_seals[p.package_id]} == {
        ("applied", p.package_id) for p in rest
    }


def test_a_seal_applied_earlier_in_the_same_batch_is_used(meranti_world: World) -> None:
    """Two TPS of one PPS phone's upload close a kotak with the same new seal: the first
    applies it, the second gets a seal_used discrepancy, and the batch stands."""
    world = meranti_world
    one, two = sealed_kit(world), sealed_kit(world)
    for kit in (one, two):
        world.walk(kit, "warehouse_ppk", "ppk_pps", "pps_kpps", "opening")
    taken = new_seals(one)[0]
    kotak = two.kotak[0].package_id
    two.new_seals[kotak] = [taken]
    with UnitOfWork(world.engine) as uow:
        done = record_batch(
            uow,
            [world.ordinary_at_tps(kit, "sealed_return") for kit in (one, two)],
            packages=world.source,
            seals=world.registry,
            rules=world.rules,
        )
    first, second = done
    assert isinstance(first, Recorded) and isinstance(second, Recorded)
    assert not [f for f in first.findings if f.code.startswith("seal")]
    assert [(f.code, f.package, f.found) for f in second.findings if f.code.startswith("seal")] == [
        ("seal_used", kotak, str(taken))
    ]
    assert states(world, [taken]) == {taken: ("applied", one.kotak[0].package_id)}


def test_a_refused_handover_leaves_the_seal_states_untouched(meranti_world: World) -> None:
    """Another dapil's ballots (tepat refusal) and a giver who does not hold the kit (custody
    refusal) record nothing of the event, and no seal moves."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    seals = old_seals(kit)
    before, counts = states(world, seals), world.counts()
    wrong = world.hop(kit, "warehouse_ppk")["event"]
    dpr = next(i for i in wrong["items"] if i.get("ballot_type") == "dpr")
    dpr["dapil"] = "1499"
    with pytest.raises(TepatRefusedError):
        world.record(world.signed(wrong))
    with pytest.raises(CustodyRefusedError):
        world.record(world.hop(kit, "ppk_pps"))
    assert states(world, seals) == before
    after = world.counts()
    assert after["custody_event"] == counts["custody_event"] + 1  # the refusal's incident only
    assert after["custody_package"] == counts["custody_package"]


class FailingRegistry(KitsSealRegistry):
    """The real registry, failing once it has written the seal moves (custody hands them over
    a batch at a time)."""

    def record_all(self, session: Session, moves: Sequence[SealMove]) -> None:
        super().record_all(session, moves)
        raise RuntimeError("disk full")


def test_an_event_that_fails_after_moving_seals_leaves_nothing_half_written(
    meranti_world: World,
) -> None:
    """If anything fails after the seals moved, the event, its leaf and the seal moves roll
    back together."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    seals = old_seals(kit)
    before, counts = states(world, seals), world.counts()
    world.registry = FailingRegistry()
    try:
        with pytest.raises(RuntimeError):
            world.record(world.hop(kit, "warehouse_ppk"))
    finally:
        world.registry = KitsSealRegistry()
    assert states(world, seals) == before and world.counts() == counts
    world.record(world.hop(kit, "warehouse_ppk"))
    assert {s for s, _ in states(world, seals).values()} == {"checked"}


def test_a_kits_whole_life_in_one_batch_moves_its_seals_as_event_by_event(
    meranti_world: World,
) -> None:
    """A phone that was offline all season uploads every event of a kit at once: the batch sees
    each event's seal moves and states before the next (old seals broken at the opening, new
    ones applied at the sealed return and checked on the way back), as one by one would."""
    world = meranti_world
    batched, single = sealed_kit(world), sealed_kit(world)
    stops = ["warehouse_ppk", "ppk_pps", "pps_kpps", "opening", "sealed_return"]
    stops += ["kpps_pps", "pps_ppk", "ppk_warehouse"]

    def event(kit: Kit, stop: str) -> dict[str, Any]:
        if stop in ("opening", "sealed_return"):
            return world.ordinary_at_tps(kit, stop)
        return world.hop(kit, stop)

    with UnitOfWork(world.engine) as uow:
        done = record_batch(
            uow,
            [event(batched, stop) for stop in stops],
            packages=world.source,
            seals=world.registry,
            rules=world.rules,
        )
    one_by_one = world.walk(single, *stops)
    assert all(isinstance(r, Recorded) for r in done), done
    codes = [[f.code for f in r.findings] for r in done if isinstance(r, Recorded)]
    assert codes == [[f.code for f in r.findings] for r in one_by_one]
    assert not [c for found in codes for c in found if c.startswith("seal")]
    phases = []
    for kit in (batched, single):
        assert {s for s, _ in states(world, old_seals(kit)).values()} == {"broken"}
        assert {s for s, _ in states(world, new_seals(kit)).values()} == {"checked"}
        rows = [world.package(p.package_id) for p in kit.packages]
        assert all(row is not None and row.holder_level == "warehouse" for row in rows)
        assert [row.seals for row in rows if row] == [
            ",".join(map(str, kit.new_seals[p.package_id])) if p.kind == "kotak" else ""
            for p in kit.packages
        ]
        phases.append([row.phase for row in rows if row])
    assert phases[0] == phases[1]


def test_a_seal_broken_between_preparing_and_recording_is_seen_broken(
    meranti_world: World,
) -> None:
    """A batch reads its packages ahead, outside the writer lock, but their seals again under
    it: a seal the registry broke meanwhile is not taken as still holding."""
    world, kit = meranti_world, sealed_kit(meranti_world)
    source = KitsPackageSource()
    with UnitOfWork(world.engine) as uow:
        (ready,) = prepare_batch(uow.session, [world.hop(kit, "warehouse_ppk")], source)
    assert isinstance(ready, Signed) and set(ready.packages) == {p.package_id for p in kit.packages}
    torn = old_seals(kit)[0]
    with UnitOfWork(world.engine) as uow:
        break_seals(uow, [SealAction(torn, kit.kotak[0].package_id)])
    with UnitOfWork(world.engine) as uow:
        (done,) = record_batch_in(
            uow.session, [ready], packages=source, seals=KitsSealRegistry(), rules=world.rules
        )
        uow.commit()
    assert isinstance(done, Recorded)
    assert [(f.code, f.found) for f in done.findings] == [("seal_unknown", str(torn))]
