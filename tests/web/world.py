"""The web tests' world: a real store with Riau loaded, the needs of Kepulauan Meranti stored, its
kits packed and sealed, a distribution plan, Dumai short of stock, the province's log with a
Bawaslu witness, users of every role (with distinctive names and phone numbers, so a leak is
easy to find), and a season in progress: the kits of kecamatan Tebing Tinggi handed over to
its PPK, one desa's kits received by its PPS, three kits of the field officer's desa on their
way to it, and a flood reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import profiles
from sqlalchemy import Engine, select

import salur.tables  # noqa: F401  (every table on Base.metadata before migrating)
from salur.custody.events import body_dict, parse_submission
from salur.custody.packages import KitsPackageSource
from salur.custody.receipts import sign_receipts
from salur.custody.service import record_event
from salur.custody.signing import REQUIRED_SIGNERS, sign
from salur.custody.tepat import PackageInfo
from salur.db import make_engine, migrate
from salur.geo.models import Tps
from salur.geo.service import load_reference, resolve_folder
from salur.identity import service as identity
from salur.identity.passwords import Passwords
from salur.incidents.sync import sync_custody
from salur.kits.models import Kit, KitPackage
from salur.kits.sealing import SealAction, apply_seals, issue_seals
from salur.kits.service import pack_regency
from salur.ledger import cosigning
from salur.ledger import service as ledger
from salur.ledger.keys import Ed25519Signer
from salur.ledger.models import LedgerLog
from salur.ledger.witness import Witness
from salur.needs.service import compute_needs
from salur.norms.loader import load_norm
from salur.planning.service import PlanRequest, make_plan
from salur.service.settings import ServiceSettings
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import needs_of, psu_totals, receive_all, tps_totals

PASSWORD = "sandi-rahasia-2024"
MERANTI, DUMAI = "14.10", "14.72"
DISTRICT = "14.10.01"  # Tebing Tinggi
FIELD_VILLAGE = "14.10.01.2007"  # the field officer's desa (11 TPS)
RECEIVED_VILLAGE = "14.10.01.1002"  # a desa whose PPS received its kits
UNWITNESSED_VILLAGE = "14.10.01.2008"  # handed over to the PPK with no Bawaslu witness
# The moment the pages describe: between the PPK -> PPS and the PPS -> TPS deliveries.
CLOCK = "2024-02-11T12:00:00+07:00"
WITNESS_NAME = "bawaslu.go.id/riau"
# (username, role, scope, name, phone): names and phones no public page may ever show.
USERS: list[tuple[str, str, str, str, str]] = [
    ("kpu-riau", "kpu_province", "14", "Hendra Saputra Wijaya", "+62 811 7001 0001"),
    ("kpu-meranti", "kpu_regency", MERANTI, "Siti Aminah Lestari", "+62 812 7001 0002"),
    ("ppk-tebing", "ppk", DISTRICT, "Rahmat Hidayatullah", "+62 813 7001 0003"),
    ("pps-lapangan", "pps", FIELD_VILLAGE, "Nurhayati Syafitri", "+62 821 7001 0004"),
    ("pps-lain", "pps", RECEIVED_VILLAGE, "Zulkifli Pratama", "+62 822 7001 0005"),
    ("kpps-satu", "kpps", "1410012007001", "Dewi Kartika Sari", "+62 823 7001 0006"),
    ("bawaslu-meranti", "bawaslu", MERANTI, "Rina Marlina Pengawas", "+62 852 7001 0007"),
    ("bawaslu-dumai", "bawaslu", DUMAI, "Agus Salim Dumai", "+62 853 7001 0008"),
    ("pkd-lapangan", "bawaslu", FIELD_VILLAGE, "Yusuf Maulana Pengawas", "+62 855 7001 0010"),
    ("polisi-meranti", "police_escort", MERANTI, "Bripka Joko Susilo", "+62 854 7001 0009"),
]
# Scripted devices: (username, device id, custody role, region).
DEVICES = [
    ("kpu-meranti", "D-KAB-MERANTI", "kpu_kab", MERANTI),
    ("ppk-tebing", "D-PPK-TEBING", "ppk", DISTRICT),
    ("pps-lain", "D-PPS-LAIN", "pps", RECEIVED_VILLAGE),
]
WHEN = {
    "warehouse_ppk": "2024-02-05T02:00:00Z",
    "ppk_pps": "2024-02-10T02:00:00Z",
    "receipt": "2024-02-10T06:00:00Z",
    "flood": "2024-02-10T09:00:00Z",
}


def settings_for(keys: Path) -> ServiceSettings:
    """Cheap Argon2 for tests; the log keys of this world."""
    return ServiceSettings(key_dir=keys, password_parameters=profiles.CHEAPEST, cookie_secure=True)


def signer_of(device_id: str) -> Ed25519Signer:
    return Ed25519Signer.from_seed(device_id, (device_id.encode("ascii") * 32)[:32])


@dataclass
class WebWorld:
    """The built store and what tests need to know of it."""

    engine: Engine
    keys: Path
    settings: ServiceSettings
    persons: dict[str, str] = field(default_factory=dict)  # username -> pseudonym
    field_kits: list[str] = field(default_factory=list)  # TPS whose kits head to the field desa
    log_vkey: str = ""
    witness_vkey: str = ""
    witness_dir: Path | None = None

    def cosign(self) -> None:
        """The Bawaslu witness cosigns the log's newest checkpoint."""
        assert self.witness_dir is not None
        with UnitOfWork(self.engine) as uow:
            cosigning.cosign_latest(uow, Witness(self.witness_dir), _log(uow))

    def packages(self, tps: str) -> dict[str, PackageInfo]:
        with UnitOfWork(self.engine) as uow:
            ids = uow.session.scalars(
                select(KitPackage.id)
                .join(Kit, Kit.id == KitPackage.kit_id)
                .join(Tps, Tps.id == Kit.tps_id)
                .where(Tps.code == tps)
            ).all()
            return KitsPackageSource().packages(uow.session, list(ids))

    def receipts(self) -> list[bytes]:
        """Receipts (entry included) of every event recorded, under the latest checkpoint."""
        from salur.custody.models import CustodyEvent

        with UnitOfWork(self.engine) as uow:
            ids = list(uow.session.scalars(select(CustodyEvent.id).order_by(CustodyEvent.id)))
            signed = sign_receipts(uow, ids, keys=self.keys)
        return [signed[i].to_bytes() for i in ids]


