"""The service's test world: a real store with Riau's geography, Kepulauan Meranti packed and
planned, the province's log, two users per role (one scoped over the test area, one scoped
elsewhere), their signing devices and bearer tokens, and builders of signed custody events.

The store is built once per backend and cloned for each test module (a file copy, or a
PostgreSQL template database), so modules that write never see each other's writes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from argon2 import profiles
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import salur.tables  # noqa: F401  (every table on Base.metadata before migrating)
from salur.custody.events import body_dict, parse_submission
from salur.custody.signing import REQUIRED_SIGNERS, pseudonym, sign
from salur.db import make_engine, migrate
from salur.geo.models import Province, Tps
from salur.geo.service import load_reference, resolve_folder
from salur.identity import repository as identity_repo
from salur.identity import service as identity
from salur.identity.passwords import Passwords
from salur.kits.models import Kit, KitPackage
from salur.kits.service import pack_regency
from salur.ledger import service as ledger
from salur.ledger.keys import Ed25519Signer
from salur.planning.service import PlanRequest, make_plan
from salur.service.settings import ServiceSettings
from salur.uow import UnitOfWork
from tests.conftest import POSTGRES_URL
from tests.integration.stock.meranti import (
    MERANTI,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
)

PASSWORD = "sandi-rahasia-2024"
SECRET = b"service-test-pseudonym-secret-01"
PASSWORDS = profiles.CHEAPEST
DISTRICT_A, DISTRICT_B = "14.10.01", "14.10.02"
VILLAGE_A, VILLAGE_B = "14.10.01.1001", "14.10.01.1002"
TPS_A, TPS_B = "1410011001001", "1410011001002"
# Each role's user over the test area, and the same role's user somewhere else.
SCOPES: dict[str, tuple[str, str]] = {
    "kpu_province": ("14", "13"),
    "kpu_regency": (MERANTI, "14.72"),
    "ppk": (DISTRICT_A, DISTRICT_B),
    "pps": (VILLAGE_A, VILLAGE_B),
    "kpps": (TPS_A, TPS_B),
    "police_escort": (MERANTI, "14.72"),
    "bawaslu": ("14", "13"),
}
# Signing devices of the in-area users: (device id, custody role, region).
DEVICES: dict[str, tuple[str, str, str]] = {
    "kpu_regency": ("D-KAB-1410", "kpu_kab", MERANTI),
    "ppk": ("D-PPK-141001", "ppk", DISTRICT_A),
    "pps": ("D-PPS-14100110", "pps", VILLAGE_A),
    "kpps": ("D-KPPS-141001100", "kpps", TPS_A),
    "police_escort": ("D-POL-1410", "polisi", MERANTI),
    "bawaslu": ("D-BWS-14", "bawaslu_kab", "14"),
}
SPARE_DEVICE = "D-SPARE-01"  # the PPK's second device, for revocation
HOLDERS = {"warehouse": "kpu_regency", "ppk": "ppk", "pps": "pps", "kpps": "kpps"}
CUSTODY_ROLE = {"warehouse": "kpu_kab", "ppk": "ppk", "pps": "pps", "kpps": "kpps"}
WHEN = {
    "warehouse_ppk": "2024-02-05T02:00:00Z",
    "ppk_pps": "2024-02-11T02:00:00Z",
    "pps_kpps": "2024-02-13T02:00:00Z",
}
WITNESS_ROLES = {
    "warehouse_ppk": ("bawaslu_kab", "polisi"),
    "ppk_pps": ("panwascam", "polisi"),
    "pps_kpps": ("pkd", "polisi"),
}


def settings_for(keys: Path) -> ServiceSettings:
    """The service's settings in tests: the world's log keys, cheap Argon2."""
    return ServiceSettings(key_dir=keys, password_parameters=PASSWORDS, cookie_secure=True)


def username(role: str, side: str = "in") -> str:
    return f"{role.replace('_', '-')}-{side}"


def signer_of(device_id: str) -> Ed25519Signer:
    seed = (device_id.encode("ascii") * 32)[:32]
    return Ed25519Signer.from_seed(device_id, seed)


def person_of(name: str) -> str:
    return pseudonym(SECRET, name)


@dataclass
class World:
    """A clone of the built store, and what tests need to act in it."""

    engine: Engine
    keys: Path
    tokens: dict[str, str]  # username -> bearer token
    packages: dict[str, list[Package]]  # TPS -> its kit's packages, in opening order
    settings: ServiceSettings = field(init=False)

    def __post_init__(self) -> None:
        self.settings = settings_for(self.keys)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def token(self, role: str, side: str = "in") -> str:
        return self.tokens[username(role, side)]

    def auth(self, role: str, side: str = "in") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, side)}"}

    def party(self, level: str, region: str, *, device: str | None = None) -> dict[str, Any]:
        """The holder of `level` as a party, signing with its device (or `device`)."""
        role = HOLDERS[level]
        out = {"role": CUSTODY_ROLE[level], "region": region, "person": person_of(username(role))}
        out["device"] = device or DEVICES[role][0]
        return out

    def items(self, tps: str) -> list[dict[str, Any]]:
        out = []
        for package in self.packages[tps]:
            item: dict[str, Any] = {"package": package.id}
            if package.kind == "kotak":
                item |= {"ballot_type": package.ballot_type, "dapil": package.dapil}
            out.append(item)
        return out

    def handover(
        self, tps: str, hop: str, *, devices: dict[str, str] | None = None, **changes: Any
    ) -> dict[str, Any]:
        """A signed BAST of a whole kit on its ordinary date, with the witnesses it needs;
        `devices` names other devices of the holders (by level) than their usual ones."""
        devices = devices or {}
        giver, receiver = hop.split("_")
        region = {"warehouse": MERANTI, "ppk": tps_district(tps), "pps": tps_village(tps)}
        region["kpps"] = tps
        body = {
            "v": 1,
            "type": "handover",
            "election": "pemilu-2024",
            "at": WHEN[hop],
            "hop": hop,
            "giver": self.party(giver, region[giver], device=devices.get(giver)),
            "receiver": self.party(receiver, region[receiver], device=devices.get(receiver)),
            "witnesses": [
                {"role": role, "region": region[receiver], "person": person_of(f"saksi-{role}")}
                for role in WITNESS_ROLES[hop]
            ],
            "items": self.items(tps),
        }
        return signed(body | changes)

    def at_tps(self, tps: str, kind: str, *, short: int = 0, **changes: Any) -> dict[str, Any]:
        """The KPPS at its TPS: `opening` or `sealed_return` (new seals, and each kotak's tally,
        balanced unless `short` ballots go missing from the first) on voting day."""
        items = []
        for number, package in enumerate(self.packages[tps], start=1):
            item: dict[str, Any] = {"package": package.id}
            if kind == "sealed_return" and package.kind == "kotak":
                used = package.quantity - 10
                lost = short if number == 1 else 0
                item["seals"] = [990_000 + int(tps[-6:]) * 10 + number]
                item["tally"] = {"used": used, "unused": 8 - lost, "damaged": 2, "voters": used}
            items.append(item)
        body = {
            "v": 1,
            "type": kind,
            "election": "pemilu-2024",
            "at": "2024-02-14T01:00:00Z" if kind == "opening" else "2024-02-14T12:00:00Z",
            "by": self.party("kpps", tps),
            "items": items,
        }
        return signed(body | changes)

    def incident(
        self, at: str, *, level: str = "pps", category: str = "flood", device: str | None = None
    ) -> dict[str, Any]:
        """A signed report about no package (a flooded road, say) by the holder of a level."""
        region = {"ppk": DISTRICT_A, "pps": VILLAGE_A, "kpps": TPS_A}[level]
        body = {
            "v": 1,
            "type": "incident",
            "election": "pemilu-2024",
            "at": at,
            "reporter": self.party(level, region, device=device),
            "category": category,
            "items": [],
        }
        return signed(body)


def signed(body: dict[str, Any]) -> dict[str, Any]:
    """Signatures of every party the event needs (witnesses carry no device here)."""
    canonical = body_dict(parse_submission({"event": body}).event)
    at = dt.datetime.fromisoformat(body["at"].replace("Z", "+00:00"))
    signatures = [
        sign(signer_of(body[party]["device"]), canonical, party, at)
        for party in REQUIRED_SIGNERS[body["type"]]
    ]
    return {"event": body, "signatures": signatures}


def tps_village(tps: str) -> str:
    return f"{tps[0:2]}.{tps[2:4]}.{tps[4:6]}.{tps[6:10]}"


def tps_district(tps: str) -> str:
    return f"{tps[0:2]}.{tps[2:4]}.{tps[4:6]}"


# --- building the store --------------------------------------------------------------------


def build(engine: Engine, keys: Path, tmp: Path) -> tuple[dict[str, str], dict[str, list[Package]]]:
    """Fill a migrated store; returns the bearer tokens and the packages of village A's TPS."""
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("riau"))
    with UnitOfWork(engine) as uow:
        uow.session.add(Province(code="13", name="SUMATERA BARAT"))
        uow.commit()
    needs = tps_totals(needs_of(engine))
    reserve = psu_totals(engine)
    stock = {k: needs.get(k, 0) + reserve.get(k, 0) for k in {*needs, *reserve}}
    receive_all(engine, tmp, stock, "SJ-001")
    with UnitOfWork(engine) as uow:
        pack_regency(uow, MERANTI)
    with UnitOfWork(engine) as uow:
        make_plan(uow, PlanRequest(region=MERANTI, time_limit_s=0.5))
        uow.commit()
    with UnitOfWork(engine) as uow:
        ledger.create_log(uow, election="pemilu-2024", province_code="14", keys=keys)
    tokens = _users_and_devices(engine)
    return tokens, _packages(engine)


