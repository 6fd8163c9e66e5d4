"""The dashboards of KPU offices, PPK and PPS: drill-down from the province to a desa of kits
delivered against the plan, the map, progress curves, late risks, stock shortages, incidents,
escorts on the road, the log's latest checkpoint, Excel exports and printable documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from salur.identity import service as identity
from salur.service.access import Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter
from salur.web import repository as repo
from salur.web.access import DASHBOARD, DASHBOARD_HOME, page
from salur.web.pages import TABLES, not_found, region_page
from salur.web.render import render
from salur.web.witnesses import qr_svg, witness_code

router = ScopedRouter(tags=["web"], include_in_schema=False)


def dashboard_link(code: str) -> str:
    return f"/dashboard/{code}" if code else "/dashboard"


def bast_link(event_id: int) -> str:
    return f"/events/{event_id}/bast.pdf"


@router.get("/dashboard")
def dashboard_home(grant: Annotated[Grant, page(DASHBOARD_HOME)]) -> Response:
    """A signed-in user's own page: their region's dashboard, the Bawaslu view, or the field."""
    role = grant.principal.role
    scope = grant.principal.scope
    if role is not None and role.value == "bawaslu":
        return RedirectResponse(f"/bawaslu/{scope}", status_code=303)
    if role is not None and role.value == "kpps":
        return RedirectResponse("/field", status_code=303)
    return RedirectResponse(dashboard_link(scope), status_code=303)


@router.get("/dashboard/{region}")
def dashboard(
    request: Request, region: str, uow: Uow, grant: Annotated[Grant, page(DASHBOARD)]
) -> Response:
    """The dashboard of one region (the viewer's scope or inside it)."""
    session = uow.session
    if not repo.region_exists(session, grant.region):
        return not_found(request, grant.region)
    view = region_page(request, session, grant.region, dashboard_link, bast_link)
    user = identity.user(session, grant.user_id)
    tables = {name: view.table(name) for name in TABLES}
    code = witness_code(user)
    return render(
        request,
        "dashboard.html.j2",
        **view.common(grant.principal.scope, f"/dashboard/{grant.region}/export"),
        user=user,
        role=grant.principal.role,
        title=_title(session, grant.region),
        tables=tables,
        documents=_documents(grant),
        witness=code,
        witness_qr=qr_svg(code) if code else None,
    )


@router.get("/dashboard/{region}/export/{table}.xlsx")
def dashboard_export(
    request: Request, region: str, table: str, uow: Uow, grant: Annotated[Grant, page(DASHBOARD)]
) -> Response:
    """One table of the dashboard, every row, as an Excel workbook."""
    if table not in TABLES or not repo.region_exists(uow.session, grant.region):
        return not_found(request, table)
    view = region_page(request, uow.session, grant.region, dashboard_link, bast_link)
    return view.export(request, table)


def _title(session: Session, region: str) -> str:
    return repo.names(session, [region]).get(region, region) if region else "Indonesia"


def _documents(grant: Grant) -> list[tuple[str, str]]:
    """(message key, link) of the printable documents of the region the viewer may open."""
    region = grant.region
    role = grant.principal.role.value if grant.principal.role else ""
    out = []
    if len(region.split(".")) >= 2 and not repo.is_tps(region):
        out.append(("web.doc.labels", f"/kits/{region}/labels.pdf"))
    out.append(("web.doc.needs", f"/reports/{region}/needs.html"))
    if role in ("kpu_province", "kpu_regency", "ppk", "police_escort"):
        out += [
            ("web.doc.routes", f"/documents/{region}/plan/routes.csv"),
            ("web.doc.stops", f"/documents/{region}/plan/stops.csv"),
            ("web.doc.plan_map", f"/documents/{region}/plan/map.html"),
        ]
    return out