def build_world(tmp: Path, engine: Engine | None = None) -> WebWorld:
    """Fill `engine` (default: a new SQLite file in `tmp`), migrating it first."""
    engine = engine or make_engine(f"sqlite:///{tmp / 'web.sqlite'}")
    migrate(engine)
    keys = tmp / "keys"
    world = WebWorld(engine, keys, settings_for(keys))
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("riau"))
    with UnitOfWork(engine) as uow:
        compute_needs(uow, MERANTI, load_norm())
        uow.commit()
    _stock(engine, tmp)
    with UnitOfWork(engine) as uow:
        pack_regency(uow, MERANTI)
    _seal(engine)
    with UnitOfWork(engine) as uow:
        make_plan(uow, PlanRequest(region=MERANTI, seed=3, time_limit_s=1.5))
        uow.commit()
    with UnitOfWork(engine) as uow:
        log = ledger.create_log(uow, election="pemilu-2024", province_code="14", keys=keys)
    world.log_vkey = log.vkey
    _users(world)
    _season(world)
    with UnitOfWork(engine) as uow:  # the incident workflow opens what custody recorded
        sync_custody(uow, now=dt.datetime.fromisoformat(CLOCK))
    witness = Witness.create(tmp / "witness", WITNESS_NAME)
    witness.trust(log.vkey)
    world.witness_vkey = witness.vkey
    world.witness_dir = tmp / "witness"
    with UnitOfWork(engine) as uow:
        cosigning.register_witness(uow, witness.vkey)
    with UnitOfWork(engine) as uow:
        ledger.sign_checkpoint(uow, _log(uow), keys=keys)
    world.cosign()
    return world


def _log(uow: UnitOfWork) -> LedgerLog:
    found = uow.session.scalars(select(LedgerLog)).first()
    assert found is not None
    return found


