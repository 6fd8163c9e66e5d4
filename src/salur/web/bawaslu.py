"""The Bawaslu view: everything in its scope, read-only (progress, map, curves, late risks,
incidents, handovers with their BAST), its findings (filed through the service's findings API,
and followed here with what became of their subject since), the handovers its officers
witnessed, and the handovers still to witness: planned deliveries ahead in its region and past
ones that went ahead without a supervisor."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.identity import service as identity
from salur.identity.tokens import csrf_for
from salur.service.access import Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter
from salur.service.settings import SESSION_COOKIE
from salur.web import plans
from salur.web import repository as repo
from salur.web.access import BAWASLU, page
from salur.web.pages import RegionPage, not_found, region_page
from salur.web.progress import LEVELS
from salur.web.render import render
from salur.web.sections import echelon_names
from salur.web.tables import Column, Table
from salur.web.witnesses import qr_svg, witness_code

router = ScopedRouter(tags=["web"], include_in_schema=False)
SUPERVISORS = ("bawaslu_kab", "panwascam", "pkd", "ptps")
VIEW_TABLES = ("progress", "late", "workflow", "incidents", "events")
OWN_TABLES = ("findings", "witnessed", "to_witness", "unwitnessed")
PLAN_HOPS = {"warehouse_ppk": "warehouse_ppk", "ppk_pps": "ppk_pps", "pps_tps": "pps_kpps"}
FINDING_CATEGORIES = (
    "late", "unsealed", "wrong_dapil", "wrong_target", "short_count", "damaged", "no_witness",
    "other",
)  # fmt: skip


def bawaslu_link(code: str) -> str:
    return f"/bawaslu/{code}"


def bast_link(event_id: int) -> str:
    return f"/events/{event_id}/bast.pdf"


@router.get("/bawaslu/{region}")
def bawaslu_view(
    request: Request, region: str, uow: Uow, grant: Annotated[Grant, page(BAWASLU)]
) -> Response:
    """Bawaslu's page of one region in its scope."""
    session = uow.session
    if not repo.region_exists(session, grant.region):
        return not_found(request, grant.region)
    view = region_page(request, session, grant.region, bawaslu_link, bast_link)
    user = identity.user(session, grant.user_id)
    tables = {name: view.table(name) for name in VIEW_TABLES}
    tables.update({name: _own_table(view, name, user.person) for name in OWN_TABLES})
    cookie = request.cookies.get(SESSION_COOKIE)
    return render(
        request,
        "bawaslu.html.j2",
        **view.common(grant.principal.scope, f"/bawaslu/{grant.region}/export"),
        user=user,
        role="bawaslu",
        title=repo.names(session, [grant.region]).get(grant.region, grant.region),
        tables=tables,
        csrf=csrf_for(cookie) if cookie else "",
        categories=FINDING_CATEGORIES,
        witness=witness_code(user),
        witness_qr=qr_svg(witness_code(user) or ""),
    )


@router.get("/bawaslu/{region}/export/{table}.xlsx")
def bawaslu_export(
    request: Request, region: str, table: str, uow: Uow, grant: Annotated[Grant, page(BAWASLU)]
) -> Response:
    """One table of the Bawaslu view, every row, as an Excel workbook."""
    session = uow.session
    if table not in (*VIEW_TABLES, *OWN_TABLES) or not repo.region_exists(session, grant.region):
        return not_found(request, table)
    view = region_page(request, session, grant.region, bawaslu_link, bast_link)
    if table in VIEW_TABLES:
        return view.export(request, table)
    person = identity.user(session, grant.user_id).person
    return view.export_table(_own_table(view, table, person, full=True))


def _own_table(view: RegionPage, name: str, person: str, *, full: bool = False) -> Table:
    if name == "findings":
        return findings_table(view)
    if name == "to_witness":
        return to_witness_table(view, None if full else 25)
    witnessed, unwitnessed = supervised_events(view, person)
    return witnessed if name == "witnessed" else unwitnessed


def findings_table(view: RegionPage) -> Table:
    """Bawaslu's findings in the region, newest first, with where their subject stands now."""
    session, lang = view.session, view.lang
    rows_in = repo.supervision_findings(session, view.region)
    columns = (
        Column("filed_at", view.t("web.col.filed_at"), "time"),
        Column("region", view.t("web.col.region"), "code"),
        Column("category", view.t("web.col.category")),
        Column("subject", view.t("web.col.subject"), "code"),
        Column("description", view.t("web.col.description")),
        Column("follow", view.t("web.col.follow")),
    )
    rows = []
    for _, region, category, subject, description, filed_at, _user in rows_in:
        rows.append(
            {
                "filed_at": repo.utc(filed_at),
                "region": region,
                "category": view.ctx.t_or(f"web.finding.{category}", category),
                "subject": subject or "",
                "description": description,
                "follow": follow_up(session, view, subject),
            }
        )
    del lang
    return Table(
        "findings", view.t("web.bawaslu.findings_title"), columns, rows,
        note=view.t("web.bawaslu.findings_note"),
    )  # fmt: skip


def follow_up(session: Session, view: RegionPage, subject: str | None) -> str:
    """Where a finding's subject stands now: a package's holder, a TPS kit's progress."""
    if not subject:
        return ""
    states = repo.package_states(session, [subject])
    if subject in states:
        row = states[subject]
        where = view.t(f"web.level_holder.{row.holder_level}", region=row.holder_region)
        heading = (
            " → " + view.t(f"web.level_holder.{row.to_level}", region=row.to_region)
            if row.to_level
            else ""
        )
        return where + heading
    for status in view.overview.statuses:
        if status.tps == subject:
            level = LEVELS[max(status.reached, 0)]
            return view.t("web.bawaslu.kit_at", level=view.t(f"web.level_name.{level}"))
    return ""


