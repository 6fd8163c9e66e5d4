"""The public portal, no sign-in: progress per regency and kecamatan (counts only), the latest
signed checkpoint with its witness cosignatures, and the page that verifies a BAST receipt in
the visitor's own browser against the log's and the witnesses' public keys.

Nothing personal is shown: no names, phone numbers, pseudonyms or device ids, and nothing
below the kecamatan.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from salur.service.access import Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter
from salur.web import log_queries
from salur.web import repository as repo
from salur.web.access import PUBLIC, PUBLIC_REGION, page
from salur.web.pages import RegionPage, checkpoints, crumbs, not_found, region_page
from salur.web.render import render, request_language, texts
from salur.web.tables import Table

router = ScopedRouter(tags=["web"], include_in_schema=False)
PUBLIC_COLUMNS = (
    "name",
    "code",
    "tps",
    "packed",
    "at_ppk",
    "at_pps",
    "at_tps",
    "share_tps",
    "status",
)
MAX_DEPTH = 2  # regency: its table lists kecamatan, the finest level the public sees
CACHE_SECONDS = 60.0
_cache: dict[tuple[str, str, tuple[int, int]], tuple[float, dict[str, Any]]] = {}


def public_link(code: str) -> str:
    return f"/public/{code}" if code else "/public"


def public_table(table: Table, link_children: bool) -> Table:
    """The progress table cut to what the public sees: counts and status, no plan figures."""
    keep = [i for i, c in enumerate(table.columns) if c.key in PUBLIC_COLUMNS]
    columns = tuple(replace(table.columns[i], sub=None) for i in keep)
    rows = [{c.key: row[c.key] for c in columns} for row in table.rows]
    links = table.links if link_children else []
    return Table(table.name, table.title, columns, rows, links, table.row_status)


def _portal(view: RegionPage, region: str) -> dict[str, Any]:
    """The figures of one public page, kept until the next custody event or checkpoint (or a
    minute: "late" moves with the clock), since the portal is read by many."""
    key = (region, view.lang, repo.last_change(view.session))
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    depth = len(region.split(".")) if region else 0
    content = {
        "total": view.overview.total,
        "table": public_table(view.table("progress"), depth < MAX_DEPTH),
        "chart": view.chart(),
        "now": view.now,
    }
    if len(_cache) > 512:
        _cache.clear()
    _cache[key] = (time.monotonic(), content)
    return content


@router.get("/public")
def portal_home(request: Request, uow: Uow, grant: Annotated[Grant, page(PUBLIC)]) -> Response:
    """All provinces; with one province loaded, straight to it."""
    del grant
    provinces = repo.provinces_with_tps(uow.session)
    if len(provinces) == 1:
        return RedirectResponse(public_link(provinces[0]), status_code=303)
    return _render(request, uow.session, "")


@router.get("/public/verify")
def verify_page(request: Request, uow: Uow, grant: Annotated[Grant, page(PUBLIC)]) -> Response:
    """Paste, upload or scan a BAST receipt; the browser checks it against these keys."""
    del grant
    session = uow.session
    lang = request_language(request)
    trust = {
        "logs": [log.vkey for log in log_queries.logs_for(session, "")],
        "witnesses": [w.vkey for w in log_queries.witnesses(session)],
        "quorum": 0,
    }
    return render(
        request,
        "verify.html.j2",
        title="",
        trust=trust,
        texts=texts(lang, "web.verify"),
        logs=log_queries.logs_for(session, ""),
        witnesses=log_queries.witnesses(session),
    )


@router.get("/public/{region}")
def portal(
    request: Request, region: str, uow: Uow, grant: Annotated[Grant, page(PUBLIC_REGION)]
) -> Response:
    """A province (its regencies) or a regency (its kecamatan)."""
    depth = len(grant.region.split("."))
    if (
        repo.is_tps(grant.region)
        or depth > MAX_DEPTH
        or not repo.region_exists(uow.session, grant.region)
    ):
        return not_found(request, grant.region)
    return _render(request, uow.session, grant.region)


@router.get("/public/{region}/export/progress.xlsx")
def portal_export(
    request: Request, region: str, uow: Uow, grant: Annotated[Grant, page(PUBLIC_REGION)]
) -> Response:
    """The public progress table of a province or regency as an Excel workbook."""
    depth = len(grant.region.split("."))
    if (
        repo.is_tps(grant.region)
        or depth > MAX_DEPTH
        or not repo.region_exists(uow.session, grant.region)
    ):
        return not_found(request, grant.region)
    view = region_page(request, uow.session, grant.region, public_link)
    return view.export_table(_portal(view, grant.region)["table"])


def _render(request: Request, session: Session, region: str) -> Response:
    view = region_page(request, session, region, public_link)
    content = _portal(view, region)
    title = repo.names(session, [region]).get(region, region) if region else "Indonesia"
    return render(
        request,
        "public.html.j2",
        title=title,
        region=region,
        crumbs=crumbs(session, region, public_link, ""),
        checkpoints=checkpoints(session, region),
        export=f"/public/{region}/export" if region else None,
        tz=view.rules.tz,
        tz_name=view.rules.election.timezone,
        **content,
    )
