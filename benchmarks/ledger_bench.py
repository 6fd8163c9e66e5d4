"""Benchmark the custody log: signed handovers appended per second, proof latency at 10 million
leaves, and offline receipt verification latency.

    .venv/bin/python benchmarks/ledger_bench.py                       # everything, ~3 minutes
    .venv/bin/python benchmarks/ledger_bench.py --leaves 1000000 --handovers 1000   # quicker

Appends: each handover is a ~1 KB BAST record that a device canonicalises (RFC 8785) and signs
with its Ed25519 key; the server re-canonicalises it, verifies the device signature and appends
the signed envelope with `append_entry`, committing every 100 handovers (a sync upload) or after
each one. Runs on an SQLite file (synchronous=FULL, as salur ships it) and on PostgreSQL.

Proofs: the 10M-leaf tree is a benchmark fixture, not a log anyone appended to: leaf i is
hash_leaf(b"bench-entry-<i>"), and every perfect-subtree node is computed in Python in aligned
chunks of 2**20 leaves and bulk-inserted with sqlite3's executemany straight into the
`ledger_node` table of a migrated store (synchronous=OFF while building; no `ledger_entry` rows).
It is kept in --cache (default var/bench/ledger-10m.sqlite) and reused when its size matches.
Inclusion and consistency proofs are then timed through `SqlNodeStore`, one query per proof,
at random sizes from half to all of the tree, after the file has been read once so it sits in the
OS page cache (as a live log's table does; 1.2 GB at 10M leaves). From a cold disk each proof
pays about one random page read per tree level instead.

Receipts: a 10M-leaf receipt under a checkpoint with three witness cosignatures, verified with
`check_receipt` (parse, four Ed25519 signatures, inclusion proof) as `salur verify` does.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from salur.db import make_engine, migrate
from salur.ledger import service
from salur.ledger.checkpoint import Checkpoint, sign_checkpoint
from salur.ledger.cosignature import CosignatureSigner, add_cosignature
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import hash_children, hash_leaf, verify_inclusion
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tlogproof import Receipt
from salur.ledger.tree import consistency_proof, inclusion_proof, root_hash
from salur.ledger.verify import check_receipt
from salur.uow import UnitOfWork

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ORIGIN = "salur.kpu.go.id/pemilu-2024/14"
CHUNK_LEVEL = 20  # build the big tree in aligned chunks of 2**20 leaves
console = Console()


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    measure: str
    backend: str
    value: str
    goal: str = ""
    met: bool | None = None


# --- appends -------------------------------------------------------------------------------


def handover(n: int, device: str) -> dict[str, Any]:
    """A realistic BAST handover, PPS to KPPS, about 1 KB once canonicalised and signed."""
    tps = f"14.05.10.2001.{n % 300 + 1:03d}"
    ballots = ("PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB")
    return {
        "type": "bast.serah-terima",
        "v": 1,
        "id": f"{tps}-{n:09d}",
        "tps": tps,
        "kotak": [f"KS-14-{n:07d}-{i}" for i in range(1, 6)],
        "segel": [f"SG-{n * 10 + i:010d}" for i in range(10)],
        "items": [{"item": "surat_suara", "jenis": b, "qty": 306} for b in ballots]
        + [{"item": "tinta", "qty": 2}, {"item": "bilik", "qty": 4}],
        "dari": {"peran": "PPS", "kode": "14.05.10.2001", "petugas": "Siti Rahmawati"},
        "ke": {"peran": "KPPS", "kode": tps, "petugas": "Ahmad Fauzi"},
        "saksi": [{"peran": "PKD", "nama": "Rina Marlina"}, {"peran": "Linmas", "nama": "Joko"}],
        "waktu": "2024-02-13T06:15:00Z",
        "gps": [0.3456 + n % 97 / 1e4, 101.4567],
        "foto_sha256": hashlib.sha256(n.to_bytes(8, "big")).hexdigest(),
        "perangkat": device,
    }


def run_appends(
    engine: Engine, count: int, per_transaction: int, nested: bool
) -> tuple[float, int]:
    """Handovers appended per second, and the entry size in bytes.

    The device signs the canonical bytes of the handover; the server verifies those exact
    bytes, parses them, and logs an envelope. By default the envelope carries the signed bytes
    in base64 (as DSSE and JWS do), so anyone can re-check the device signature from the entry
    alone; `nested` logs the parsed handover object instead, which costs a second, much slower
    RFC 8785 canonicalisation of the whole record.
    """
    device_key = Ed25519PrivateKey.generate()
    device_pub = device_key.public_key()
    pub_b64 = base64.b64encode(device_pub.public_bytes_raw()).decode()
    started = time.perf_counter()
    done = 0
    envelope: dict[str, Any] = {}
    while done < count:
        with UnitOfWork(engine) as uow:
            log = service.find_log(uow.session, ORIGIN)  # as a sync request would
            for _ in range(min(per_transaction, count - done)):
                signed = rfc8785.dumps(handover(done, "tablet-14-0510-03"))  # on the device
                signature = device_key.sign(signed)
                device_pub.verify(signature, signed)  # on the server, over the bytes received
                body = json.loads(signed)
                envelope = {
                    "bast": body if nested else base64.b64encode(signed).decode(),
                    "perangkat_kunci": pub_b64,
                    "tanda_tangan": base64.b64encode(signature).decode(),
                }
                service.append_entry(uow.session, log, envelope)
                done += 1
            uow.commit()
    elapsed = time.perf_counter() - started
    return count / elapsed, len(service.canonical_entry(envelope))


def fresh_store(backend: str, folder: Path) -> tuple[Engine, Callable[[], None]]:
    """A migrated store with one log; the cleanup drops a PostgreSQL schema."""
    if backend == "sqlite":
        path = folder / f"append-{uuid.uuid4().hex[:8]}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        cleanup: Callable[[], None] = engine.dispose
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(f"{POSTGRES}?options=-csearch_path%3D{schema}")

        def cleanup() -> None:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()

    migrate(engine)
    with UnitOfWork(engine) as uow:
        service.create_log(
            uow,
            election="pemilu-2024",
            province_code="14",
            origin=ORIGIN,
            keys=folder / f"keys-{uuid.uuid4().hex[:8]}",
        )
    return engine, cleanup


def append_rows(backends: list[str], folder: Path, handovers: int) -> list[Row]:
    """Throughput rows for each backend: 100 and 1 handovers per transaction, and the cost of
    logging the parsed handover instead of its signed bytes."""
    runs = [(100, handovers, False), (1, max(handovers // 5, 50), False), (100, handovers, True)]
    rows = []
    for backend in backends:
        for per_transaction, count, nested in runs:
            engine, cleanup = fresh_store(backend, folder)
            try:
                rate, size = run_appends(engine, count, per_transaction, nested)
            finally:
                cleanup()
            shape = "parsed JSON" if nested else "signed bytes"
            goal = ">= 1,000/s" if backend == "sqlite" and per_transaction == 100 else ""
            rows.append(
                Row(
                    f"signed handovers/s, {per_transaction}/tx, {shape} ({size} B)",
                    backend,
                    f"{rate:,.0f}",
                    goal if not nested else "",
                    rate >= 1000 if goal and not nested else None,
                )
            )
    return rows


# --- the 10M-leaf fixture --------------------------------------------------------------------


def leaf(i: int) -> bytes:
    """Leaf hash of synthetic entry i."""
    return hash_leaf(b"bench-entry-%d" % i)


def build_chunk(start: int, count: int) -> tuple[list[tuple[int, int, bytes]], bytes | None]:
    """Every perfect-subtree node inside leaves [start, start + count); and the chunk's root
    when the chunk is a whole aligned 2**CHUNK_LEVEL block."""
    level_hashes = [leaf(i) for i in range(start, start + count)]
    rows = [(0, start + i, h) for i, h in enumerate(level_hashes)]
    level, first = 0, start
    while len(level_hashes) > 1:
        level_hashes = [
            hash_children(level_hashes[i], level_hashes[i + 1])
            for i in range(0, len(level_hashes) - 1, 2)
        ]
        level, first = level + 1, first >> 1
        rows.extend((level, first + i, h) for i, h in enumerate(level_hashes))
    whole = count == 1 << CHUNK_LEVEL
    return rows, (level_hashes[0] if whole else None)


def build_big_tree(path: Path, leaves: int) -> bytes:
    """Create `path` holding a migrated store whose log 1 has `leaves` leaves of nodes."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute(
        "INSERT INTO ledger_log (id, origin, election, province_code, vkey, size, created_at) "
        "VALUES (1, ?, 'pemilu-2024', '14', ?, ?, '2024-02-14 00:00:00')",
        (ORIGIN, Ed25519Signer.from_seed(ORIGIN, b"\1" * 32).verifier().vkey, leaves),
    )
    chunk_roots: list[bytes] = []
    insert = "INSERT INTO ledger_node (log_id, level, idx, hash) VALUES (1, ?, ?, ?)"
    for start in range(0, leaves, 1 << CHUNK_LEVEL):
        rows, root = build_chunk(start, min(1 << CHUNK_LEVEL, leaves - start))
        db.executemany(insert, rows)
        if root is not None:
            chunk_roots.append(root)
        console.print(f"  built leaves {start:,}..{min(start + (1 << CHUNK_LEVEL), leaves):,}")
    level, hashes = CHUNK_LEVEL, chunk_roots
    while len(hashes) > 1:
        hashes = [hash_children(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
        level += 1
        db.executemany(insert, [(level, i, h) for i, h in enumerate(hashes)])
    db.commit()
    db.close()
    with Session(make_engine(f"sqlite:///{path}")) as session:
        return root_hash(SqlNodeStore(session, 1), leaves)


def cached_big_tree(path: Path, leaves: int) -> None:
    """Reuse the fixture at `path` if it holds `leaves` leaves, else (re)build it."""
    if path.exists():
        db = sqlite3.connect(path)
        try:
            size = db.execute("SELECT size FROM ledger_log WHERE id = 1").fetchone()
        except sqlite3.Error:
            size = None
        db.close()
        if size is not None and size[0] == leaves:
            console.print(f"Reusing the {leaves:,}-leaf tree in {path}")
            return
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"Building the {leaves:,}-leaf tree in {path} (a one-off, kept for reruns)")
    started = time.perf_counter()
    build_big_tree(path, leaves)
    console.print(f"  done in {time.perf_counter() - started:,.0f} s")


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def timed(operation: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p99 of `runs` calls, after a short warm-up."""
    for _ in range(min(100, runs)):
        operation()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def proof_rows(path: Path, leaves: int, runs: int) -> tuple[list[Row], bytes, list[bytes], int]:
    """Proof latency at `leaves`; returns also the root, a sample proof and its index."""
    rng = random.Random(9162)
    with path.open("rb") as f:  # timed warm: a live log's node table sits in the page cache
        while f.read(1 << 24):
            pass
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        store = SqlNodeStore(session, 1)
        root = root_hash(store, leaves)
        index = rng.randrange(leaves)
        proof = inclusion_proof(store, index, leaves)
        verify_inclusion(leaf(index), index=index, size=leaves, proof=proof, root=root)

        def one_inclusion() -> None:
            size = rng.randint(leaves // 2, leaves)
            inclusion_proof(store, rng.randrange(size), size)

        def one_consistency() -> None:
            size = rng.randint(leaves // 2, leaves)
            consistency_proof(store, rng.randint(1, size), size)

        inclusion = timed(one_inclusion, runs)
        consistency = timed(one_consistency, runs)
    engine.dispose()
    rows = [
        Row(f"inclusion proof p50 / p99 ({leaves:,} leaves)", "sqlite", _ms(inclusion)),
        Row(f"consistency proof p50 / p99 ({leaves:,} leaves)", "sqlite", _ms(consistency)),
    ]
    rows = [
        Row(r.measure, r.backend, r.value, "p99 <= 5 ms", p99 <= 5.0)
        for r, p99 in zip(rows, (inclusion[1], consistency[1]), strict=True)
    ]
    return rows, root, proof, index


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.3f} / {pair[1]:.3f} ms"


# --- receipts ------------------------------------------------------------------------------


def receipt_rows(leaves: int, root: bytes, proof: list[bytes], index: int, runs: int) -> list[Row]:
    """Verification latency of a receipt with and without three witness cosignatures."""
    signer = Ed25519Signer.from_seed(ORIGIN, b"\1" * 32)
    witnesses = [CosignatureSigner.generate(f"saksi{i}.example/w") for i in range(3)]
    note = sign_checkpoint(Checkpoint(ORIGIN, leaves, root), [signer])
    plain = _receipt(note, index, proof)
    for witness in witnesses:
        note = add_cosignature(note, witness, 1_707_868_800)
    cosigned = _receipt(note, index, proof)
    vkeys = [w.verifier().vkey for w in witnesses]
    entry = b"bench-entry-%d" % index
    key = Ed25519PrivateKey.generate()
    public, message = key.public_key(), b"x" * 120
    signature = key.sign(message)
    floor = timed(functools.partial(public.verify, signature, message), runs)
    rows = [Row("one Ed25519 verification p50 / p99 (the floor)", "offline", _ms(floor))]
    for label, data, keys in (("no witness", plain, []), ("3 witnesses", cosigned, vkeys)):
        verify = functools.partial(
            check_receipt, data, log_vkey=signer.verifier().vkey, witness_vkeys=keys, entry=entry
        )
        result = timed(verify, runs)
        rows.append(
            Row(
                f"receipt verification p50 / p99 ({label})",
                "offline",
                _ms(result),
                "p99 <= 1 ms",
                result[1] <= 1.0,
            )
        )
    return rows


def _receipt(note: bytes, index: int, proof: list[bytes]) -> bytes:
    return Receipt(index, tuple(proof), note).to_bytes()


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    """Run the three benchmarks and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handovers", type=int, default=3000, help="appends per batched run")
    parser.add_argument("--leaves", type=int, default=10_000_000, help="size of the proof tree")
    parser.add_argument("--runs", type=int, default=2000, help="timed proofs and verifications")
    parser.add_argument("--cache", type=Path, default=Path("var/bench/ledger-10m.sqlite"))
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    folder = args.cache.parent
    folder.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]

    with tempfile.TemporaryDirectory() as scratch:  # the append stores and their keys
        rows = append_rows(backends, Path(scratch), args.handovers)
    cache = args.cache if args.leaves == 10_000_000 else folder / f"ledger-{args.leaves}.sqlite"
    cached_big_tree(cache, args.leaves)
    proofs, root, proof, index = proof_rows(cache, args.leaves, args.runs)
    rows += proofs
    rows += receipt_rows(args.leaves, root, proof, index, args.runs)

    table = Table(title="salur custody log benchmark")
    for header in ("measure", "backend", "result", "goal", "met"):
        table.add_column(header, justify="left" if header in ("measure", "backend") else "right")
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "NO")
        table.add_row(row.measure, row.backend, row.value, row.goal, met)
    console.print(table)


if __name__ == "__main__":
    main()
