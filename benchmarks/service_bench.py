"""Benchmark the salur service over HTTP: handovers accepted per second through batched sync
from 100 simulated devices, with their latency, then public reads per second.

    .venv/bin/python benchmarks/service_bench.py                         # 2 minutes of sync
    .venv/bin/python benchmarks/service_bench.py --duration 30 --reads 10    # quicker

The store is the whole of Riau (19,366 TPS) with every regency's kits packed from stock, the
province's log, and signing devices: per kecamatan a PPK, a PPS and a KPPS device, and 100
uploading devices of KPU regency logistics staff (each its own user with a bearer token),
spread over the regencies by their TPS. Every kit's three outbound BASTs (warehouse -> PPK ->
PPS -> KPPS, two device signatures each, the witnesses each hop needs) are signed beforehand
and split over the devices in hop order. All of this is built once and kept in --cache
(var/bench/service); each run starts from a fresh copy of that store, against a real
`salur serve --api-only --workers 2` process (SQLite, synchronous=FULL, as salur ships it;
two workers, one per core of the 2-core machine the goals are set for).

Sync: each device uploads --batch events every devices x batch / --rate seconds (an offered
load of --rate handovers per second), as phones that come online do; a batch that fails, or
has an event answered "send it again later", is sent again with the same keys (each key is
counted once). Counted: events accepted (not duplicates) per second, overall
and per 10-second window (the median of the windows is the headline), and the latency of each
upload. Reads: --readers keep-alive connections read the public log (checkpoint, entries,
inclusion proofs) and the geography for --reads seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import gzip
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from argon2 import profiles
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

import salur.tables  # noqa: F401  (every table on Base.metadata)
from salur.custody import devices as custody_devices
from salur.custody.events import body_dict, parse_submission
from salur.custody.signing import pseudonym, sign
from salur.db import make_engine, migrate
from salur.geo.models import District, Regency, Tps
from salur.geo.service import load_reference, resolve_folder
from salur.identity import service as identity
from salur.identity.passwords import Passwords
from salur.kits.models import Kit, KitPackage
from salur.kits.service import pack_regency
from salur.ledger import service as ledger
from salur.ledger.keys import Ed25519Signer
from salur.norms.loader import load_norm
from salur.stock.demand import regency_needs
from salur.stock.service import receive
from salur.uow import UnitOfWork

VERSION = "1"  # of the cached store and events; bump when their making changes
SECRET = b"salur-benchmark-pseudonym-secret"
PASSWORD = "benchmark-password-1"
HOPS = ("warehouse_ppk", "ppk_pps", "pps_kpps")
WHEN = {
    "warehouse_ppk": "2024-02-05T02:00:00Z",
    "ppk_pps": "2024-02-11T02:00:00Z",
    "pps_kpps": "2024-02-13T02:00:00Z",
}
WITNESSES = {"warehouse_ppk": ("bawaslu_kab", "polisi"), "ppk_pps": ("panwascam", "polisi")}
WITNESSES["pps_kpps"] = ("pkd", "polisi")
console = Console()


# --- the store, built once ----------------------------------------------------------------


@dataclass
class Uploader:
    """One simulated device: its id, its user's bearer token and the events it will upload."""

    device: str
    token: str
    events: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0


def prepare(cache: Path, devices: int) -> tuple[Path, list[Uploader]]:
    """The cached store (built if missing) and the devices' signed events."""
    marker = cache / f"ready-{VERSION}-{devices}.json"
    store, events = cache / "store.sqlite", cache / f"events-{devices}.json.gz"
    if not marker.exists():
        if cache.exists():
            shutil.rmtree(cache)
        cache.mkdir(parents=True)
        started = time.monotonic()
        console.print(f"Building the benchmark store in {cache} (once) ...")
        uploaders, kits = build_store(store, cache / "keys", cache, devices)
        console.print("Signing every kit's outbound handovers ...")
        write_events(events, uploaders, kits)
        marker.write_text(json.dumps({"built_in_s": round(time.monotonic() - started)}))
    with gzip.open(events, "rt", encoding="utf-8") as f:
        loaded = [Uploader(**row) for row in json.load(f)]
    return store, loaded


