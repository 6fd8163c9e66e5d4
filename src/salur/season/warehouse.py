"""The regency warehouses' part of a season, through the same use cases an office runs: record
the papers, pack a kit per TPS, seal every kotak, print the label sheets. Packing draws package
ids from the season's seed, so a run is reproducible."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from salur.custody.packages import KitsPackageSource
from salur.geo.models import Tps
from salur.kits.ids import CROCKFORD
from salur.kits.models import Kit as KitRow
from salur.kits.models import KitPackage
from salur.kits.sealing import SealAction, apply_seals, issue_seals
from salur.kits.service import pack_regency
from salur.norms.loader import LoadedNorm
from salur.season.field import Kit
from salur.season.papers import Papers
from salur.stock import service as stock
from salur.uow import UnitOfWork

SEALS_PER_REGENCY = 1_000_000  # seal numbers are issued in a block per regency


@dataclass(frozen=True)
class Packed:
    kits: int
    packages: int
    seals: int


def record_papers(engine: Engine, papers: Papers, norm: LoadedNorm) -> int:
    """Record receipts, sortir-lipat, claims and replacements, in that order; movements."""
    steps = (
        (papers.receipts, stock.receive),
        (papers.sortir, stock.record_sortir),
        (papers.claims, stock.open_claims),
        (papers.replacements, stock.record_replacements),
    )
    movements = 0
    for path, record in steps:
        if _has_rows(path):
            with UnitOfWork(engine) as uow:
                movements += record(uow, path, norm).movements
    return movements


def pack_and_seal(
    engine: Engine,
    regencies: Sequence[str],
    norm: LoadedNorm,
    seed: int,
    at: dt.datetime,
) -> Packed:
    """Pack every regency's kits, then issue its seals and close each kotak with one."""
    rng = random.Random(seed)

    def draw(k: int) -> str:
        return "".join(rng.choice(CROCKFORD) for _ in range(k))

    kits = packages = seals = 0
    for index, regency in enumerate(sorted(regencies)):
        with UnitOfWork(engine) as uow:
            report = pack_regency(uow, regency, norm, at=at, draw=draw)
        kits += report.packed
        packages += report.packages
        kotak = _kotak_of(engine, regency)
        first = (index + 1) * SEALS_PER_REGENCY
        with UnitOfWork(engine) as uow:
            issue_seals(uow, regency, first, first + 2 * len(kotak) - 1, "gudang", at)
        with UnitOfWork(engine) as uow:
            actions = [SealAction(first + i, pid, "packing") for i, pid in enumerate(kotak)]
            seals += apply_seals(uow, actions, "gudang", at)
    return Packed(kits, packages, seals)


def return_seal_numbers(engine: Engine, regencies: Sequence[str]) -> dict[str, int]:
    """The issued seal set aside for each kotak's sealed return (the second half of the block)."""
    out: dict[str, int] = {}
    for index, regency in enumerate(sorted(regencies)):
        kotak = _kotak_of(engine, regency)
        first = (index + 1) * SEALS_PER_REGENCY + len(kotak)
        out |= {pid: first + i for i, pid in enumerate(kotak)}
    return out


def load_kits(session: Session, region: str, return_seals: dict[str, int]) -> dict[str, Kit]:
    """Every packed kit at or below `region`, by TPS code, as custody sees its packages."""
    rows = session.execute(
        select(Tps.code, KitPackage.id)
        .join(KitRow, KitRow.id == KitPackage.kit_id)
        .join(Tps, Tps.id == KitRow.tps_id)
        .where(KitRow.regency_code.startswith(region))
        .order_by(Tps.code, KitPackage.seq)
    ).all()
    infos = KitsPackageSource().packages(session, [pid for _, pid in rows])
    grouped: dict[str, list[str]] = {}
    for tps, pid in rows:
        grouped.setdefault(str(tps), []).append(str(pid))
    return {
        tps: Kit(
            tps,
            tuple(infos[p] for p in ids),
            {p: return_seals[p] for p in ids if p in return_seals},
        )
        for tps, ids in grouped.items()
    }


def _kotak_of(engine: Engine, regency: str) -> list[str]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(KitPackage.id)
                .join(KitRow, KitRow.id == KitPackage.kit_id)
                .where(KitRow.regency_code == regency, KitPackage.kind == "kotak")
                .order_by(KitPackage.id)
            )
        )


def _has_rows(path: Path) -> bool:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f) > 1
