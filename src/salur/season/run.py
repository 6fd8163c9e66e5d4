"""`salur demo`: a whole distribution season on one database, phase by phase.

Store (load Riau, needs) -> warehouse (papers, sortir-lipat, claims, packing, seals, labels)
-> plan (and risk) -> onboarding (officers, phones, the Bawaslu witness) -> the service (a real
`salur serve` process) -> the days H-21 .. H-1 (handovers, disruptions re-planned, cases caught)
-> voting day -> the return -> the season report, BAST PDFs and receipts in `out/`.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from salur.custody.config import load_rules
from salur.custody.models import CustodyEvent
from salur.db import Base, make_engine, migrate
from salur.errors import ConflictError
from salur.geo.repository import names_in_region, region_name
from salur.geo.service import load_reference, resolve_folder
from salur.identity.passwords import Passwords
from salur.identity.service import NewUser, add_user, sign_in
from salur.kits.labels import render_labels
from salur.kits.service import labels
from salur.ledger import service as ledger
from salur.ledger.keyfile import key_dir, log_key_path
from salur.needs.export import write as write_needs
from salur.needs.rollup import rollup
from salur.needs.service import compute_needs
from salur.norms.loader import DEFAULT_NORM, load_norm
from salur.planning.outputs import stage_outcome
from salur.planning.replan import replan
from salur.planning.service import PlanRequest, make_plan
from salur.progress import Progress
from salur.reports.needs_report import write_report
from salur.risk.report import stage_risk
from salur.risk.service import assess_plan
from salur.season import bawaslu, documents, warehouse
from salur.season import disruptions as placing
from salur.season.client import Api, Phone, Server
from salur.season.days import Cases, Season
from salur.season.facts import LOCAL, SeasonFacts, read_facts
from salur.season.field import Field
from salur.season.office import Office
from salur.season.papers import write_papers
from salur.season.people import onboard
from salur.season.report import DisruptionLine, write_season_report
from salur.season.scenario import DEFAULT, load_scenario
from salur.stock.demand import regency_needs
from salur.uow import UnitOfWork

RIAU = "14"
RISK_DRAWS = 1000


@dataclass(frozen=True)
class Options:
    region: str = RIAU
    seed: int = 2024
    out: Path = Path("out")
    database_url: str | None = None
    fresh: bool = False
    plan_time_limit_s: float | None = None
    scenario: Path = DEFAULT
    work: Path = Path("var/season")  # the witness's state, the server's log


@dataclass
class Result:
    """What the run produced; its numbers for people come from `facts` (the database)."""

    facts: SeasonFacts
    report: Path
    plan_id: int
    plan_ids: list[int]
    receipts_checked: int
    receipts_verified: int
    witness_size: int
    simulated_accepted: int
    simulated_refused: int
    placed: list[DisruptionLine] = field(default_factory=list)
    database: str = ""
    elapsed_s: float = 0.0


def run_season(options: Options, progress: Progress) -> Result:
    """Run the season; every phase reports progress."""
    started = dt.datetime.now(dt.UTC)
    scenario = load_scenario(options.scenario)
    rules = load_rules()
    norm = load_norm(DEFAULT_NORM)
    voting_day = rules.election.voting_day
    rng = random.Random(options.seed)
    url = options.database_url or str(make_engine().url.render_as_string(hide_password=False))
    engine = _fresh_store(url, options, rules.election.election)

    progress.phase("season.phase.store", 2)  # and the needs report, as the Foundation had it
    with UnitOfWork(engine) as uow:
        load_reference(uow, resolve_folder("riau"))
    progress.advance()
    with UnitOfWork(engine) as uow:
        result = compute_needs(uow, options.region, norm)
        name = region_name(uow.session, options.region)
        names = names_in_region(uow.session, options.region)
    database = make_url(url).render_as_string(hide_password=True)
    write_needs(rollup(result, "ppk"), "csv", options.out / "needs-ppk.csv")
    write_needs(rollup(result, "regency"), "xlsx", options.out / "needs-regency.xlsx")
    write_report(result, names, options.out / "needs.html", database, "riau")
    progress.advance()
    regencies = _regencies(engine, options.region)

    progress.phase("season.phase.warehouse", 3)
    demand = {}
    with Session(engine) as s:
        for regency in regencies:
            needs = regency_needs(s, regency, norm)
            wanted = needs.tps_totals()
            for key, quantity in needs.psu_totals().items():
                wanted[key] = wanted.get(key, 0) + quantity
            demand[regency] = wanted
    papers = write_papers(
        options.out / "papers", demand, scenario, np.random.default_rng(options.seed)
    )
    warehouse.record_papers(engine, papers, norm)
    progress.advance()
    packed_at = dt.datetime.combine(scenario.packed, dt.time(9), LOCAL)
    warehouse.pack_and_seal(engine, regencies, norm, options.seed, packed_at)
    progress.advance()
    with Session(engine) as s:
        first_district = _first_district(s, options.region)
        render_labels(labels(s, first_district), options.out / f"labels-{first_district}.pdf")
        kits = warehouse.load_kits(
            s, options.region, warehouse.return_seal_numbers(engine, regencies)
        )
    progress.advance()

    progress.phase("season.phase.plan", None)
    with UnitOfWork(engine) as uow:
        request = PlanRequest(options.region, options.seed, options.plan_time_limit_s)
        outcome = make_plan(uow, request)
        uow.commit()
    stage_outcome(outcome, options.out / "plan").publish()
    plan_id = outcome.plan_id
    plan_ids = [plan_id]
    with Session(engine) as s:
        risk = assess_plan(s, plan_id, options.seed, RISK_DRAWS)
    stage_risk(risk, options.out / "risk").publish()

    progress.phase("season.phase.people", None)
    field_ = Field(options.seed, rules)
    field_.enlist(kits.values())
    uploaders = {o.device for o in field_.officers() if o.role in ("kpu_kab", "ppk", "pps")}
    with UnitOfWork(engine) as uow:
        ledger.create_log(uow, election=rules.election.election, province_code=RIAU)
    onboarded = dt.datetime.combine(scenario.packed, dt.time(10), LOCAL)  # simulated, not wall
    tokens = onboard(engine, field_.officers(), uploaders, options.seed, rules, onboarded)
    admin, bawaslu_token = _office_tokens(engine, options.seed)
    witness = bawaslu.create_witness(options.work / "witness", engine)

    progress.phase("season.phase.service", None)
    server = Server(url, key_dir(), options.work / "serve.log").start()
    api = Api(server.url)
    try:
        api.add_witness(admin, RIAU, witness.vkey)
        phones = {device: Phone(device, token) for device, token in tokens.items()}
        office = Office(engine, options.seed)
        cosigned = [0]

        def cosign(_: dt.date) -> None:
            cosigned[0] = bawaslu.cosign(api, witness, bawaslu_token, cosigned[0])

        season = Season(
            engine=engine,
            api=api,
            field_=field_,
            phones=phones,
            kits=kits,
            scenario=scenario,
            cases=Cases.place(scenario.case, kits, rng),
            rng=rng,
            voting_day=voting_day,
            on_day_end=cosign,
            office=office,
        )
        pending = _placed(engine, plan_id, scenario, options.region)
        lines: list[DisruptionLine] = []
        days = _days(engine, plan_id, voting_day)
        progress.phase("season.phase.days", len(days) + 2)
        for day in days:
            for placed in [p for p in pending if p.at.astimezone(LOCAL).date() == day]:
                plan_id = _replan(engine, plan_id, placed, options)
                plan_ids.append(plan_id)
                lines.append(_line(placed, plan_id))
                pending.remove(placed)
            season.hand_over(season.outbound(plan_id, day))
            cosign(day)
            progress.advance()
        season.voting_day_events()
        cosign(voting_day)
        progress.advance()
        season.returns()
        progress.advance()

        progress.phase("season.phase.report", 3)
        checked, verified = documents.receipts(
            api, admin, engine, season.outcome.handover_ids, witness, options.out
        )
        progress.advance()
        documents_written = documents.basts(api, admin, season.outcome.handover_ids, options.out)
        progress.advance()
    finally:
        api.close()
        server.stop()
    with Session(engine) as s:
        facts = read_facts(s, options.region, plan_ids[0])
        report = write_season_report(
            s,
            facts,
            options.out / "season.html",
            region_name=name,
            seed=options.seed,
            database=database,
            voting_day=voting_day,
            disruptions=lines,
            receipts=(verified, checked),
            documents=documents_written,
            statuses=office.statuses(options.region),
            risk=documents.risk_rows(risk),
        )
    progress.advance()
    return Result(
        facts,
        report,
        plan_id,
        plan_ids,
        checked,
        verified,
        cosigned[0],
        season.outcome.accepted,
        len(season.outcome.refused),
        lines,
        make_url(url).render_as_string(hide_password=True),
        (dt.datetime.now(dt.UTC) - started).total_seconds(),
    )


# --- store ------------------------------------------------------------------------------------


def _fresh_store(url: str, options: Options, election: str) -> Engine:
    """The season's store, migrated. A store that already holds a season is refused unless
    `fresh`, which starts over: the SQLite file (or every table) and the log key go."""
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        used = s.scalar(select(func.count()).select_from(CustodyEvent)) or 0
    if used and not options.fresh:
        engine.dispose()
        raise ConflictError("season.store_used", database=make_url(url).render_as_string(True))
    if used or options.fresh:
        engine = _wipe(engine, url)
    log_key_path(key_dir(), ledger.default_origin(election, RIAU)).unlink(missing_ok=True)
    shutil.rmtree(options.work, ignore_errors=True)
    shutil.rmtree(options.out, ignore_errors=True)
    options.work.mkdir(parents=True, exist_ok=True)
    options.out.mkdir(parents=True, exist_ok=True)
    return engine


def _wipe(engine: Engine, url: str) -> Engine:
    parsed = make_url(url)
    engine.dispose()
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    else:
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine = make_engine(url)
    migrate(engine)
    return engine


def _regencies(engine: Engine, region: str) -> list[str]:
    from salur.geo.models import Regency

    with Session(engine) as s:
        return list(
            s.scalars(
                select(Regency.code)
                .where((Regency.code == region) | Regency.code.startswith(region + "."))
                .order_by(Regency.code)
            )
        )


def _first_district(session: Session, region: str) -> str:
    from salur.geo.models import District

    code = session.scalar(
        select(District.code)
        .where(District.code.startswith(region + "."))
        .order_by(District.code)
        .limit(1)
    )
    return str(code)


# --- people -------------------------------------------------------------------------------------


def _office_tokens(engine: Engine, seed: int) -> tuple[str, str]:
    """The KPU Riau administrator (adds the witness) and Bawaslu Riau (cosigns): bearer
    tokens for the season's scripts."""
    from argon2 import profiles

    passwords = Passwords(profiles.CHEAPEST)
    tokens = []
    for username, role, label in (
        ("kpu-riau-admin", "kpu_province", "Admin KPU Provinsi Riau (simulasi)"),
        ("bawaslu-riau", "bawaslu", "Bawaslu Provinsi Riau (simulasi)"),
    ):
        password = f"season-{seed}-{username}"
        with UnitOfWork(engine) as uow:
            add_user(
                uow,
                NewUser(username, role, RIAU, label, password),
                passwords=passwords,
            )
        with UnitOfWork(engine) as uow:
            issued = sign_in(
                uow,
                username,
                password,
                address="127.0.0.1",
                kind="bearer",
                lifetime=dt.timedelta(days=60),
                passwords=passwords,
            )
        tokens.append(issued.token)
    return tokens[0], tokens[1]