def build_store(
    path: Path, keys: Path, cache: Path, devices: int
) -> tuple[list[Uploader], dict[str, list[dict[str, Any]]]]:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("riau"))
    norm = load_norm()
    with UnitOfWork(engine) as uow:
        regencies = list(uow.session.scalars(select(Regency.code).order_by(Regency.code)))
    for regency in regencies:
        with UnitOfWork(engine) as uow:
            needs = regency_needs(uow.session, regency, norm)
            stock = needs.tps_totals()
            for key, quantity in needs.psu_totals().items():
                stock[key] = stock.get(key, 0) + quantity
        if not stock:
            continue
        paper = cache / f"bttb-{regency}.csv"
        with paper.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["regency", "supplier", "note_number", "date", "item", "dapil", "quantity"]
            )
            for key, quantity in stock.items():
                writer.writerow(
                    [
                        regency,
                        "PT Percetakan",
                        f"SJ-{regency}",
                        "2024-01-10",
                        key.ballot_type or key.item,
                        key.dapil,
                        quantity,
                    ]
                )
        with UnitOfWork(engine) as uow:
            receive(uow, paper, norm)
        with UnitOfWork(engine) as uow:
            pack_regency(uow, regency, norm)
    with UnitOfWork(engine) as uow:
        ledger.create_log(uow, election="pemilu-2024", province_code="14", keys=keys)
    kits = _kits(engine)
    uploaders = _devices(engine, kits, devices)
    engine.dispose()
    return uploaders, kits


def _kits(engine: Any) -> dict[str, list[dict[str, Any]]]:
    """Every kit: TPS code -> its packages as a handover lists them."""
    query = (
        select(Tps.code, KitPackage.id, KitPackage.kind, KitPackage.ballot_type, KitPackage.dapil)
        .join(Kit, Kit.tps_id == Tps.id)
        .join(KitPackage, KitPackage.kit_id == Kit.id)
        .order_by(Tps.code, KitPackage.seq)
    )
    kits: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for tps, package, kind, ballot_type, dapil in conn.execute(query):
            item: dict[str, Any] = {"package": package}
            if kind == "kotak":
                item |= {"ballot_type": ballot_type, "dapil": dapil}
            kits.setdefault(tps, []).append(item)
    return kits


def signer(device: str) -> Ed25519Signer:
    return Ed25519Signer.from_seed(device, (device.encode() * 32)[:32])


def person(name: str) -> str:
    return pseudonym(SECRET, name)


def _devices(engine: Any, kits: dict[str, list[Any]], count: int) -> list[Uploader]:
    """Custody devices of every kecamatan's PPK, PPS and KPPS; `count` uploaders of KPU
    regency staff, each a user with a token, spread over the regencies by TPS."""
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    with UnitOfWork(engine) as uow:
        districts = list(uow.session.scalars(select(District.code).order_by(District.code)))
    for district in districts:
        for role in ("ppk", "pps", "kpps"):
            device = f"D-{role.upper()}-{district.replace('.', '')}"
            with UnitOfWork(engine) as uow:
                custody_devices.register_device(
                    uow,
                    signer(device).verifier().vkey,
                    role=role,
                    region=district,
                    person=person(f"{role}-{district}"),
                    now=now,
                )
    by_regency: dict[str, int] = {}
    for tps in kits:
        regency = f"{tps[0:2]}.{tps[2:4]}"
        by_regency[regency] = by_regency.get(regency, 0) + 1
    shares = _shares(by_regency, count)
    passwords = Passwords(profiles.CHEAPEST)
    uploaders = []
    for regency, n in sorted(shares.items()):
        for i in range(n):
            name = f"logistik-{regency.replace('.', '')}-{i:02d}"
            new = identity.NewUser(
                name, "kpu_regency", regency, name, PASSWORD, person=person(name)
            )
            with UnitOfWork(engine) as uow:
                user = identity.add_user(uow, new, passwords=passwords)
            device = f"D-KAB-{regency.replace('.', '')}-{i:02d}"
            with UnitOfWork(engine) as uow:
                identity.register_device(uow, user.id, signer(device).verifier().vkey)
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


