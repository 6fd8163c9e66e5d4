"""Plans a region: per regency, echelon by echelon, route the legs and place the tours in time.

Pure: inputs and data in, a `Plan` out (no database, no clock). The province decomposes into
regencies (each KPU kab/kota warehouse serves its own TPS), planned independently, so they can
run side by side on any `concurrent.futures.Executor`: a process pool, or a Dask cluster through
``distributed.Client.get_executor()`` (the whole country: 514 regencies). Every kit is followed
from the warehouse to its TPS, and every kit that cannot make it is named with the reason.
"""

from __future__ import annotations

import pickle
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace

from salur.errors import SalurError
from salur.planning.baseline import Baseline, regency_baseline
from salur.planning.config import PlanningData
from salur.planning.fleet import Fleet
from salur.planning.inputs import PlanningInputs
from salur.planning.local import local_radii
from salur.planning.network import Node, Zone, all_zones, port_nodes
from salur.planning.params import PlanParams
from salur.planning.plan import Issue, Plan, RoutePlan, SitePoint
from salur.planning.regency_plan import RegencyRun
from salur.planning.sites import regency_sites
from salur.planning.travel import EstimateSource, TravelSource
from salur.planning.water_defaults import PORT_PREFIX
from salur.progress import Progress, Silent


@dataclass(frozen=True)
class RegencyTask:
    """Everything one regency's plan needs; picklable, so it can go to another process."""

    inputs: PlanningInputs
    ports: tuple[Node, ...]
    """The ports of the regency's province (a national plan does not route Papua via Riau)."""
    zones: dict[str, Zone]
    data: PlanningData
    params: PlanParams
    time_budget_s: float | None
    radii: dict[str, float]
    source: TravelSource
    with_baseline: bool


@dataclass(frozen=True)
class RegencyResult:
    routes: list[RoutePlan]
    issues: list[Issue]
    sites: dict[str, SitePoint]
    baseline: Baseline | None


def plan_region(
    inputs: PlanningInputs,
    data: PlanningData,
    params: PlanParams | None = None,
    source: TravelSource | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    with_baseline: bool = False,
) -> Plan:
    """The distribution plan of every TPS kit of ``inputs``' region.

    With ``with_baseline`` the direct-dispatch baseline is computed alongside and kept on the
    plan (`Plan.baseline`). The plan does not depend on the executor or on the order regencies
    finish in.
    """
    params = params or PlanParams()
    progress = progress or Silent()
    missing = [r.code for r in inputs.regencies if r.code not in data.roster]
    if missing:
        raise SalurError("plan.no_roster", regencies=", ".join(missing))
    ports, unplaced = port_nodes(inputs, data.waterways)
    if unplaced:
        raise SalurError("plan.port_unplaced", ports=", ".join(unplaced))
    zones = all_zones((*inputs.villages, *inputs.port_villages), data.waterways)
    radii = local_radii(inputs.villages)
    budget = _budget(inputs, params)
    travel: TravelSource = source or EstimateSource()
    parts = inputs.by_regency()
    tasks = [
        RegencyTask(
            part,
            _nearby_ports(code, ports),
            zones,
            _regency_data(data, code),
            params,
            budget.get(code),
            {v.code: radii[v.code] for v in part.villages if v.code in radii},
            travel,
            with_baseline,
        )
        for code, part in parts.items()
    ]
    progress.phase("plan.phase.regencies", len(tasks))
    results: list[RegencyResult] = []
    if executor is None:
        for task in tasks:
            results.append(plan_regency(task))
            progress.advance()
    else:
        # Largest regencies first, so that no big one starts last and keeps one worker busy
        # alone at the end; results keep the regency order.
        order = sorted(range(len(tasks)), key=lambda k: (-len(tasks[k].inputs.kits), k))
        futures: dict[int, Future[RegencyResult]] = {
            k: executor.submit(plan_packed, pickle.dumps(tasks[k], pickle.HIGHEST_PROTOCOL))
            for k in order
        }
        done: dict[int, RegencyResult] = {}
        for k in order:
            done[k] = futures[k].result()
            progress.advance()
        results = [done[k] for k in range(len(tasks))]
    return _assemble(inputs, data, params, results, with_baseline)