# --- plan and disruptions ---------------------------------------------------------------------


def _days(engine: Engine, plan_id: int, voting_day: dt.date) -> list[dt.date]:
    """From the plan's first departure to the day before voting."""
    from salur.planning.models import PlanRouteRow

    with Session(engine) as s:
        first = s.scalar(
            select(func.min(PlanRouteRow.depart_at)).where(PlanRouteRow.plan_id == plan_id)
        )
    moment = first if first is not None else dt.datetime.combine(voting_day, dt.time(), LOCAL)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    start = aware.astimezone(LOCAL).date()
    return [start + dt.timedelta(days=i) for i in range((voting_day - start).days)]


def _placed(engine: Engine, plan_id: int, scenario: object, region: str) -> list[placing.Placed]:
    from salur.season.scenario import Scenario

    assert isinstance(scenario, Scenario)
    out = []
    with Session(engine) as s:
        for disruption in scenario.disruptions_in(region):
            found = placing.place(s, plan_id, disruption)
            if found is not None:
                out.append(found)
    return out


def _replan(engine: Engine, plan_id: int, placed: placing.Placed, options: Options) -> int:
    with UnitOfWork(engine) as uow:
        outcome = replan(
            uow,
            plan_id,
            placed.spec,
            placed.at,
            seed=options.seed,
            time_limit_s=options.plan_time_limit_s,
        )
        uow.commit()
    return outcome.plan_id


def _line(placed: placing.Placed, plan_id: int) -> DisruptionLine:
    from salur.i18n import t

    when = placed.at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")
    what = t(f"season.disruption.{placed.disruption.kind}", place=placed.what)
    effect = t("season.disruption.replanned", plan=plan_id)
    return DisruptionLine(when, what, effect, placed.disruption.source)