def write_events(path: Path, uploaders: list[Uploader], kits: dict[str, list[Any]]) -> None:
    """Each uploader's kits (its regency's, dealt out in turn), all first hops, then second,
    then third, signed in worker processes."""
    by_regency: dict[str, list[Uploader]] = {}
    for uploader in uploaders:
        regency = f"{uploader.device[6:8]}.{uploader.device[8:10]}"
        by_regency.setdefault(regency, []).append(uploader)
    jobs = []
    for regency, members in by_regency.items():
        mine = [tps for tps in sorted(kits) if tps.startswith(regency.replace(".", ""))]
        for n, uploader in enumerate(members):
            own = mine[n :: len(members)]
            jobs.append((uploader.device, [(tps, kits[tps]) for tps in own]))
    with multiprocessing.get_context("spawn").Pool(min(2, os.cpu_count() or 1)) as pool:
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


def _sign_all(job: tuple[str, list[tuple[str, list[Any]]]]) -> tuple[str, list[Any]]:
    device, kits = job
    return device, [_handover(device, tps, items, hop) for hop in HOPS for tps, items in kits]


def _handover(uploader: str, tps: str, items: list[Any], hop: str) -> dict[str, Any]:
    district = f"{tps[0:2]}.{tps[2:4]}.{tps[4:6]}"
    region = {
        "warehouse": f"{tps[0:2]}.{tps[2:4]}",
        "ppk": district,
        "pps": f"{district}.{tps[6:10]}",
        "kpps": tps,
    }
    role = {"warehouse": "kpu_kab", "ppk": "ppk", "pps": "pps", "kpps": "kpps"}

    def party(level: str) -> dict[str, Any]:
        if level == "warehouse":
            device, who = uploader, "logistik-" + uploader.removeprefix("D-KAB-")
        else:
            device = f"D-{level.upper()}-{district.replace('.', '')}"
            who = f"{level}-{district}"
        return {
            "role": role[level],
            "region": region[level],
            "person": person(who),
            "device": device,
        }

    giver, receiver = hop.split("_")
    body: dict[str, Any] = {
        "v": 1,
        "type": "handover",
        "election": "pemilu-2024",
        "at": WHEN[hop],
        "hop": hop,
        "giver": party(giver),
        "receiver": party(receiver),
        "witnesses": [
            {"role": r, "region": region[receiver], "person": person(f"saksi-{r}-{district}")}
            for r in WITNESSES[hop]
        ],
        "items": items,
    }
    canonical = body_dict(parse_submission({"event": body}).event)
    at = dt.datetime(2024, 2, 5, tzinfo=dt.UTC)
    signatures = [sign(signer(body[p]["device"]), canonical, p, at) for p in ("giver", "receiver")]
    return {"event": body, "signatures": signatures}


# --- the server ---------------------------------------------------------------------------