def _users_and_devices(engine: Engine) -> dict[str, str]:
    passwords = Passwords(PASSWORDS)
    tokens = {}
    for role, sides in SCOPES.items():
        for side, scope in zip(("in", "out"), sides, strict=True):
            name = username(role, side)
            new = identity.NewUser(
                name,
                role,
                scope,
                f"Petugas {name}",
                PASSWORD,
                "+62 812 0000 0000",
                person_of(name),
            )
            with UnitOfWork(engine) as uow:
                user = identity.add_user(uow, new, passwords=passwords)
            if side == "in" and role in DEVICES:
                device_id, custody_role, region = DEVICES[role]
                with UnitOfWork(engine) as uow:
                    identity.register_device(
                        uow,
                        user.id,
                        signer_of(device_id).verifier().vkey,
                        device_role=custody_role,
                        region=region,
                    )
            with UnitOfWork(engine) as uow:
                issued = identity.sign_in(
                    uow,
                    name,
                    PASSWORD,
                    address="127.0.0.1",
                    kind="bearer",
                    lifetime=dt.timedelta(days=30),
                    passwords=passwords,
                )
            tokens[name] = issued.token
    with UnitOfWork(engine) as uow:
        ppk = identity_repo.user_by_username(uow.session, username("ppk"))
        assert ppk is not None
        identity.register_device(uow, ppk.id, signer_of(SPARE_DEVICE).verifier().vkey)
    return tokens


