"""A custody test world: a migrated store with Riau's log, one signing device per role, and an
in-memory kits source (the edge custody reaches kits through), with event builders.

Each test takes fresh kits (a new TPS each), so tests share one store per backend and check
what they wrote by counting before and after.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import salur.custody.models  # noqa: F401  (custody tables on Base.metadata before migrating)
from salur.custody import devices, service
from salur.custody.config import CustodyRules, load_rules
from salur.custody.events import body_dict, format_time, parse_submission
from salur.custody.models import (
    CustodyDevice,
    CustodyEvent,
    CustodyFinding,
    CustodyItem,
    CustodyPackage,
)
from salur.custody.packages import PackageSource, SealChanges, SealRegistry
from salur.custody.signing import REQUIRED_SIGNERS, pseudonym, sign
from salur.custody.tepat import PackageInfo
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.keys import Ed25519Signer
from salur.ledger.models import LedgerLog
from salur.uow import UnitOfWork
from tests.conftest import new_engine

REGENCY, DISTRICT = "14.10", "14.10.01"
SECRET = b"test-office-pseudonym-secret-01!"
ROLES = (
    *("kpu_kab", "ppk", "pps", "kpps"),
    *("bawaslu_kab", "panwascam", "pkd", "ptps", "polisi", "linmas"),
)
TPS_DAPIL = {"ppwp": "ID", "dpr": "1402", "dpd": "14", "dprd_prov": "140002", "dprd_kab": "141001"}
HOLDER = {"warehouse": "kpu_kab", "ppk": "ppk", "pps": "pps", "kpps": "kpps"}
# When each hop happens in a kit's ordinary life (UTC; WIB is UTC+7).
WHEN = {
    "warehouse_ppk": "2024-02-05T02:00:00Z",
    "ppk_pps": "2024-02-11T02:00:00Z",
    "pps_kpps": "2024-02-13T02:00:00Z",
    "opening": "2024-02-14T00:30:00Z",
    "sealed_return": "2024-02-14T15:00:00Z",
    "kpps_pps": "2024-02-14T17:00:00Z",
    "pps_ppk": "2024-02-15T03:00:00Z",
    "ppk_warehouse": "2024-02-16T03:00:00Z",
}
OUTBOUND = ("warehouse_ppk", "ppk_pps", "pps_kpps")
_numbers = itertools.count(1)


@dataclass
class Kit:
    """The packages of one TPS: two kotak (PPWP, DPR) with two seals each, and the bilik."""

    number: int
    village: str
    tps: str
    packages: list[PackageInfo]
    new_seals: dict[str, list[int]] = field(default_factory=dict)

    def region(self, level: str) -> str:
        return {"warehouse": REGENCY, "ppk": DISTRICT, "pps": self.village, "kpps": self.tps}[level]

    @property
    def kotak(self) -> list[PackageInfo]:
        return [p for p in self.packages if p.kind == "kotak"]


class FakeKits:
    """The kits feature as custody sees it: package id -> what and where the package is, and a
    seal registry that takes every new seal and keeps the moves it is told of (not rolled back:
    tests of seals on a refused event use the real registry)."""

    def __init__(self) -> None:
        self.known: dict[str, PackageInfo] = {}
        self.seal_moves: list[tuple[SealChanges, str]] = []

    def packages(self, session: Session, ids: Collection[str]) -> dict[str, PackageInfo]:
        return {pid: self.known[pid] for pid in ids if pid in self.known}

    def unusable(self, session: Session, wanted: Mapping[int, str]) -> dict[int, str]:
        return {}

    def record(
        self, session: Session, changes: SealChanges, actor: str, note: str, at: dt.datetime
    ) -> None:
        self.seal_moves.append((changes, note))

    def new_kit(self) -> Kit:
        n = next(_numbers)
        village = f"{DISTRICT}.{2000 + n}"
        tps = f"141001{2000 + n}001"
        packages = [
            self._package(f"K-{tps}-PPWP-A{n:03d}", "kotak", tps, village, "ppwp", 245, n * 10),
            self._package(f"K-{tps}-DPR-B{n:03d}", "kotak", tps, village, "dpr", 245, n * 10 + 2),
            self._package(f"B-{tps}-BILIK-C{n:03d}", "bilik", tps, village, "", 4, None),
        ]
        for package in packages:
            self.known[package.package_id] = package
        kit = Kit(n, village, tps, packages)
        kit.new_seals = {p.package_id: [900_000 + n * 10 + i] for i, p in enumerate(kit.kotak)}
        return kit

    @staticmethod
    def _package(
        pid: str, kind: str, tps: str, village: str, bt: str, count: int, seal: int | None
    ) -> PackageInfo:
        return PackageInfo(
            package_id=pid,
            kind=kind,
            tps_code=tps,
            village_code=village,
            district_code=DISTRICT,
            regency_code=REGENCY,
            ballot_type=bt,
            dapil=TPS_DAPIL.get(bt, ""),
            count=count,
            seals=frozenset({seal, seal + 1}) if seal is not None else frozenset(),
            tps_dapil=TPS_DAPIL,
        )


@dataclass
class World:
    """One store per backend, shared by a module's tests."""

    engine: Engine
    keys: Path
    log: LedgerLog
    kits: FakeKits
    rules: CustodyRules
    signers: dict[str, Ed25519Signer]
    source: PackageSource | None = None  # where recording reads packages (default: `kits`)
    registry: SealRegistry | None = None  # where recording moves seals (default: `kits`)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def new_kit(self) -> Kit:
        return self.kits.new_kit()

    def person(self, role: str) -> str:
        return pseudonym(SECRET, f"officer-{role}")

    def party(self, role: str, region: str, *, device: bool = True) -> dict[str, Any]:
        out = {"role": role, "region": region, "person": self.person(role)}
        if device:
            out["device"] = self.signers[role].name
        return out

    def witnesses(self, hop: str, region: str) -> list[dict[str, Any]]:
        """One witness of each group the hop requires (the first role of the group)."""
        return [self.party(group[0], region) for group in self.rules.hops[hop].witnesses]

    def items(self, kit: Kit, **fields: Any) -> list[dict[str, Any]]:
        """Every package of the kit as seen intact, its dapil read off the sampul."""
        out = []
        for p in kit.packages:
            item: dict[str, Any] = {"package": p.package_id, "seals": sorted(p.seals)}
            if p.kind == "kotak":
                item |= {"ballot_type": p.ballot_type, "dapil": p.dapil}
            out.append(item | fields)
        return out

    def returned_items(self, kit: Kit) -> list[dict[str, Any]]:
        """Every package of the kit on the way back, under the seals applied after counting."""
        return [
            {"package": p.package_id, "seals": kit.new_seals.get(p.package_id, [])}
            for p in kit.packages
        ]

    def hop(self, kit: Kit, hop: str, **changes: Any) -> dict[str, Any]:
        """A signed handover of the whole kit on its ordinary date, with required witnesses."""
        giver, receiver = hop.split("_")
        body = {
            "v": 1,
            "type": "handover",
            "election": "pemilu-2024",
            "at": WHEN[hop],
            "hop": hop,
            "giver": self.party(HOLDER[giver], kit.region(giver)),
            "receiver": self.party(HOLDER[receiver], kit.region(receiver)),
            "witnesses": self.witnesses(hop, kit.region(receiver)),
            "items": self.items(kit) if hop in OUTBOUND else self.returned_items(kit),
            "gps": {"lat": 1.0, "lon": 102.7, "accuracy_m": 12.5},
            "photo_sha256": "ab" * 32,
        }
        return self.signed(body | changes)

    def at_tps(self, kit: Kit, kind: str, **changes: Any) -> dict[str, Any]:
        """An event of the KPPS at its TPS: opening, sealed_return or seal_check."""
        body = {
            "v": 1,
            "type": kind,
            "election": "pemilu-2024",
            "at": WHEN.get(kind, WHEN["opening"]),
            "by": self.party("kpps", kit.tps),
            "witnesses": [self.party("ptps", kit.tps)],
            "items": self.items(kit),
        }
        return self.signed(body | changes)

    def signed(self, body: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """Signatures of every required party and every witness with a device."""
        canonical = body_dict(parse_submission({"event": body}).event)
        at = dt.datetime.fromisoformat(body["at"].replace("Z", "+00:00"))
        signatures = []
        for party in REQUIRED_SIGNERS[body["type"]]:
            if party not in skip:
                signer = self.signers[body[party]["role"]]
                signatures.append(sign(signer, canonical, party, at))
        for witness in body.get("witnesses", []):
            if "device" in witness and "witness" not in skip:
                signatures.append(sign(self.signers[witness["role"]], canonical, "witness", at))
        return {"event": body, "signatures": signatures}

    def record(self, submission: dict[str, Any]) -> service.Recorded:
        with UnitOfWork(self.engine) as uow:
            return service.record_event(
                uow,
                submission,
                packages=self.source or self.kits,
                seals=self.registry or self.kits,
                rules=self.rules,
            )

    def walk(self, kit: Kit, *stops: str) -> list[service.Recorded]:
        """Record the kit's ordinary events, in order, up to and including the last stop."""
        out = []
        for stop in stops:
            if stop in ("opening", "sealed_return"):
                out.append(self.record(self.ordinary_at_tps(kit, stop)))
            else:
                out.append(self.record(self.hop(kit, stop)))
        return out

    def ordinary_at_tps(self, kit: Kit, kind: str) -> dict[str, Any]:
        if kind == "opening":
            items = [
                i | ({"count": 245} if "ballot_type" in i else {"count": 4})
                for i in self.items(kit)
            ]
            return self.at_tps(kit, "opening", items=items)
        items = []
        for p in kit.packages:
            item: dict[str, Any] = {"package": p.package_id}
            if p.kind == "kotak":
                item["seals"] = kit.new_seals[p.package_id]
                item["tally"] = {"used": 200, "unused": 43, "damaged": 2, "voters": 200}
            items.append(item)
        return self.at_tps(kit, "sealed_return", items=items)

    def counts(self) -> dict[str, int]:
        """Rows of every custody table and the log's size, as committed."""
        with Session(self.engine) as s:
            out = {
                model.__tablename__: int(s.scalar(select(func.count()).select_from(model)) or 0)
                for model in (
                    CustodyEvent,
                    CustodyItem,
                    CustodyFinding,
                    CustodyPackage,
                    CustodyDevice,
                )
            }
            out["log"] = ledger_repo.log_size(s, self.log.id)
        return out

    def package(self, package_id: str) -> CustodyPackage | None:
        with Session(self.engine) as s:
            return s.get(CustodyPackage, package_id)


def make_world(backend: str, tmp: Path) -> Iterator[World]:
    """A store on `backend` with Riau's log and one device per role, scoped to the regency."""
    for engine in new_engine(backend, tmp):
        keys = tmp / "keys"
        rules = load_rules()
        registered = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
        with UnitOfWork(engine) as uow:
            log = ledger.create_log(uow, election="pemilu-2024", province_code="14", keys=keys)
        signers = {}
        for i, role in enumerate(ROLES):
            signer = Ed25519Signer.from_seed(f"D-{role.upper()}-01", bytes([i + 1]) * 32)
            with UnitOfWork(engine) as uow:
                devices.register_device(
                    uow,
                    signer.verifier().vkey,
                    role=role,
                    region=REGENCY,
                    person=pseudonym(SECRET, f"officer-{role}"),
                    rules=rules,
                    now=registered,
                )
            signers[role] = signer
        yield World(engine, keys, log, FakeKits(), rules, signers)


def time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc_text(at: dt.datetime) -> str:
    return format_time(at)
