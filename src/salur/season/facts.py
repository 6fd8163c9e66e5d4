"""What a season did, read from the database only: the season report and the demo's summary
print these, never the simulation's own counters (a test compares the two)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyItem, CustodyPackage
from salur.custody.receipts import reconciliation
from salur.geo.models import Regency, Tps
from salur.kits.models import Kit
from salur.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerLog, LedgerWitness
from salur.planning.models import PlanRouteRow, PlanStopRow

LOCAL = dt.timezone(dt.timedelta(hours=7))  # WIB: days of the season are Riau's days


@dataclass(frozen=True)
class RegencyFacts:
    code: str
    name: str
    tps: int
    kits: int
    delivered: int  # TPS whose kit the KPPS took over (an accepted PPS -> KPPS handover)
    late: int  # of those, taken over after the deadline
    returned: int  # kotak back at the regency warehouse after counting


@dataclass(frozen=True)
class Curve:
    """Kits that reached each level per day, cumulative: planned (the first plan) and done.

    `planned[hop]` and `done[hop]` are aligned with `days`; hops are the outbound ones.
    """

    days: list[dt.date]
    planned: dict[str, list[int]]
    done: dict[str, list[int]]


@dataclass(frozen=True)
class IncidentFact:
    event_id: int
    log_index: int
    at: dt.datetime
    category: str
    codes: tuple[str, ...]
    tps: tuple[str, ...]


@dataclass(frozen=True)
class LogFacts:
    origin: str
    size: int
    checkpoint_size: int
    cosigners: tuple[str, ...]  # witnesses who cosigned the latest checkpoint


@dataclass
class SeasonFacts:
    region: str
    regencies: list[RegencyFacts]
    curves: dict[str, Curve]
    events: Counter[str]  # accepted events by kind (handover, opening, ...)
    incidents: list[IncidentFact]
    tallies: int  # kotak tallies returned
    mismatches: list[tuple[str, str, str]]  # (TPS, ballot type, finding code)
    logs: list[LogFacts]
    unserved: dict[str, str] = field(default_factory=dict)  # TPS -> latest finding on it

    @property
    def tps(self) -> int:
        return sum(r.tps for r in self.regencies)

    @property
    def delivered(self) -> int:
        return sum(r.delivered for r in self.regencies)


def read_facts(session: Session, region: str, plan_id: int | None = None) -> SeasonFacts:
    """Everything the report shows about `region` (a province or regency code)."""
    regencies = _regencies(session, region)
    curves = {r.code: _curve(session, r.code, plan_id) for r in regencies}
    events = Counter(
        dict(
            session.execute(
                select(CustodyEvent.kind, func.count())
                .where(CustodyEvent.kind != "incident")
                .group_by(CustodyEvent.kind)
            ).all()
        )
    )
    tallies = reconciliation(session, region)
    mismatches = [(t.tps_code, t.ballot_type, f.code) for t, found in tallies for f in found]
    return SeasonFacts(
        region,
        regencies,
        curves,
        events,
        _incidents(session, region),
        len(tallies),
        mismatches,
        _logs(session),
        _unserved(session, region),
    )


def _digits(region: str) -> str:
    return region.replace(".", "")


def _regencies(session: Session, region: str) -> list[RegencyFacts]:
    out = []
    rows = session.execute(
        select(Regency.code, Regency.name)
        .where((Regency.code == region) | Regency.code.startswith(region + "."))
        .order_by(Regency.code)
    ).all()
    for code, name in rows:
        prefix = _digits(code)
        tps = session.scalar(
            select(func.count()).select_from(Tps).where(Tps.code.startswith(prefix))
        )
        kits = session.scalar(select(func.count()).select_from(Kit).where(Kit.regency_code == code))
        taken = (
            select(CustodyItem.tps_code, func.max(func.coalesce(CustodyEvent.late, False)))
            .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
            .where(
                CustodyEvent.kind == "handover",
                CustodyEvent.hop == "pps_kpps",
                CustodyItem.tps_code.startswith(prefix),
            )
            .group_by(CustodyItem.tps_code)
        ).subquery()
        delivered = session.scalar(select(func.count()).select_from(taken)) or 0
        late = session.scalar(
            select(func.count()).select_from(taken).where(taken.c[1] == True)  # noqa: E712
        )
        returned = session.scalar(
            select(func.count())
            .select_from(CustodyPackage)
            .where(
                CustodyPackage.tps_code.startswith(prefix),
                CustodyPackage.phase == "resealed",
                CustodyPackage.holder_level == "warehouse",
            )
        )
        out.append(
            RegencyFacts(code, name, tps or 0, kits or 0, delivered, late or 0, returned or 0)
        )
    return out


OUTBOUND = {"warehouse_ppk": "ppk", "ppk_pps": "pps", "pps_kpps": "tps"}
PLANNED = {"warehouse_ppk": "warehouse_ppk", "ppk_pps": "ppk_pps", "pps_tps": "pps_kpps"}


def _curve(session: Session, regency: str, plan_id: int | None) -> Curve:
    prefix = _digits(regency)
    done_at: dict[str, Counter[dt.date]] = {hop: Counter() for hop in OUTBOUND}
    rows = session.execute(
        select(CustodyEvent.hop, CustodyItem.tps_code, func.min(CustodyEvent.at))
        .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
        .where(
            CustodyEvent.kind == "handover",
            CustodyEvent.hop.in_(OUTBOUND),
            CustodyItem.tps_code.startswith(prefix),
        )
        .group_by(CustodyEvent.hop, CustodyItem.tps_code)
    ).all()
    for hop, _, at in rows:
        done_at[str(hop)][_day(at)] += 1
    planned_at: dict[str, Counter[dt.date]] = {hop: Counter() for hop in OUTBOUND}
    if plan_id is not None:
        stops = session.execute(
            select(
                PlanRouteRow.echelon,
                PlanStopRow.site_kind,
                PlanStopRow.arrive_at,
                PlanStopRow.unloaded,
            )
            .join(
                PlanRouteRow,
                (PlanRouteRow.plan_id == PlanStopRow.plan_id)
                & (PlanRouteRow.idx == PlanStopRow.route_idx),
            )
            .where(
                PlanStopRow.plan_id == plan_id,
                PlanRouteRow.regency_code == regency,
                PlanStopRow.site_kind.in_(("ppk", "pps", "tps")),
                PlanStopRow.unloaded != "",
            )
        ).all()
        for echelon, kind, at, unloaded in stops:
            hop = PLANNED[str(echelon)]
            if kind == OUTBOUND[hop]:  # not a port where the load changes boats
                planned_at[hop][_day(at)] += len(unloaded.split(";"))
    every = sorted({d for c in (*done_at.values(), *planned_at.values()) for d in c})
    if not every:
        return Curve([], {}, {})
    days = [every[0] + dt.timedelta(days=i) for i in range((every[-1] - every[0]).days + 1)]
    return Curve(
        days,
        {hop: _cumulative(days, planned_at[hop]) for hop in OUTBOUND},
        {hop: _cumulative(days, done_at[hop]) for hop in OUTBOUND},
    )


def _cumulative(days: list[dt.date], per_day: Counter[dt.date]) -> list[int]:
    total, out = 0, []
    for day in days:
        total += per_day[day]
        out.append(total)
    return out


def _day(at: dt.datetime) -> dt.date:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL).date()


def _incidents(session: Session, region: str) -> list[IncidentFact]:
    prefix = _digits(region)
    rows = session.execute(
        select(
            CustodyEvent.id,
            CustodyEvent.log_index,
            CustodyEvent.at,
            CustodyEvent.category,
            CustodyFinding.code,
            CustodyFinding.tps_code,
        )
        .join(CustodyFinding, CustodyFinding.event_id == CustodyEvent.id, isouter=True)
        .where(CustodyEvent.kind == "incident")
        .order_by(CustodyEvent.id, CustodyFinding.id)
    ).all()
    grouped: dict[int, tuple[int, dt.datetime, str, list[str], list[str]]] = {}
    for event_id, index, at, category, code, tps_code in rows:
        entry = grouped.setdefault(event_id, (index, at, category or "", [], []))
        if code is not None:
            entry[3].append(code)
        if tps_code is not None:
            entry[4].append(tps_code)
    out = []
    for event_id, (index, at, category, codes, tps) in grouped.items():
        if tps and not any(code.startswith(prefix) for code in tps):
            continue
        out.append(
            IncidentFact(
                event_id, index, at, category, tuple(dict.fromkeys(codes)), tuple(sorted(set(tps)))
            )
        )
    return out


def _logs(session: Session) -> list[LogFacts]:
    out = []
    for log in session.scalars(select(LedgerLog).order_by(LedgerLog.id)):
        latest = session.scalars(
            select(LedgerCheckpoint)
            .where(LedgerCheckpoint.log_id == log.id)
            .order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc())
            .limit(1)
        ).first()
        cosigners: tuple[str, ...] = ()
        if latest is not None:
            cosigners = tuple(
                session.scalars(
                    select(LedgerWitness.name)
                    .join(LedgerCosignature, LedgerCosignature.witness_id == LedgerWitness.id)
                    .where(LedgerCosignature.checkpoint_id == latest.id)
                    .order_by(LedgerWitness.name)
                )
            )
        size = latest.size if latest is not None else 0
        out.append(LogFacts(log.origin, log.size, size, cosigners))
    return out


def _unserved(session: Session, region: str) -> dict[str, str]:
    """TPS whose kit never reached its KPPS, each with the latest finding recorded on it."""
    prefix = _digits(region)
    served = (
        select(CustodyItem.tps_code)
        .join(CustodyEvent, CustodyEvent.id == CustodyItem.event_id)
        .where(CustodyEvent.kind == "handover", CustodyEvent.hop == "pps_kpps")
        .distinct()
    )
    missing = session.scalars(
        select(Tps.code)
        .join(Kit, Kit.tps_id == Tps.id)
        .where(Tps.code.startswith(prefix), Tps.code.not_in(served))
        .order_by(Tps.code)
    ).all()
    out = {}
    for tps in missing:
        code = session.scalar(
            select(CustodyFinding.code)
            .where(CustodyFinding.tps_code == tps)
            .order_by(CustodyFinding.id.desc())
            .limit(1)
        )
        out[str(tps)] = code or ""
    return out
