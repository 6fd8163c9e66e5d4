"""`replan`: repair a stored plan around disruptions and store the result as a new version.

Only the regencies the disruptions touch are repaired; every other route is carried over as it
was. What happened before the repair moment stays fixed, and so does every leg that custody has
recorded. The repaired plan must pass the independent checker (`check.py`) before it is added
to the session; like `make_plan`, this never commits, so the caller can write files first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.errors import NotFoundError, SalurError
from salur.norms.loader import DEFAULT_NORM
from salur.planning import repository as repo
from salur.planning.check import CheckReport, Reference, check_plan
from salur.planning.config import PlanningData, load_planning_data
from salur.planning.disrupted_network import disrupt_network
from salur.planning.disruptions import (
    CancelledTimetable,
    Disruptions,
    disruptions_from,
    load_disruptions,
    parse_moment,
)
from salur.planning.inputs import PlanningInputs
from salur.planning.local import local_radii
from salur.planning.network import all_zones, port_nodes
from salur.planning.params import PlanParams
from salur.planning.plan import Plan
from salur.planning.repair import Departures, Surgeon, hit_of
from salur.planning.repair_regency import RegencyRepair, repair_regency
from salur.planning.service import load_region
from salur.planning.sites import regency_sites
from salur.planning.snapshot import from_rows, to_rows
from salur.planning.summary import summarize
from salur.planning.travel import EstimateSource, MatrixSource, TravelSource
from salur.progress import Progress, Silent
from salur.uow import UnitOfWork

DisruptionInput = Disruptions | Path | Mapping[str, Any]
LEVEL_DONE = {"warehouse": 0, "ppk": 1, "pps": 2, "kpps": 3}


@dataclass(frozen=True)
class ReplanOutcome:
    """The repaired plan as stored (not yet committed), and what the repair did."""

    plan: Plan
    plan_id: int
    version: int
    parent_id: int
    summary: dict[str, Any]
    check: CheckReport
    data: PlanningData
    inputs: PlanningInputs
    disruptions: Disruptions
    repairs: tuple[RegencyRepair, ...]
    elapsed_s: float


def replan(
    uow: UnitOfWork,
    plan_id: int,
    disruptions: DisruptionInput,
    at: str | dt.datetime | None = None,
    *,
    seed: int | None = None,
    time_limit_s: float | None = None,
    data_dir: Path | None = None,
    matrix: Path | None = None,
    progress: Progress | None = None,
) -> ReplanOutcome:
    """Repair stored plan ``plan_id`` around ``disruptions`` (a file, parsed values or
    `Disruptions`) as of ``at`` (default: the file's ``at``, else the earliest disruption), check
    it and add it as the next version of its region (no commit)."""
    progress = progress or Silent()
    started = time.perf_counter()
    head = repo.get_plan(uow.session, plan_id)
    if head is None:
        raise NotFoundError("plan.unknown", plan_id=plan_id)
    data = load_planning_data(data_dir)
    if head.voting_day != data.schedule.voting_day.isoformat():
        raise SalurError(
            "plan.other_voting_day",
            stored=head.voting_day,
            current=data.schedule.voting_day.isoformat(),
        )
    progress.phase("replan.phase.load", None)
    inputs = load_region(uow, head.region_code, data, head.norm_id or DEFAULT_NORM)
    plan = _stored_plan(uow.session, plan_id, data, inputs)
    found = _disruptions(disruptions, at, data)
    _check_names(found, plan, inputs, data)
    source: TravelSource = MatrixSource.read(matrix, data.modes) if matrix else EstimateSource()
    params = PlanParams(seed=head.seed if seed is None else seed, time_limit_s=time_limit_s)
    regencies = _affected(found, plan, inputs, data)
    progress.phase("replan.phase.repair", len(regencies))
    repairs = []
    for code in regencies:
        custody = custody_progress(uow.session, code)
        repairs.append(repair_one(code, plan, inputs, data, found, params, source, custody))
        progress.advance()
    repaired = _assemble(plan, repairs, inputs, data, params)
    progress.phase("plan.phase.check", None)
    report = check_plan(repaired, Reference.of(inputs, data))
    if not report.ok:
        first = report.violations[0]
        raise SalurError("replan.check_failed", count=len(report.violations), first=first.detail)
    elapsed = time.perf_counter() - started
    summary = _summary(repaired, data, head.id, head.version, found, repairs, elapsed, source)
    version = repo.next_version(uow.session, head.region_code)
    created = dt.datetime.now(dt.UTC)
    summary["version"], summary["created_at"] = version, created.isoformat()
    row, rows = to_rows(repaired, data.schedule, summary, version, created, time_limit_s)
    progress.phase("plan.phase.store", None)
    repo.add_plan(uow.session, row, rows)
    summary["plan_id"] = row.id
    return ReplanOutcome(
        repaired,
        row.id,
        version,
        head.id,
        summary,
        report,
        data,
        inputs,
        found,
        tuple(repairs),
        elapsed,
    )


def _stored_plan(
    session: Session, plan_id: int, data: PlanningData, inputs: PlanningInputs
) -> Plan:
    head = repo.get_plan(session, plan_id)
    assert head is not None
    sites, routes, stops, issues = repo.plan_rows(session, plan_id)
    return from_rows(
        head,
        sites,
        routes,
        stops,
        issues,
        data.schedule,
        tuple(sorted(k.tps for k in inputs.kits)),
        inputs.region_name,
    )


def _disruptions(
    given: DisruptionInput, at: str | dt.datetime | None, data: PlanningData
) -> Disruptions:
    moment = at.isoformat() if isinstance(at, dt.datetime) else at
    if isinstance(given, Disruptions):
        if moment is None:
            return given
        return _with_moment(given, parse_moment(moment, data.schedule))
    if isinstance(given, Path):
        return load_disruptions(given, data.schedule, moment)
    return disruptions_from(given, data.schedule, moment)


def _with_moment(given: Disruptions, at: int) -> Disruptions:
    from dataclasses import replace

    return replace(given, at=at)


def _check_names(
    found: Disruptions, plan: Plan, inputs: PlanningInputs, data: PlanningData
) -> None:
    """Refuse sites, links and vehicles the plan and its data do not know (typos)."""
    known_sites = {s.code for s in plan.sites} | {p.id for p in data.waterways.ports}
    known_sites |= {d.code for d in inputs.districts} | {v.code for v in inputs.villages}
    known_sites |= {w.site_id for w in inputs.warehouses}
    for site in sorted(found.sites() - known_sites):
        raise SalurError("replan.unknown_site", site=site)
    links = {link.id for link in data.waterways.links} | {c.id for c in found.crossings}
    for link in sorted(found.links() - links):
        raise SalurError("replan.unknown_link", link=link)
    units = {r.unit for r in plan.routes}
    for unit in sorted(found.units() - units):
        raise SalurError("replan.unknown_unit", unit=unit)


def _affected(
    found: Disruptions, plan: Plan, inputs: PlanningInputs, data: PlanningData
) -> list[str]:
    """Regencies with a route the disruptions hit, or with a site they name."""
    out = {r.regency for r in plan.routes if hit_of(r, data, found) is not None}
    ports = {p.id: p.regency for p in data.waterways.ports}
    warehouses = {w.site_id: w.regency for w in inputs.warehouses}
    regencies = {r.code for r in inputs.regencies}
    for site in found.sites():
        code = ports.get(site) or warehouses.get(site) or site[:5]
        if code in regencies:
            out.add(code)
    return sorted(out & regencies)


def custody_progress(session: Session, regency: str) -> dict[str, int]:
    """Per TPS of ``regency``: echelons its kit's custody record shows as done or under way."""
    from salur.custody.models import CustodyPackage

    prefix = regency.replace(".", "")
    rows = session.execute(
        select(
            CustodyPackage.tps_code,
            CustodyPackage.phase,
            CustodyPackage.holder_level,
            CustodyPackage.to_level,
        ).where(CustodyPackage.tps_code.like(prefix + "%"))
    ).all()
    out: dict[str, int] = {}
    for tps, phase, holder, heading in rows:
        done = 3 if phase != "outbound" else LEVEL_DONE.get(str(holder), 0)
        if heading is not None:
            done = max(done, LEVEL_DONE.get(str(heading), 0))
        out[str(tps)] = max(out.get(str(tps), 0), done)
    return out


def repair_one(
    code: str,
    plan: Plan,
    inputs: PlanningInputs,
    data: PlanningData,
    found: Disruptions,
    params: PlanParams,
    source: TravelSource,
    custody: Mapping[str, int],
) -> RegencyRepair:
    """The repair of regency ``code`` of ``plan`` (``custody``: echelons done per TPS)."""
    ports, _ = port_nodes(inputs, data.waterways)
    zones = all_zones((*inputs.villages, *inputs.port_villages), data.waterways)
    placed = regency_sites(
        inputs.for_regency(code),
        ports,
        zones,
        data.waterways,
        data.depots,
        data.modes,
        source,
        data.schedule.quay_radius_m,
    )
    network = disrupt_network(placed.network, found)
    placed.network = network
    cancelled = found.cancelled_windows()
    timetables: dict[str, Departures] = {}
    for link in network.links:
        if link.timetable is not None:
            windows = cancelled.get(link.id)
            timetables[link.id] = (
                CancelledTimetable(link.timetable, windows) if windows else link.timetable
            )

    def kind_of(site: str) -> str:
        node = network.nodes.get(site)
        return str(node.kind) if node else "tps"

    surgeon = Surgeon(data, network, found, timetables, kind_of)
    tps = set(placed.kits)
    routes = [r for r in plan.routes if r.regency == code]
    issues = [i for i in plan.issues if i.tps in tps]
    radii = local_radii(inputs.villages)
    return repair_regency(code, routes, issues, placed, surgeon, data, params, radii, custody)


def _assemble(
    plan: Plan,
    repairs: list[RegencyRepair],
    inputs: PlanningInputs,
    data: PlanningData,
    params: PlanParams,
) -> Plan:
    touched = {r.regency for r in repairs}
    regency_tps = {k.tps for code in touched for k in inputs.for_regency(code).kits}
    routes = [r for r in plan.routes if r.regency not in touched]
    routes += [route for repair in repairs for route in repair.routes]
    issues = [i for i in plan.issues if i.tps not in regency_tps]
    issues += [issue for repair in repairs for issue in repair.issues]
    sites = {s.code: s for s in plan.sites}
    for repair in repairs:
        for code, site in repair.sites.items():
            sites.setdefault(code, site)
    used = {stop.site for route in routes for stop in route.stops}
    return Plan(
        region=plan.region,
        region_name=plan.region_name,
        routes=tuple(sorted(routes, key=lambda r: (r.echelon.number, r.route_id))),
        issues=tuple(sorted(issues, key=lambda i: (i.tps, i.echelon.number if i.echelon else 0))),
        tps=plan.tps,
        seed=params.seed,
        data_sha256=data.sha256,
        sites=tuple(sites[c] for c in sorted(sites) if c in used),
        norm_id=plan.norm_id,
    )


def _summary(
    plan: Plan,
    data: PlanningData,
    parent_id: int,
    parent_version: int,
    found: Disruptions,
    repairs: list[RegencyRepair],
    elapsed: float,
    source: TravelSource,
) -> dict[str, Any]:
    summary = summarize(plan, data.schedule)
    summary["source"] = source.name
    summary["replan"] = {
        "parent_plan_id": parent_id,
        "parent_version": parent_version,
        "at": data.schedule.local_label(found.at),
        "at_iso": data.schedule.local_iso(found.at),
        "disruptions": list(found.described),
        "regencies": {r.regency: r.counts() for r in repairs},
        "elapsed_s": round(elapsed, 2),
    }
    return summary