def plan_packed(task: bytes) -> RegencyResult:
    """`plan_regency` of a pickled task. Executors pass bytes through as they are, where Dask
    would walk a task's thousands of kits looking for futures (minutes for a whole country)."""
    unpacked: RegencyTask = pickle.loads(task)
    return plan_regency(unpacked)


def plan_regency(task: RegencyTask) -> RegencyResult:
    """Plan one regency (a top-level function, so a process pool can run it)."""
    data = task.data
    placed = regency_sites(
        task.inputs,
        task.ports,
        task.zones,
        data.waterways,
        data.depots,
        data.modes,
        task.source,
        data.schedule.quay_radius_m,
    )
    run = RegencyRun(placed, data, task.params, task.time_budget_s, task.radii)
    run.plan()
    used = {stop.site for route in run.routes for stop in route.stops}
    sites = {
        code: SitePoint(code, str(n.kind), n.name, n.lat, n.lon, n.zone)
        for code in used
        if (n := placed.network.nodes.get(code)) is not None
    }
    baseline = regency_baseline(placed, data, task.radii) if task.with_baseline else None
    return RegencyResult(run.routes, run.issues, sites, baseline)


def _assemble(
    inputs: PlanningInputs,
    data: PlanningData,
    params: PlanParams,
    results: list[RegencyResult],
    with_baseline: bool,
) -> Plan:
    routes = [r for result in results for r in result.routes]
    issues = [i for result in results for i in result.issues]
    sites = {code: s for result in results for code, s in result.sites.items()}
    baseline = None
    if with_baseline:
        baseline = Baseline()
        for result in results:
            if result.baseline is not None:
                baseline.add(result.baseline)
    return Plan(
        region=inputs.region,
        region_name=inputs.region_name,
        routes=tuple(sorted(routes, key=lambda r: (r.echelon.number, r.route_id))),
        issues=tuple(sorted(issues, key=lambda i: (i.tps, i.echelon.number if i.echelon else 0))),
        tps=tuple(sorted(k.tps for k in inputs.kits)),
        seed=params.seed,
        data_sha256=data.sha256,
        sites=tuple(sites[code] for code in sorted(sites)),
        norm_id=inputs.norm_id,
        baseline=baseline,
    )


def _budget(inputs: PlanningInputs, params: PlanParams) -> dict[str, float]:
    """A time limit shared among regencies in proportion to their TPS, or one per regency."""
    if params.regency_time_limit_s is not None:
        return {r.code: params.regency_time_limit_s for r in inputs.regencies}
    if params.time_limit_s is None or not inputs.kits:
        return {}
    counts: dict[str, int] = {}
    for kit in inputs.kits:
        counts[kit.village[:5]] = counts.get(kit.village[:5], 0) + 1
    total = sum(counts.values())
    return {code: params.time_limit_s * n / total for code, n in counts.items()}


def _regency_data(data: PlanningData, regency: str) -> PlanningData:
    """The data one regency's plan reads: its own and the generic fleet rows, its own depot and
    roster (a national plan ships 514 tasks)."""
    return replace(
        data,
        fleet=Fleet(tuple(s for s in data.fleet.specs if s.regency in (regency, "*"))),
        depots={k: v for k, v in data.depots.items() if k == regency},
        roster={k: v for k, v in data.roster.items() if k == regency},
    )


def _nearby_ports(regency: str, ports: list[Node]) -> tuple[Node, ...]:
    """Ports of the regency's province (Bengkalis uses Dumai's ro-ro); default jetties only of
    the regency itself."""
    return tuple(
        p
        for p in ports
        if p.regency == regency
        or (p.regency[:2] == regency[:2] and not p.code.startswith(PORT_PREFIX))
    )
