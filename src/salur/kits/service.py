"""Use cases of kits: pack a regency's TPS kits out of its stock, and gather their labels.

Packing is all or nothing per call and idempotent: TPS that already have a kit are skipped, and
if the stock on hand (less the PSU reserve, which never goes into a TPS kit) cannot cover every
new kit, nothing is written and the shortage names each item, ballot type and dapil.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from salur.errors import InputError
from salur.geo.repository import region_name
from salur.kits import repository as repo
from salur.kits.contents import PackagePlan, plan_kit
from salur.kits.ids import Draw, make_package_id, random_characters
from salur.kits.labels import Label
from salur.norms.loader import LoadedNorm, load_norm
from salur.stock import repository as stock_repo
from salur.stock.demand import RegencyNeeds, regency_needs
from salur.stock.errors import ShortageError, Shortfall
from salur.stock.models import StockDocument
from salur.stock.movements import PACKED, StockKey, StockLevel
from salur.uow import UnitOfWork

PACKING = "packing"


@dataclass
class PackReport:
    """What a packing call did."""

    regency: str
    packed: int = 0  # kits packed now
    already: int = 0  # TPS that had a kit before
    packages: int = 0
    consumed: dict[StockKey, int] = field(default_factory=dict)
    needs_run_id: int | None = None


@dataclass(frozen=True)
class _KitPlan:
    tps_id: int
    tps_code: str
    packages: list[PackagePlan]


def pack_regency(
    uow: UnitOfWork,
    regency: str,
    norm: LoadedNorm | None = None,
    at: dt.datetime | None = None,
    draw: Draw = random_characters,
) -> PackReport:
    """Pack a kit for every TPS of `regency` that has none, consuming stock."""
    loaded = norm or load_norm()
    session = uow.session
    needs = regency_needs(session, regency, loaded)
    done = repo.packed_tps(session, regency)
    plans = _plan(needs, done)
    report = PackReport(regency, already=len(done), needs_run_id=needs.run_id)
    if not plans:
        return report
    consumed: dict[StockKey, int] = {}
    for plan in plans:
        for package in plan.packages:
            for key, quantity in package.lines:
                consumed[key] = consumed.get(key, 0) + quantity
    _check_stock(session, needs, consumed)
    now = at or dt.datetime.now(dt.UTC)
    document = StockDocument(
        regency_code=regency,
        kind=PACKING,
        supplier="",
        number=f"PACK-{now:%Y%m%dT%H%M%S%f}",
        doc_date=now.date(),
        content_sha256=_digest(consumed),
        recorded_at=now,
    )
    stock_repo.add_document(
        session, document, [(key, PACKED, q) for key, q in sorted(consumed.items())]
    )
    report.packages = _write_kits(session, document.id, needs, plans, now, draw)
    report.packed, report.consumed = len(plans), consumed
    uow.commit()
    return report


def _plan(needs: RegencyNeeds, done: set[int]) -> list[_KitPlan]:
    keys = [(line.code, line.ballot_type or "") for line in needs.lines]
    dapil = {bt: values.tolist() for bt, values in needs.dapil.items()}
    ids = needs.tps["tps_id"].tolist()
    codes = needs.tps["tps"].tolist()
    plans = []
    for i, row in enumerate(needs.quantity.tolist()):
        if ids[i] in done or not any(row):
            continue
        need = dict(zip(keys, row, strict=True))
        tps_dapil = {bt: str(values[i]) for bt, values in dapil.items()}
        plans.append(_KitPlan(ids[i], codes[i], plan_kit(need, tps_dapil, needs.norm.norm)))
    return plans


def _check_stock(session: Session, needs: RegencyNeeds, consumed: Mapping[StockKey, int]) -> None:
    levels = stock_repo.levels(session, needs.regency).get(needs.regency, {})
    reserve = needs.psu_totals()
    shortfalls = [
        Shortfall(key, q, on_hand, reserve.get(key, 0))
        for key, q in sorted(consumed.items())
        if q > (on_hand := levels.get(key, StockLevel(key)).on_hand) - reserve.get(key, 0)
    ]
    if shortfalls:
        raise ShortageError(needs.regency, shortfalls)


def _write_kits(
    session: Session,
    packing_id: int,
    needs: RegencyNeeds,
    plans: list[_KitPlan],
    now: dt.datetime,
    draw: Draw,
) -> int:
    kit_ids = repo.add_kits(
        session,
        [
            {
                "tps_id": plan.tps_id,
                "regency_code": needs.regency,
                "packing_id": packing_id,
                "norm_id": needs.norm.norm.id,
                "needs_run_id": needs.run_id,
                "packed_at": now,
            }
            for plan in plans
        ],
    )
    packages: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for plan in plans:
        for seq, package in enumerate(plan.packages, start=1):
            pid = make_package_id(package.kind, plan.tps_code, package.ballot_type, draw)
            packages.append(
                {
                    "id": pid,
                    "kit_id": kit_ids[plan.tps_id],
                    "seq": seq,
                    "kind": package.kind,
                    "ballot_type": package.ballot_type,
                    "dapil": package.dapil,
                    "count": package.count,
                }
            )
            lines.extend(
                {
                    "package_id": pid,
                    "item": key.item,
                    "ballot_type": key.ballot_type,
                    "dapil": key.dapil,
                    "quantity": quantity,
                }
                for key, quantity in package.lines
            )
    repo.add_packages(session, packages, lines)
    return len(packages)


def _digest(consumed: Mapping[StockKey, int]) -> str:
    content = [[k.item, k.ballot_type, k.dapil, q] for k, q in sorted(consumed.items())]
    return hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()


def labels(session: Session, region: str) -> list[Label]:
    """The label of every package packed at or below `region` (regency, kecamatan or desa)."""
    region_name(session, region)
    seals = repo.seals_on_packages(session, region)
    dapil_names = repo.dapil_names(session)
    for code, name in repo.province_names(session).items():
        dapil_names[("province", code)] = name
    dapil_names[("national", "ID")] = "Indonesia"
    norms: dict[str, LoadedNorm | None] = {}
    out = []
    for pid, kind, seq, size, bt, dapil, count, norm_id, *places in repo.label_rows(
        session, region
    ):
        if norm_id not in norms:
            norms[norm_id] = _norm_or_none(norm_id)
        norm = norms[norm_id]
        ballot = {b.code: b for b in norm.norm.ballot_types}.get(bt) if norm else None
        level = ballot.district if ballot else ""
        out.append(
            Label(
                package_id=pid,
                kind=kind,
                seq=seq,
                of=size,
                ballot_type=bt,
                ballot_names=(ballot.name.id, ballot.name.en) if ballot else (bt, bt),
                colour=ballot.colour.en if ballot and ballot.colour else "",
                dapil=dapil,
                dapil_name=dapil_names.get((level, dapil), ""),
                count=count,
                seals=tuple(seals.get(pid, ())),
                election=norm.norm.name if norm else norm_id,
                tps_code=places[0],
                tps_name=places[1],
                village=places[2],
                district=places[3],
                regency=places[4],
            )
        )
    return out


def _norm_or_none(norm_id: str) -> LoadedNorm | None:
    """The shipped norm a kit was packed under; None for a norm file that is not shipped (its
    labels then show ballot type codes instead of names and colours)."""
    try:
        return load_norm(norm_id)
    except InputError:
        return None