def _stock(engine: Engine, tmp: Path) -> None:
    """Meranti's full needs delivered; Dumai's ballots delivered 10 % short."""
    needs = tps_totals(needs_of(engine))
    reserve = psu_totals(engine)
    receive_all(
        engine, tmp, {k: needs.get(k, 0) + reserve.get(k, 0) for k in {*needs, *reserve}}, "SJ-001"
    )
    dumai = tps_totals(needs_of(engine, DUMAI))
    short = {k: v * 9 // 10 for k, v in dumai.items()}
    from salur.stock.service import receive
    from tests.integration.stock.meranti import receipt_csv

    with UnitOfWork(engine) as uow:
        path = receipt_csv(tmp / "dumai.csv", short, note="SJ-D-001", regency=DUMAI)
        receive(uow, path, load_norm())


def _seal(engine: Engine) -> None:
    """Two seals on every kotak of Tebing Tinggi."""
    with UnitOfWork(engine) as uow:
        kotak = uow.session.scalars(
            select(KitPackage.id)
            .join(Kit, Kit.id == KitPackage.kit_id)
            .join(Tps, Tps.id == Kit.tps_id)
            .where(KitPackage.kind == "kotak", Tps.village_code.like(DISTRICT + ".%"))
            .order_by(KitPackage.id)
        ).all()
    first = 500_001
    with UnitOfWork(engine) as uow:
        issue_seals(uow, MERANTI, first, first + 2 * len(kotak) - 1)
    actions = [SealAction(first + 2 * i + j, pid) for i, pid in enumerate(kotak) for j in range(2)]
    with UnitOfWork(engine) as uow:
        apply_seals(uow, actions, "gudang KPU Kepulauan Meranti")


def _users(world: WebWorld) -> None:
    passwords = Passwords(profiles.CHEAPEST)
    for username, role, scope, name, phone in USERS:
        with UnitOfWork(world.engine) as uow:
            user = identity.add_user(
                uow,
                identity.NewUser(username, role, scope, name, PASSWORD, phone),
                passwords=passwords,
            )
            world.persons[username] = user.person
    for username, device_id, custody_role, region in DEVICES:
        with UnitOfWork(world.engine) as uow:
            user_row = identity.repo.user_by_username(uow.session, username)
            assert user_row is not None
            identity.register_device(
                uow, user_row.id, signer_of(device_id).verifier().vkey,
                device_role=custody_role, region=region,
            )  # fmt: skip


def _party(
    world: WebWorld, username: str, role: str, region: str, device: str | None
) -> dict[str, Any]:
    out = {"role": role, "region": region, "person": world.persons[username]}
    if device:
        out["device"] = device
    return out


def _items(infos: dict[str, PackageInfo]) -> list[dict[str, Any]]:
    out = []
    for info in sorted(infos.values(), key=lambda p: p.package_id):
        item: dict[str, Any] = {"package": info.package_id, "seals": sorted(info.seals)}
        if info.kind == "kotak":
            item |= {"ballot_type": info.ballot_type, "dapil": info.dapil}
        out.append(item)
    return out


def _record(world: WebWorld, body: dict[str, Any]) -> None:
    canonical = body_dict(parse_submission({"event": body}).event)
    at = dt.datetime.fromisoformat(body["at"].replace("Z", "+00:00"))
    signatures = [
        sign(signer_of(body[party]["device"]), canonical, party, at)
        for party in REQUIRED_SIGNERS[body["type"]]
    ]
    with UnitOfWork(world.engine) as uow:
        record_event(uow, {"event": body, "signatures": signatures})


def _village_tps(world: WebWorld, village: str) -> list[str]:
    with UnitOfWork(world.engine) as uow:
        return list(
            uow.session.scalars(
                select(Tps.code).where(Tps.village_code == village).order_by(Tps.code)
            )
        )


def _event(kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"v": 1, "type": kind, "election": "pemilu-2024", "at": at, **fields}


def _season(world: WebWorld) -> None:
    """Tebing Tinggi's kits to its PPK; desa 1002 received by its PPS; three kits on their way to
    the field desa; a flood reported."""
    with UnitOfWork(world.engine) as uow:
        in_district = Tps.village_code.like(DISTRICT + ".%")
        villages = sorted(set(uow.session.scalars(select(Tps.village_code).where(in_district))))
    police = {"role": "polisi", "region": DISTRICT, "person": "p-" + "7" * 32}
    bawaslu = _party(world, "bawaslu-meranti", "bawaslu_kab", DISTRICT, None)
    kpu = _party(world, "kpu-meranti", "kpu_kab", MERANTI, "D-KAB-MERANTI")
    ppk = _party(world, "ppk-tebing", "ppk", DISTRICT, "D-PPK-TEBING")
    for village in villages:
        infos: dict[str, PackageInfo] = {}
        for tps in _village_tps(world, village):
            infos.update(world.packages(tps))
        witnesses = [police] if village == UNWITNESSED_VILLAGE else [bawaslu, police]
        handover = _event(
            "handover", WHEN["warehouse_ppk"], hop="warehouse_ppk", giver=kpu, receiver=ppk,
            witnesses=witnesses, items=_items(infos),
        )  # fmt: skip
        _record(world, handover)
    received: dict[str, PackageInfo] = {}
    for tps in _village_tps(world, RECEIVED_VILLAGE):
        received.update(world.packages(tps))
    _dispatch(world, RECEIVED_VILLAGE, received)
    pps = _party(world, "pps-lain", "pps", RECEIVED_VILLAGE, "D-PPS-LAIN")
    pkd = _party(world, "bawaslu-meranti", "pkd", RECEIVED_VILLAGE, None)
    receipt = _event(
        "receipt", WHEN["receipt"], hop="ppk_pps", receiver=pps, witnesses=[pkd],
        items=_items(received),
    )  # fmt: skip
    _record(world, receipt)
    world.field_kits = _village_tps(world, FIELD_VILLAGE)[:3]
    for tps in world.field_kits:
        _dispatch(world, FIELD_VILLAGE, world.packages(tps))
    flooded = sorted(world.packages(_village_tps(world, RECEIVED_VILLAGE)[0]))[0]
    report = _event(
        "incident", WHEN["flood"], reporter=pps, category="flood", items=[{"package": flooded}]
    )
    _record(world, report)


def _dispatch(world: WebWorld, village: str, infos: dict[str, PackageInfo]) -> None:
    ppk = _party(world, "ppk-tebing", "ppk", DISTRICT, "D-PPK-TEBING")
    to = {"role": "pps", "region": village}
    _record(world, _event("dispatch", WHEN["ppk_pps"], hop="ppk_pps", giver=ppk, to=to,
                          items=_items(infos)))  # fmt: skip