def supervised_events(view: RegionPage, person: str) -> tuple[Table, Table]:
    """Handovers and receipts in the region this supervisor witnessed, and those that went ahead
    without any supervisor though their hop asks for one."""
    session, rules = view.session, view.rules
    events = repo.events_in_region(session, view.region, ("handover", "receipt"), limit=1000)
    entries = repo.entries(session, [(e.log_id, e.log_index) for e in events])
    echelons = dict(
        zip(("warehouse_ppk", "ppk_pps", "pps_kpps"), echelon_names(view.lang), strict=True)
    )
    columns = (
        Column("at", view.t("web.col.time"), "time"),
        Column("kind", view.t("web.col.event")),
        Column("hop", view.t("web.col.echelon")),
        Column("tps", view.t("web.col.tps_count"), "int"),
        Column("witnesses", view.t("web.col.witnesses")),
        Column("log_index", view.t("web.col.log_index"), "int"),
        Column("bast", view.t("web.col.document")),
    )
    witnessed: list[dict[str, Any]] = []
    unwitnessed: list[dict[str, Any]] = []
    links_w: list[dict[str, str]] = []
    links_u: list[dict[str, str]] = []
    for event in events:
        body = entries.get((event.log_id, event.log_index), {}).get("event", {})
        roles = [w.get("role", "") for w in body.get("witnesses", [])]
        mine = any(
            w.get("person") == person and w.get("role") in SUPERVISORS
            for w in body.get("witnesses", [])
        )
        row = {
            "at": event.at,
            "kind": view.t(f"web.event.{event.kind}"),
            "hop": echelons.get(event.hop or "", event.hop or ""),
            "tps": len(event.tps),
            "witnesses": ", ".join(_role_name(rules, r, view.lang) for r in roles) or "–",
            "log_index": event.log_index,
            "bast": "BAST (PDF)" if event.kind == "handover" else "",
        }
        link = {"bast": bast_link(event.id)} if event.kind == "handover" else {}
        if mine:
            witnessed.append(row)
            links_w.append(link)
        elif not any(r in SUPERVISORS for r in roles) and _asks_supervisor(rules, event.hop):
            unwitnessed.append(row)
            links_u.append(link)
    return (
        Table("witnessed", view.t("web.bawaslu.witnessed_title"), columns, witnessed, links_w,
              note=view.t("web.bawaslu.witnessed_note")),
        Table("unwitnessed", view.t("web.bawaslu.unwitnessed_title"), columns, unwitnessed,
              links_u, ["behind"] * len(unwitnessed), note=view.t("web.bawaslu.unwitnessed_note")),
    )  # fmt: skip


def to_witness_table(view: RegionPage, shown: int | None) -> Table:
    """Deliveries the plan brings into the region from now on, on hops a supervisor witnesses;
    a PPS's round of its TPS is one line per desa and day."""
    stops = plans.upcoming_stops(
        view.session, view.overview.plan_ids, view.region, view.now - dt.timedelta(hours=6)
    )
    grouped: dict[tuple[str, str, dt.date], list[Any]] = {}
    for echelon, site, kind, arrive, kits in stops:
        place = ".".join(_village_of(site)) if kind == "tps" else site
        key = (echelon, place, arrive.astimezone(view.rules.tz).date())
        found = grouped.setdefault(key, [arrive, 0, 0])
        found[0] = min(found[0], arrive)
        found[1] += kits
        found[2] += kind == "tps"
    names = repo.names(view.session, {place for _, place, _ in grouped})
    echelons = dict(
        zip(("warehouse_ppk", "ppk_pps", "pps_tps"), echelon_names(view.lang), strict=True)
    )
    columns = (
        Column("planned", view.t("web.col.planned_arrival"), "time"),
        Column("echelon", view.t("web.col.echelon")),
        Column("place", view.t("web.col.place")),
        Column("code", view.t("web.col.code"), "code"),
        Column("kits", view.t("web.col.kits"), "int"),
        Column("required", view.t("web.col.required_witnesses")),
    )
    rows = []
    for (echelon, place, _), (arrive, kits, tps) in sorted(
        grouped.items(), key=lambda kv: kv[1][0]
    ):
        hop = PLAN_HOPS.get(echelon, echelon)
        if not _asks_supervisor(view.rules, hop):
            continue
        required = " + ".join(
            " / ".join(_short(_role_name(view.rules, r, view.lang)) for r in group)
            for group in view.rules.hops[hop].witnesses
        )
        name = names.get(place, place)
        rows.append(
            {
                "planned": arrive,
                "echelon": echelons.get(echelon, echelon),
                "place": view.t("web.bawaslu.round", place=name, count=tps) if tps else name,
                "code": place,
                "kits": kits,
                "required": required,
            }
        )
    return Table(
        "to_witness", view.t("web.bawaslu.to_witness_title"), columns, rows,
        note=view.t("web.bawaslu.to_witness_note"), shown=shown,
    )  # fmt: skip


def _village_of(tps: str) -> tuple[str, str, str, str]:
    return (tps[0:2], tps[2:4], tps[4:6], tps[6:10])


def _asks_supervisor(rules: CustodyRules, hop: str | None) -> bool:
    if hop is None or hop not in rules.hops:
        return False
    return any(role in SUPERVISORS for group in rules.hops[hop].witnesses for role in group)


def _short(name: str) -> str:
    """A role's usual short name: "Pengawas Kelurahan/Desa (PKD)" -> "PKD"."""
    found = re.search(r"\(([^)]+)\)$", name)
    return found.group(1) if found else name


def _role_name(rules: CustodyRules, role: str, lang: str) -> str:
    names = rules.election.roles.get(role)
    return (names.id if lang == "id" else names.en) if names else role
