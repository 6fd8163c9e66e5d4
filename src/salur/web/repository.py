"""The web pages' queries of kits and their custody per TPS, arrivals, names and points of
regions, events and incidents, Bawaslu's findings (the plan's are in `web.plans`, the signed
log's in `web.log_queries`).

Reads only. Region filters take dotted codes ('' = everything); TPS codes are 13 digits, the
desa code's digits and three more, so a region's TPS are those whose code starts with the
region's digits (every level of the codes has a fixed width).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem, CustodyPackage
from salur.geo.models import District, Province, Regency, Tps, Village
from salur.geo.repository import in_region
from salur.kits.models import Kit, KitPackage
from salur.ledger.models import LedgerCheckpoint, LedgerEntry
from salur.web.progress import ECHELONS

ARRIVALS = ("handover", "receipt")
CHUNK = 5_000


def digits(region: str) -> str:
    """A region code as the digit prefix of its TPS codes."""
    return region.replace(".", "")


def utc(value: dt.datetime) -> dt.datetime:
    """A stored time as UTC-aware (SQLite hands timezone-aware columns back naive, in UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def tps_filter(region: str) -> Any:
    """The TPS at or below `region` (a TPS code names just that one)."""
    return Tps.code == region if is_tps(region) else in_region(Tps.village_code, region)


def tps_in_region(session: Session, region: str) -> list[tuple[str, str]]:
    """(TPS code, desa code) of every TPS at or below `region`, in code order."""
    stmt = select(Tps.code, Tps.village_code).where(tps_filter(region))
    return sorted((str(a), str(b)) for a, b in session.execute(stmt).all())


def kit_custody(session: Session, region: str) -> dict[str, tuple[int, bool, int]]:
    """Per packed TPS: how far all its packages got (0 warehouse .. 3 TPS), whether any is on
    its way outbound, and how many packages the kit has."""
    rank = case(
        (CustodyPackage.phase.is_not(None) & (CustodyPackage.phase != "outbound"), 3),
        (CustodyPackage.holder_level == "kpps", 3),
        (CustodyPackage.holder_level == "pps", 2),
        (CustodyPackage.holder_level == "ppk", 1),
        else_=0,
    )
    moving = case(
        (CustodyPackage.to_level.is_not(None) & (CustodyPackage.phase == "outbound"), 1),
        else_=0,
    )
    stmt = (
        select(Tps.code, func.min(rank), func.max(moving), func.count(KitPackage.id))
        .join(Kit, Kit.tps_id == Tps.id)
        .join(KitPackage, KitPackage.kit_id == Kit.id)
        .outerjoin(CustodyPackage, CustodyPackage.package_id == KitPackage.id)
        .where(tps_filter(region))
        .group_by(Tps.code)
    )
    return {
        str(code): (int(reached), bool(moving), int(count))
        for code, reached, moving, count in session.execute(stmt).all()
    }


def arrivals(session: Session, region: str) -> dict[tuple[str, str], tuple[dt.datetime, int]]:
    """Per (TPS, outbound hop): the latest arrival of its packages and how many arrived."""
    stmt = (
        select(
            CustodyItem.tps_code,
            CustodyEvent.hop,
            func.max(CustodyEvent.at),
            func.count(func.distinct(CustodyItem.package_id)),
        )
        .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
        .where(
            CustodyEvent.kind.in_(ARRIVALS),
            CustodyEvent.hop.in_(ECHELONS),
            CustodyItem.tps_code.like(digits(region) + "%"),
        )
        .group_by(CustodyItem.tps_code, CustodyEvent.hop)
    )
    return {
        (str(tps), str(hop)): (utc(at), int(count))
        for tps, hop, at, count in session.execute(stmt).all()
    }


def names(session: Session, codes: Collection[str]) -> dict[str, str]:
    """Names of provinces, regencies, kecamatan, desa and TPS by code (unknown codes left out)."""
    by_level: dict[int, list[str]] = {}
    for code in codes:
        by_level.setdefault(
            len(code.split(".")) if "." in code or len(code) == 2 else 5, []
        ).append(code)
    models: dict[int, Any] = {1: Province, 2: Regency, 3: District, 4: Village, 5: Tps}
    out: dict[str, str] = {}
    for level, wanted in by_level.items():
        model = models.get(level)
        if model is None:
            continue
        for start in range(0, len(wanted), CHUNK):
            stmt = select(model.code, model.name).where(
                model.code.in_(wanted[start : start + CHUNK])
            )
            out.update({str(c): str(n) for c, n in session.execute(stmt).all()})
    return out


def ancestors(code: str) -> list[str]:
    """The regions above a dotted code, outermost first ('14.10.01' -> ['14', '14.10'])."""
    if is_tps(code):
        village = f"{code[0:2]}.{code[2:4]}.{code[4:6]}.{code[6:10]}"
        return [*ancestors(village), village]
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def region_exists(session: Session, code: str) -> bool:
    return not code or code in names(session, [code])


def village_points(session: Session, region: str) -> list[tuple[str, str, float, float]]:
    """(code, name, lat, lon) of every desa at or below `region` that has a point."""
    stmt = (
        select(Village.code, Village.name, Village.lat, Village.lon)
        .where(in_region(Village.code, region), Village.lat.is_not(None))
        .order_by(Village.code)
    )
    return [
        (str(c), str(n), float(a), float(b))
        for c, n, a, b in session.execute(stmt).all()
        if a is not None and b is not None
    ]


def tps_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    wanted = sorted(codes)
    out: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(Tps.code, Tps.name).where(Tps.code.in_(wanted[start : start + CHUNK]))
        out.update({str(c): str(n) for c, n in session.execute(stmt).all()})
    return out


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event or incident with the TPS and packages it concerned inside the region."""

    id: int
    kind: str
    hop: str | None
    category: str | None
    at: dt.datetime
    recorded_at: dt.datetime
    late: bool | None
    log_id: int
    log_index: int
    tps: tuple[str, ...]
    packages: int


def events_in_region(
    session: Session, region: str, kinds: Collection[str], *, limit: int = 500
) -> list[EventRow]:
    """The newest events of some kinds that concerned packages of TPS inside `region`."""
    stmt = (
        select(
            CustodyEvent.id,
            CustodyEvent.kind,
            CustodyEvent.hop,
            CustodyEvent.category,
            CustodyEvent.at,
            CustodyEvent.recorded_at,
            CustodyEvent.late,
            CustodyEvent.log_id,
            CustodyEvent.log_index,
            CustodyItem.tps_code,
            CustodyItem.package_id,
        )
        .join(CustodyItem, CustodyItem.event_id == CustodyEvent.id)
        .where(
            CustodyEvent.kind.in_(list(kinds)),
            CustodyItem.tps_code.like(digits(region) + "%"),
        )
        .order_by(CustodyEvent.id.desc())
    )
    rows: dict[int, list[Any]] = {}
    for row in session.execute(stmt):
        if row[0] not in rows:
            if len(rows) >= limit:
                break
            rows[row[0]] = [*row[:9], set(), 0]
        rows[row[0]][9].add(str(row[9]))
        rows[row[0]][10] += 1
    return [
        EventRow(
            int(r[0]),
            str(r[1]),
            r[2],
            r[3],
            utc(r[4]),
            utc(r[5]),
            r[6],
            int(r[7]),
            int(r[8]),
            tuple(sorted(r[9])),
            int(r[10]),
        )
        for r in rows.values()
    ]


def event_packages(session: Session, event_ids: Sequence[int]) -> dict[int, set[str]]:
    """The packages each event concerned."""
    out: dict[int, set[str]] = {}
    for start in range(0, len(event_ids), CHUNK):
        stmt = select(CustodyItem.event_id, CustodyItem.package_id).where(
            CustodyItem.event_id.in_(list(event_ids[start : start + CHUNK]))
        )
        for event_id, package in session.execute(stmt).all():
            out.setdefault(int(event_id), set()).add(str(package))
    return out


def last_moves(session: Session, package_ids: Collection[str]) -> dict[str, int]:
    """The newest accepted custody event (not an incident) of each package, by event id."""
    wanted = sorted(package_ids)
    out: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = (
            select(CustodyItem.package_id, func.max(CustodyItem.event_id))
            .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
            .where(
                CustodyItem.package_id.in_(wanted[start : start + CHUNK]),
                CustodyEvent.kind != "incident",
            )
            .group_by(CustodyItem.package_id)
        )
        out.update({str(p): int(e) for p, e in session.execute(stmt).all()})
    return out


def finding_subjects(session: Session, region: str) -> set[str]:
    """What Bawaslu's findings in the region name (packages, TPS, event ids)."""
    return {str(row[3]) for row in supervision_findings(session, region, 10_000) if row[3]}


def incidents_without_packages(session: Session, limit: int = 500) -> list[CustodyEvent]:
    """Incidents that name no package (a device's report of a flood, say), newest first."""
    has_items = select(CustodyItem.event_id).where(CustodyItem.event_id == CustodyEvent.id)
    stmt = (
        select(CustodyEvent)
        .where(CustodyEvent.kind == "incident", ~has_items.exists())
        .order_by(CustodyEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def findings(session: Session, event_ids: Sequence[int]) -> dict[int, list[CustodyFinding]]:
    out: dict[int, list[CustodyFinding]] = {}
    for start in range(0, len(event_ids), CHUNK):
        stmt = (
            select(CustodyFinding)
            .where(CustodyFinding.event_id.in_(list(event_ids[start : start + CHUNK])))
            .order_by(CustodyFinding.id)
        )
        for finding in session.scalars(stmt):
            out.setdefault(finding.event_id, []).append(finding)
    return out


def entries(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """The logged JSON of some entries, by (log id, index)."""
    out: dict[tuple[int, int], Any] = {}
    for log_id, index in keys:
        entry = session.get(LedgerEntry, (log_id, index))
        if entry is not None:
            out[(log_id, index)] = json.loads(bytes(entry.entry))
    return out


def regencies_with_kits(session: Session, region: str) -> list[str]:
    """Regencies at or below `region` that packed kits or hold stock documents."""
    from salur.stock.models import StockDocument

    kits = select(Kit.regency_code).where(in_region(Kit.regency_code, region)).distinct()
    stock = (
        select(StockDocument.regency_code)
        .where(in_region(StockDocument.regency_code, region))
        .distinct()
    )
    found = {str(c) for c in session.scalars(kits)} | {str(c) for c in session.scalars(stock)}
    return sorted(found)


def kit_manifest(session: Session, tps_codes: Collection[str]) -> list[tuple[Any, ...]]:
    """Packages of the kits of some TPS: (TPS, package, seq, kind, ballot type, dapil, count)."""
    wanted = sorted(tps_codes)
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), CHUNK):
        stmt = (
            select(
                Tps.code,
                KitPackage.id,
                KitPackage.seq,
                KitPackage.kind,
                KitPackage.ballot_type,
                KitPackage.dapil,
                KitPackage.count,
            )
            .join(Kit, Kit.tps_id == Tps.id)
            .join(KitPackage, KitPackage.kit_id == Kit.id)
            .where(Tps.code.in_(wanted[start : start + CHUNK]))
            .order_by(Tps.code, KitPackage.seq)
        )
        out.extend(tuple(r) for r in session.execute(stmt).all())
    return out


def package_states(session: Session, ids: Collection[str]) -> dict[str, CustodyPackage]:
    wanted = sorted(ids)
    out: dict[str, CustodyPackage] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(CustodyPackage).where(
            CustodyPackage.package_id.in_(wanted[start : start + CHUNK])
        )
        out.update({row.package_id: row for row in session.scalars(stmt)})
    return out


def provinces_with_tps(session: Session) -> list[str]:
    """Provinces that have TPS loaded."""
    stmt = select(func.substr(Tps.village_code, 1, 2)).distinct()
    return sorted(str(code) for code in session.scalars(stmt))


def supervision_findings(session: Session, region: str, limit: int = 200) -> list[tuple[Any, ...]]:
    """Bawaslu's findings about the region or places in it, newest first:
    (id, region, category, subject, description, filed_at, filer's user id)."""
    from salur.service.models import SupervisionFinding

    column = SupervisionFinding.region_code
    where = (column.like(digits(region) + "%") | in_region(column, region)) if region else true()
    stmt = (
        select(
            SupervisionFinding.id,
            SupervisionFinding.region_code,
            SupervisionFinding.category,
            SupervisionFinding.subject,
            SupervisionFinding.description,
            SupervisionFinding.filed_at,
            SupervisionFinding.user_id,
        )
        .where(where)
        .order_by(SupervisionFinding.id.desc())
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(stmt).all()]


def is_tps(code: str) -> bool:
    """Whether a region code is a TPS (13 digits, no dots; a desa code is 13 characters too)."""
    return len(code) == 13 and code.isdigit()


def last_change(session: Session) -> tuple[int, int]:
    """The newest custody event and signed checkpoint: the public figures change with them."""
    event = session.scalar(select(func.max(CustodyEvent.id))) or 0
    checkpoint = session.scalar(select(func.max(LedgerCheckpoint.id))) or 0
    return int(event), int(checkpoint)
