"""Benchmark the salur service over HTTP: custody events (handovers above all) accepted per
second through batched sync from 100 simulated devices, with their latency, then public reads
per second.

    .venv/bin/python benchmarks/service_bench.py                         # 2 minutes of sync
    .venv/bin/python benchmarks/service_bench.py --duration 30 --reads 10    # quicker

The world (`service_store`, built once and kept in --cache, var/bench/service) is the whole of
Riau packed and sealed, its officers' phones onboarded, and every kit's custody cycle signed
beforehand: three outbound BASTs, opening and sealed return at the TPS, three return BASTs,
split over 100 uploading phones of KPU regency staff and ordered hop by hop. Each run starts
from a fresh copy of that store, against a real `salur serve --api-only --workers 2` process
(SQLite, synchronous=FULL, as salur ships it; two workers, one per core of the 2-core machine
the goals are set for).

Sync: each device uploads --batch events every devices x batch / --rate seconds (an offered
load of --rate events per second), as phones that come online do; a batch that fails, or has
an event answered "send it again later", is sent again with the same keys (each key is counted
once). The default, 550 a second, is the goal (500) with a tenth to spare; 2 minutes of it
cover the outbound BASTs (58,098) and the first of the voting-day events. Offer more (--rate)
to find where the writer saturates. Counted: events accepted (not duplicates) per second,
handovers apart, overall and per 10-second window (the median of the windows is the
headline), and the latency of each upload. Reads: --readers keep-alive connections read the
public log (checkpoint, entries, inclusion proofs) and the geography for --reads seconds.
"""

from __future__ import annotations

import argparse
import asyncio
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
from rich.console import Console
from rich.table import Table

from salur.custody.states import HOPS
from service_store import Uploader, prepare

console = Console()


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
    handovers: int = 0  # of the accepted
    kinds: Counter[str] = field(default_factory=Counter)  # accepted by hop, or by event type
    refused: int = 0
    failed_uploads: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # why: HTTP status or error
    pending: int = 0  # answered "send it again later": resent, counted once accepted
    uploads: int = 0
    counted: set[str] = field(default_factory=set)  # keys counted accepted or refused
    stamps: list[tuple[float, float]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    done: list[tuple[float, int, int]] = field(default_factory=list)  # (s in, events, BASTs)
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
        kinds_of = {e["idempotency_key"]: _kind(e["submission"]["event"]) for e in events}
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
        kinds = [
            kinds_of[r["idempotency_key"]]
            for r in fresh
            if r["status"] == "accepted" and not r["duplicate"]
        ]
        accepted, handovers = len(kinds), sum(1 for k in kinds if k in HOPS)
        result.accepted += accepted
        result.handovers += handovers
        result.kinds.update(kinds)
        result.refused += sum(1 for r in fresh if r["status"] == "refused")
        result.counted.update(r["idempotency_key"] for r in fresh if r["status"] != "pending")
        result.done.append((time.perf_counter() - start, accepted, handovers))
        if any(r["status"] == "pending" for r in results):
            result.pending += 1
            continue  # sent again; what was recorded comes back as stored answers
        uploader.sent += len(events)


def _kind(event: dict[str, Any]) -> str:
    """A handover's hop (`ppk_pps`, ...), else the event's type (`opening`, ...)."""
    return str(event.get("hop") if event["type"] == "handover" else event["type"])


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


def windows(
    done: list[tuple[float, int, int]], elapsed: float, column: int, width: float = 10.0
) -> list[float]:
    """Accepted per second (events: column 1, handovers: column 2) in each full window of
    `width` seconds."""
    full = int(elapsed // width)
    sums = [0.0] * full
    for record in done:
        slot = int(record[0] // width)
        if slot < full:
            sums[slot] += record[column]
    return [s / width for s in sums]


def median_rate(rates: list[float], total: int, elapsed: float) -> float:
    return statistics.median(rates) if rates else total / elapsed


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(args: argparse.Namespace, sync: SyncResult, reads: ReadResult, offered: int) -> None:
    table = Table(title=f"salur service, SQLite, {args.devices} devices, {args.workers} worker(s)")
    for column in ("measure", "value", "goal", "met"):
        table.add_column(column)
    events = median_rate(windows(sync.done, sync.elapsed, 1), sync.accepted, sync.elapsed)
    handovers = median_rate(windows(sync.done, sync.elapsed, 2), sync.handovers, sync.elapsed)
    p95 = quantile(sync.latencies, 0.95) * 1000
    read_rate = statistics.median(reads.per_second) if reads.per_second else 0.0

    def row(measure: str, value: str, goal: str = "", met: bool | None = None) -> None:
        mark = "" if met is None else ("[green]yes[/]" if met else "[red]no[/]")
        table.add_row(measure, value, goal, mark)

    row("custody events offered per second", f"{args.rate:.0f} ({offered:,} signed in stock)")
    row(
        "handovers (BAST) accepted per second (median of 10 s windows)",
        f"{handovers:.0f}",
        ">= 500",
        handovers >= 500,
    )
    row("custody events accepted per second (median of 10 s windows)", f"{events:.0f}")
    row(
        "handovers / events accepted per second (whole run)",
        f"{sync.handovers / sync.elapsed:.0f} / {sync.accepted / sync.elapsed:.0f}",
    )
    row("events accepted / refused", f"{sync.accepted:,} / {sync.refused:,}")
    row("accepted by step", ", ".join(f"{k} {v:,}" for k, v in sync.kinds.items()))
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
        f"{sync.elapsed:.0f} s" + (" (every signed event sent)" if sync.exhausted else ""),
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
    parser.add_argument("--rate", type=float, default=550, help="custody events offered per second")
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
