"""Custody through the kits adapter: Meranti packed and sealed by the kits feature, then a TPS
kit handed out with its real package ids, dapil and registered seals."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import salur.kits.models  # noqa: F401  (kit tables on Base.metadata)
from salur.custody.packages import KitsPackageSource
from salur.custody.service import TepatRefusedError
from salur.geo.models import Tps
from salur.kits.models import Kit, KitPackage
from salur.kits.sealing import SealAction, apply_seals, issue_seals
from salur.uow import UnitOfWork
from tests.integration.custody.world import World
from tests.integration.stock.meranti import MERANTI


def first_kit(world: World) -> list[tuple[str, str, str, str, str]]:
    """(package id, kind, ballot type, dapil, TPS code) of the first TPS's packages."""
    with Session(world.engine) as s:
        rows = s.execute(
            select(
                KitPackage.id, KitPackage.kind, KitPackage.ballot_type, KitPackage.dapil, Tps.code
            )
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
            .order_by(Tps.code, KitPackage.seq)
            .limit(20)
        ).all()
    tps = rows[0][4]
    return [tuple(r) for r in rows if r[4] == tps]  # type: ignore[misc]


def hop_to_ppk(
    world: World, packages: list[tuple[str, str, str, str, str]], **change: str
) -> dict[str, object]:
    tps = packages[0][4]
    source = KitsPackageSource()
    with Session(world.engine) as s:
        infos = source.packages(s, [p[0] for p in packages])
    items = []
    for pid, kind, bt, dapil, _ in packages:
        item: dict[str, object] = {"package": pid, "seals": sorted(infos[pid].seals)}
        if kind == "kotak":
            item |= {"ballot_type": bt, "dapil": change.get(bt, dapil)}
        items.append(item)
    district = infos[packages[0][0]].district_code
    body = {
        "v": 1,
        "type": "handover",
        "election": "pemilu-2024",
        "at": "2024-02-05T02:00:00Z",
        "hop": "warehouse_ppk",
        "giver": world.party("kpu_kab", MERANTI),
        "receiver": world.party("ppk", district),
        "witnesses": world.witnesses("warehouse_ppk", district),
        "items": items,
    }
    assert tps
    return world.signed(body)


def test_the_adapter_reads_a_packed_kit_with_its_chain_dapil_and_seals(
    meranti_world: World,
) -> None:
    """Each package knows its TPS, desa, kecamatan, regency, the TPS's dapil per ballot type,
    and the seals the registry applied to it."""
    world = meranti_world
    packages = first_kit(world)
    kotak = [p for p in packages if p[1] == "kotak"]
    with UnitOfWork(world.engine) as uow:
        issue_seals(uow, MERANTI, 1, 100)
    with UnitOfWork(world.engine) as uow:
        apply_seals(uow, [SealAction(i + 1, p[0]) for i, p in enumerate(kotak)])
    with Session(world.engine) as s:
        infos = KitsPackageSource().packages(s, [p[0] for p in packages])
    ppwp = infos[kotak[0][0]]
    assert ppwp.tps_code == packages[0][4] and ppwp.regency_code == MERANTI
    assert ppwp.village_code.replace(".", "") == ppwp.tps_code[:10]
    assert ppwp.tps_dapil["ppwp"] == "ID" and ppwp.tps_dapil["dpd"] == "14"
    assert ppwp.seals == frozenset({1})
    assert {p.dapil for p in infos.values() if p.kind == "kotak"} <= set(ppwp.tps_dapil.values())


def test_a_real_kit_is_handed_over_and_another_dapil_is_refused(meranti_world: World) -> None:
    """With its registered seals the kit reaches its PPK; DPR ballots of another dapil do not."""
    world = meranti_world
    packages = first_kit(world)
    dpr = next(p for p in packages if p[2] == "dpr")
    with pytest.raises(TepatRefusedError) as refused:
        world.record(hop_to_ppk(world, packages, dpr="1499"))
    assert [(f.code, f.package) for f in refused.value.findings] == [("wrong_dapil", dpr[0])]
    done = world.record(hop_to_ppk(world, packages))
    assert done.findings == () and done.late is False
    row = world.package(dpr[0])
    assert row is not None and row.holder_level == "ppk"
