"""The service benchmark's world, built once and kept in a cache folder.

The whole of Riau (19,366 TPS): every regency's stock received, a kit packed per TPS and every
kotak sealed (`salur.season.warehouse`, as the season's warehouses do), the province's log,
every officer the kits' events name onboarded with a signing phone (`salur.season.people`: a
KPU, Bawaslu and Polres officer per regency, PPK and Panwascam per kecamatan, PPS and PKD per
desa, KPPS per TPS), and `devices` uploading phones of KPU regency logistics staff, each its
own user with a bearer token, spread over the regencies by their TPS.

Every kit's whole custody cycle is signed beforehand by the season's field
(`salur.season.field`, exactly as phones sign): the three outbound BASTs (seals listed, the
witnesses each hop needs, Bawaslu and police signing on their own phones), the opening at the
TPS with its counts, the sealed return with each kotak's tally and new seal, and the three
return BASTs. Each uploader's kits are dealt from its regency, and its events run hop by hop
over all of them (all first hops, then second, ...), as the days of the election run.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import profiles
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

import salur.tables  # noqa: F401  (every table on Base.metadata)
from salur.custody.config import load_rules
from salur.custody.signing import pseudonym
from salur.db import make_engine, migrate
from salur.geo.models import Regency
from salur.geo.service import load_reference, resolve_folder
from salur.identity import service as identity
from salur.identity.passwords import Passwords
from salur.ledger import service as ledger
from salur.ledger.keys import Ed25519Signer
from salur.norms.loader import load_norm
from salur.season.facts import LOCAL
from salur.season.field import Field, Kit
from salur.season.people import onboard
from salur.season.warehouse import load_kits, pack_and_seal, return_seal_numbers
from salur.stock.demand import regency_needs
from salur.stock.service import receive
from salur.uow import UnitOfWork

VERSION = "2"  # of the cached store and events; bump when their making changes
SEED = 2024  # officers' keys, package ids: the same world on every machine
SECRET = b"salur-benchmark-pseudonym-secret"
PASSWORD = "benchmark-password-1"
PROVINCE = "14"


def _local(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2024, 2, day, hour, tzinfo=LOCAL)


# The custody cycle, in the order of the election's days (voting day is 14 February 2024).
CYCLE: tuple[tuple[str, dt.datetime], ...] = (
    ("warehouse_ppk", _local(5, 9)),
    ("ppk_pps", _local(11, 9)),
    ("pps_kpps", _local(13, 9)),
    ("opening", _local(14, 7)),
    ("sealed_return", _local(14, 21)),
    ("kpps_pps", _local(14, 23)),
    ("pps_ppk", _local(15, 10)),
    ("ppk_warehouse", _local(16, 10)),
)
PACKED = dt.datetime(2024, 1, 20, 9, tzinfo=LOCAL)
ONBOARDED = dt.datetime(2024, 1, 25, 9, tzinfo=LOCAL)
TURNOUT = 0.8  # of the DPT; 2024: 81.8%

console = Console()


@dataclass
class Uploader:
    """One simulated phone: its id, its user's bearer token and the events it will upload."""

    device: str
    token: str
    events: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0


def prepare(cache: Path, devices: int) -> tuple[Path, list[Uploader]]:
    """The cached store (built if missing) and the uploaders with their signed events."""
    marker = cache / f"ready-{VERSION}-{devices}.json"
    store, events = cache / "store.sqlite", cache / f"events-{devices}.json.gz"
    if not marker.exists():
        if cache.exists():
            shutil.rmtree(cache)
        cache.mkdir(parents=True)
        started = time.monotonic()
        console.print(f"Building the benchmark store in {cache} (once, some minutes) ...")
        uploaders, kits = build_store(store, cache / "keys", cache, devices)
        console.print("Signing every kit's custody cycle ...")
        write_events(events, uploaders, kits)
        marker.write_text(json.dumps({"built_in_s": round(time.monotonic() - started)}))
    with gzip.open(events, "rt", encoding="utf-8") as f:
        loaded = [Uploader(**row) for row in json.load(f)]
    return store, loaded


def build_store(
    path: Path, keys: Path, cache: Path, devices: int
) -> tuple[list[Uploader], dict[str, Kit]]:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("riau"))
    norm = load_norm()
    with Session(engine) as session:
        regencies = list(session.scalars(select(Regency.code).order_by(Regency.code)))
    stocked = [r for r in regencies if _receive_stock(engine, r, cache, norm)]
    pack_and_seal(engine, stocked, norm, SEED, PACKED)
    with UnitOfWork(engine) as uow:
        ledger.create_log(uow, election="pemilu-2024", province_code=PROVINCE, keys=keys)
    with Session(engine) as session:
        kits = load_kits(session, PROVINCE, return_seal_numbers(engine, stocked))
    officers = Field(SEED, load_rules())
    officers.enlist(kits.values())
    onboard(engine, officers.officers(), set(), SEED, load_rules(), ONBOARDED)
    uploaders = _uploaders(engine, kits, devices)
    engine.dispose()
    return uploaders, kits