@contextmanager
def serving(store: Path, keys: Path, workers: int) -> Iterator[str]:
    """`salur serve --api-only` on a fresh copy of the store; yields its base URL."""
    run = store.with_name("run.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, run)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"SALUR_DATABASE_URL": f"sqlite:///{run}", "SALUR_KEY_DIR": str(keys)}
    command = [
        str(Path(sys.executable).with_name("salur")),
        "serve",
        "--api-only",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("salur serve did not start")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- sync ---------------------------------------------------------------------------------


@dataclass
class SyncResult:
    accepted: int = 0
    refused: int = 0
    failed_uploads: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # why: HTTP status or error
    pending: int = 0  # answered "send it again later": resent, counted once accepted
    uploads: int = 0
    counted: set[str] = field(default_factory=set)  # keys counted accepted or refused
    stamps: list[tuple[float, float]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    done: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, accepted)
    elapsed: float = 0.0
    exhausted: bool = False


async def run_sync(
    url: str, uploaders: list[Uploader], duration: float, batch: int, rate: float
) -> SyncResult:
    result = SyncResult()
    interval = len(uploaders) * batch / rate
    # Each device its own keep-alive connection, as 100 phones are: a shared pool would send
    # most uploads down its first few connections, and so to whichever worker accepted them.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=url, timeout=300, limits=limits) for _ in uploaders]
    start = time.perf_counter()
    phases = random.Random(1)
    tasks = [
        _device(
            client,
            u,
            start,
            start + duration,
            interval,
            phases.random() * interval,
            batch,
            result,
        )
        for client, u in zip(clients, uploaders, strict=True)
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    result.elapsed = time.perf_counter() - start
    result.exhausted = all(u.sent >= len(u.events) for u in uploaders)
    return result


async def _device(
    client: httpx.AsyncClient,
    uploader: Uploader,
    start: float,
    end: float,
    interval: float,
    phase: float,
    batch: int,
    result: SyncResult,
) -> None:
    slot = 0
    while uploader.sent < len(uploader.events):
        now = time.perf_counter()
        wait = min(start + phase + slot * interval, end) - now
        if wait > 0:
            await asyncio.sleep(wait)
        if time.perf_counter() >= end:
            return
        events = uploader.events[uploader.sent : uploader.sent + batch]
        sent = time.perf_counter()
        try:
            answer = await client.post(
                f"/devices/{uploader.device}/sync",
                json={"events": events},
                headers={"Authorization": f"Bearer {uploader.token}"},
            )
            ok = answer.status_code == 200
            why = str(answer.status_code)
        except httpx.HTTPError as error:
            ok, why = False, type(error).__name__
        took = time.perf_counter() - sent
        result.uploads += 1
        result.latencies.append(took)
        result.stamps.append((time.perf_counter() - start, took))
        slot += 1
        if not ok:
            result.failed_uploads += 1
            result.failures[why] += 1
            continue  # the same batch again, same keys: applied once
        results = answer.json()["results"]
        fresh = [r for r in results if r["idempotency_key"] not in result.counted]
        accepted = sum(1 for r in fresh if r["status"] == "accepted" and not r["duplicate"])
        result.accepted += accepted
        result.refused += sum(1 for r in fresh if r["status"] == "refused")
        result.counted.update(r["idempotency_key"] for r in fresh if r["status"] != "pending")
        result.done.append((time.perf_counter() - start, accepted))
        if any(r["status"] == "pending" for r in results):
            result.pending += 1
            continue  # sent again; what was recorded comes back as stored answers
        uploader.sent += len(events)


# --- public reads -------------------------------------------------------------------------


@dataclass
class ReadResult:
    reads: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    per_second: list[int] = field(default_factory=list)
    elapsed: float = 0.0


async def run_reads(url: str, connections: int, duration: float, log_size: int) -> ReadResult:
    host, port = url.removeprefix("http://").split(":")
    result = ReadResult()
    paths = _read_paths(log_size)
    start = time.perf_counter()
    counts: dict[int, int] = {}
    await asyncio.gather(
        *(
            _reader(host, int(port), paths, n, start, duration, result, counts)
            for n in range(connections)
        )
    )
    result.elapsed = time.perf_counter() - start
    result.per_second = [counts.get(s, 0) for s in range(1, int(duration))]
    return result


def _read_paths(log_size: int) -> list[str]:
    """A mix of what the public reads: the checkpoint, entries, inclusion proofs, places."""
    picks = random.Random(2)
    paths = []
    for _ in range(1000):
        kind = picks.random()
        index = picks.randrange(max(log_size, 1))
        if kind < 0.4:
            paths.append("/log/14/checkpoint")
        elif kind < 0.7:
            paths.append(f"/log/14/entries/{index}")
        elif kind < 0.9:
            paths.append(f"/log/14/proofs/inclusion?index={index}")
        else:
            paths.append(f"/geography/14.{picks.choice(['01', '03', '05', '10', '72'])}")
    return paths


async def _reader(
    host: str,
    port: int,
    paths: list[str],
    n: int,
    start: float,
    duration: float,
    result: ReadResult,
    counts: dict[int, int],
) -> None:
    """One keep-alive connection reading, a minimal HTTP/1.1 client (the load generator must
    cost the 2-core machine far less than the server it measures)."""
    reader, writer = await asyncio.open_connection(host, port)
    i = n * 37
    try:
        while time.perf_counter() - start < duration:
            path = paths[i % len(paths)]
            i += 1
            sent = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("ascii"))
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            done = time.perf_counter()
            if status.split()[1] == b"200":
                result.reads += 1
                result.latencies.append(done - sent)
                second = int(done - start)
                counts[second] = counts.get(second, 0) + 1
            else:
                result.errors += 1
    finally:
        writer.close()


# --- the report ---------------------------------------------------------------------------


def windows(done: list[tuple[float, int]], elapsed: float, width: float = 10.0) -> list[float]:
    """Accepted per second in each full window of `width` seconds."""
    full = int(elapsed // width)
    sums = [0] * full
    for at, accepted in done:
        slot = int(at // width)
        if slot < full:
            sums[slot] += accepted
    return [s / width for s in sums]


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(args: argparse.Namespace, sync: SyncResult, reads: ReadResult, offered: int) -> None:
    table = Table(title=f"salur service, SQLite, {args.devices} devices, {args.workers} worker(s)")
    for column in ("measure", "value", "goal", "met"):
        table.add_column(column)
    window_rates = windows(sync.done, sync.elapsed)
    headline = statistics.median(window_rates) if window_rates else sync.accepted / sync.elapsed
    p95 = quantile(sync.latencies, 0.95) * 1000
    read_rate = statistics.median(reads.per_second) if reads.per_second else 0.0

    def row(measure: str, value: str, goal: str = "", met: bool | None = None) -> None:
        mark = "" if met is None else ("[green]yes[/]" if met else "[red]no[/]")
        table.add_row(measure, value, goal, mark)

    row("handovers offered per second", f"{args.rate:.0f} ({offered:,} signed in stock)")
    row(
        "handovers accepted per second (median of 10 s windows)",
        f"{headline:.0f}",
        ">= 500",
        headline >= 500,
    )
    row("handovers accepted per second (whole run)", f"{sync.accepted / sync.elapsed:.0f}")
    row("handovers accepted / refused", f"{sync.accepted:,} / {sync.refused:,}")
    row(
        f"uploads (batches of {args.batch}), failed and resent",
        f"{sync.uploads:,}, {sync.failed_uploads:,}"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in sync.failures.items())})"
            if sync.failures
            else ""
        ),
    )
    row("uploads answered 'send again later', resent", f"{sync.pending:,}")
    row("upload latency p50", f"{quantile(sync.latencies, 0.5) * 1000:.0f} ms")
    row("upload latency p95", f"{p95:.0f} ms", "<= 300 ms", p95 <= 300)
    row(
        "sync run",
        f"{sync.elapsed:.0f} s" + (" (every signed handover sent)" if sync.exhausted else ""),
    )
    row(
        "public reads per second (median of 1 s windows)",
        f"{read_rate:.0f}",
        ">= 1000",
        read_rate >= 1000,
    )
    row(
        "public read latency p50 / p95",
        f"{quantile(reads.latencies, 0.5) * 1000:.1f} / "
        f"{quantile(reads.latencies, 0.95) * 1000:.1f} ms",
    )
    row("public reads, errors", f"{reads.reads:,}, {reads.errors:,}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120, help="seconds of sync")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--batch", type=int, default=20, help="events per upload")
    parser.add_argument("--rate", type=float, default=600, help="handovers offered per second")
    parser.add_argument("--reads", type=float, default=30, help="seconds of public reads")
    parser.add_argument("--readers", type=int, default=32, help="read connections")
    parser.add_argument(
        "--workers", type=int, default=2, help="salur serve worker processes (one per core here)"
    )
    parser.add_argument("--cache", type=Path, default=Path("var/bench/service"))
    args = parser.parse_args()
    store, uploaders = prepare(args.cache, args.devices)
    offered = sum(len(u.events) for u in uploaders)
    with serving(store, args.cache / "keys", args.workers) as url:
        console.print(f"Sync: {args.devices} devices for {args.duration:.0f} s ...")
        sync = asyncio.run(run_sync(url, uploaders, args.duration, args.batch, args.rate))
        size = int(httpx.get(f"{url}/log").json()[0]["size"])
        console.print(f"Public reads: {args.readers} connections for {args.reads:.0f} s ...")
        reads = asyncio.run(run_reads(url, args.readers, args.reads, size))
    report(args, sync, reads, offered)


if __name__ == "__main__":
    main()