class Package(NamedTuple):
    """A kit's package as the tests sign for it."""

    id: str
    kind: str
    ballot_type: str
    dapil: str
    quantity: int


def _packages(engine: Engine) -> dict[str, list[Package]]:
    query = (
        select(
            Tps.code,
            KitPackage.id,
            KitPackage.kind,
            KitPackage.ballot_type,
            KitPackage.dapil,
            KitPackage.count,
        )
        .join(Kit, Kit.tps_id == Tps.id)
        .join(KitPackage, KitPackage.kit_id == Kit.id)
        .where(Tps.village_code.in_([VILLAGE_A, VILLAGE_B]))
        .order_by(Tps.code, KitPackage.seq)
    )
    out: dict[str, list[Package]] = {}
    with engine.connect() as conn:
        for tps, package, kind, ballot_type, dapil, quantity in conn.execute(query).all():
            row = Package(str(package), str(kind), str(ballot_type), str(dapil), int(quantity))
            out.setdefault(str(tps), []).append(row)
    return out


# --- one built store per backend, cloned per module -----------------------------------------


@dataclass
class Template:
    """A built store: an SQLite file, or a PostgreSQL database to clone."""

    backend: str
    location: str
    keys: Path
    tokens: dict[str, str]
    packages: dict[str, list[Package]]
    clones: list[str] = field(default_factory=list)


def build_template(backend: str, tmp: Path) -> Template:
    keys = tmp / "keys"
    if backend == "sqlite":
        path = tmp / "template.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        location = str(path)
    else:
        location = f"svc_template_{uuid.uuid4().hex[:10]}"
        _admin(f"CREATE DATABASE {location}")
        engine = make_engine(_database(location))
    try:
        migrate(engine)
        tokens, packages = build(engine, keys, tmp)
    finally:
        engine.dispose()
    return Template(backend, location, keys, tokens, packages)


def clone(template: Template, tmp: Path) -> Iterator[World]:
    """A fresh copy of the built store, as a World."""
    if template.backend == "sqlite":
        path = tmp / f"clone-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copyfile(template.location, path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        name = f"svc_{uuid.uuid4().hex[:12]}"
        try:
            _admin(f"CREATE DATABASE {name} TEMPLATE {template.location} STRATEGY WAL_LOG")
        except DBAPIError:
            _admin(f"CREATE DATABASE {name} TEMPLATE {template.location}")
        template.clones.append(name)
        engine = make_engine(_database(name))
    try:
        yield World(engine, template.keys, template.tokens, template.packages)
    finally:
        engine.dispose()


def drop_template(template: Template) -> None:
    if template.backend == "postgresql":
        for name in [*template.clones, template.location]:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()