def _receive_stock(engine: Any, regency: str, cache: Path, norm: Any) -> bool:
    """A delivery note (BTTB) of exactly the regency's needs, received into its stock."""
    with UnitOfWork(engine) as uow:
        needs = regency_needs(uow.session, regency, norm)
        stock = needs.tps_totals()
        for key, quantity in needs.psu_totals().items():
            stock[key] = stock.get(key, 0) + quantity
    if not stock:
        return False
    paper = cache / f"bttb-{regency}.csv"
    with paper.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["regency", "supplier", "note_number", "date", "item", "dapil", "quantity"])
        for key, quantity in stock.items():
            item = key.ballot_type or key.item
            writer.writerow(
                [regency, "PT Percetakan", f"SJ-{regency}", "2024-01-10", item, key.dapil, quantity]
            )
    with UnitOfWork(engine) as uow:
        receive(uow, paper, norm)
    return True


def _uploaders(engine: Any, kits: dict[str, Kit], count: int) -> list[Uploader]:
    """`count` uploading phones of KPU regency staff, spread over the regencies by TPS."""
    by_regency: dict[str, int] = {}
    for kit in kits.values():
        by_regency[kit.regency] = by_regency.get(kit.regency, 0) + 1
    passwords = Passwords(profiles.CHEAPEST)
    uploaders = []
    for regency, n in sorted(_shares(by_regency, count).items()):
        for i in range(n):
            name = f"logistik-{regency.replace('.', '')}-{i:02d}"
            new = identity.NewUser(
                name, "kpu_regency", regency, name, PASSWORD, person=pseudonym(SECRET, name)
            )
            with UnitOfWork(engine) as uow:
                user = identity.add_user(uow, new, passwords=passwords)
            device = f"D-KAB-{regency.replace('.', '')}-{i:02d}"
            phone = Ed25519Signer.from_seed(device, (device.encode() * 32)[:32])
            with UnitOfWork(engine) as uow:
                identity.register_device(uow, user.id, phone.verifier().vkey)
            with UnitOfWork(engine) as uow:
                issued = identity.sign_in(
                    uow,
                    name,
                    PASSWORD,
                    address="bench",
                    kind="bearer",
                    lifetime=dt.timedelta(days=3650),
                    passwords=passwords,
                )
            uploaders.append(Uploader(device, issued.token))
    return uploaders


def _shares(weights: dict[str, int], count: int) -> dict[str, int]:
    """`count` split over the keys in proportion to `weights`, at least one each."""
    total = sum(weights.values())
    shares = {k: max(1, round(count * w / total)) for k, w in weights.items()}
    while sum(shares.values()) > count:
        biggest = max(shares, key=lambda k: shares[k])
        shares[biggest] -= 1
    while sum(shares.values()) < count:
        smallest = min(shares, key=lambda k: shares[k] / weights[k])
        shares[smallest] += 1
    return shares


# --- the signed events --------------------------------------------------------------------


def write_events(path: Path, uploaders: list[Uploader], kits: dict[str, Kit]) -> None:
    """Each uploader's kits (its regency's, dealt out in turn), signed in worker processes."""
    by_regency: dict[str, list[Uploader]] = {}
    for uploader in uploaders:
        regency = f"{uploader.device[6:8]}.{uploader.device[8:10]}"
        by_regency.setdefault(regency, []).append(uploader)
    jobs = []
    for regency, members in by_regency.items():
        mine = [kit for tps, kit in sorted(kits.items()) if kit.regency == regency]
        for n, uploader in enumerate(members):
            jobs.append((uploader.device, mine[n :: len(members)]))
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(2, os.cpu_count() or 1), initializer=_start_field) as pool:
        signed = dict(pool.map(_sign_all, jobs, chunksize=4))
    rows = []
    for uploader in uploaders:
        events = [
            {"idempotency_key": f"{uploader.device}-{n:06d}", "sequence": n, "submission": s}
            for n, s in enumerate(signed[uploader.device], start=1)
        ]
        rows.append({"device": uploader.device, "token": uploader.token, "events": events})
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(rows, f)


_field: Field | None = None  # each signing process's own (keys derive from SEED)


def _start_field() -> None:
    global _field
    _field = Field(SEED, load_rules())


def _sign_all(job: tuple[str, list[Kit]]) -> tuple[str, list[dict[str, Any]]]:
    device, kits = job
    assert _field is not None
    return device, [_event(_field, step, at, kit) for step, at in CYCLE for kit in kits]


def _event(officers: Field, step: str, at: dt.datetime, kit: Kit) -> dict[str, Any]:
    """One step of a kit's custody cycle, signed by its parties (and witnesses' phones)."""
    if step == "opening":
        items = officers.items([kit])
        counts = {p.package_id: p.count for p in kit.packages if p.kind == "kotak"}
        for item in items:
            if item["package"] in counts:
                item["count"] = counts[item["package"]]
        return officers.at_tps("opening", kit, at, items)
    if step == "sealed_return":
        return officers.at_tps("sealed_return", kit, at, _tallies(kit))
    return officers.handover(step, [kit], at)


def _tallies(kit: Kit) -> list[dict[str, Any]]:
    """Each package under its return seal; each kotak's count after voting, balanced."""
    items = []
    for p in kit.packages:
        seal = kit.return_seals.get(p.package_id)
        item: dict[str, Any] = {"package": p.package_id, "seals": [seal] if seal else []}
        if p.kind == "kotak":
            voters = int(p.count / 1.02 * TURNOUT)  # the DPT plus the 2% reserve was issued
            unused = p.count - voters
            item["tally"] = {"used": voters, "unused": unused, "damaged": 0, "voters": voters}
        items.append(item)
    return items
