"""What the region pages share: the breadcrumb, the headline figures, the sections, the latest
signed checkpoint, and the Excel export of any of their tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules, load_rules
from salur.i18n import t
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.note import parse_note
from salur.web import clock, log_queries
from salur.web import repository as repo
from salur.web.incident_sections import incidents_table, workflow_table
from salur.web.overview import Overview, overview
from salur.web.render import render, request_language
from salur.web.sections import (
    Ctx,
    curve_svg,
    escorts_table,
    events_table,
    late_table,
    map_data,
    progress_table,
    shortage_table,
)
from salur.web.tables import XLSX_TYPE, Table, to_xlsx

TABLES = ("progress", "late", "workflow", "incidents", "escorts", "shortages", "events")


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    href: str


@dataclass(frozen=True)
class CheckpointView:
    """The latest signed checkpoint of one log, as the pages show it."""

    origin: str
    size: int
    root: str
    signed_at: dt.datetime
    note: str
    cosigners: list[tuple[str, dt.datetime]] = field(default_factory=list)
    vkey: str = ""
    # When no witness has cosigned the latest yet: the largest checkpoint they did cosign.
    earlier: tuple[int, list[tuple[str, dt.datetime]]] | None = None


def crumbs(session: Session, region: str, link: Callable[[str], str], top: str) -> list[Crumb]:
    """Indonesia down to `region`; a link for each region in the viewer's scope `top` ('' =
    everything), the regions above it by name only (their pages are not the viewer's)."""
    codes = [*repo.ancestors(region), region] if region else []
    names = repo.names(session, codes)
    names.update(repo.tps_names(session, [c for c in codes if repo.is_tps(c)]))
    out = [Crumb("", "Indonesia", link("") if not top else "")]
    for code in codes:
        inside = not top or _below(code, top)
        out.append(Crumb(code, names.get(code, code), link(code) if inside else ""))
    return out[1:] if top else out


def _below(code: str, scope: str) -> bool:
    """Whether `code` lies inside `scope` (as the service's scopes compare: by digits)."""
    return repo.digits(code).startswith(repo.digits(scope)) and len(repo.digits(code)) >= len(
        repo.digits(scope)
    )


def checkpoints(session: Session, region: str) -> list[CheckpointView]:
    """The latest checkpoint of each log of the region's province, with its cosigners."""
    out = []
    for log in log_queries.logs_for(session, region):
        checkpoint, cosigned = log_queries.latest_checkpoint(session, log.id)
        if checkpoint is None:
            continue
        parsed = parse_checkpoint(parse_note(checkpoint.note).text)
        note = checkpoint.note + "".join(f"{c.line}\n" for c in cosigned)
        earlier = None if cosigned else log_queries.latest_cosigned(session, log.id)
        out.append(
            CheckpointView(
                log.origin,
                parsed.size,
                parsed.root_hash.hex(),
                repo.utc(checkpoint.created_at),
                note,
                [(c.witness, c.at) for c in cosigned],
                log.vkey,
                (earlier[0], [(c.witness, c.at) for c in earlier[1]]) if earlier else None,
            )
        )
    return out


@dataclass
class RegionPage:
    """One region's sections for one request (built lazily: each table once)."""

    session: Session
    region: str
    lang: str
    rules: CustodyRules
    link: Callable[[str], str]
    bast_link: Callable[[int], str] | None = None
    now: dt.datetime = field(default_factory=clock.now)
    _overview: Overview | None = None

    @property
    def overview(self) -> Overview:
        if self._overview is None:
            self._overview = overview(self.session, self.region, self.rules, self.now)
        return self._overview

    @property
    def ctx(self) -> Ctx:
        return Ctx(self.session, self.overview, self.rules, self.lang, self.link)

    def table(self, name: str, *, full: bool = False) -> Table:
        """A section's table; `full` keeps every row visible (the export)."""
        shown = None if full else 25
        build: dict[str, Callable[[], Table]] = {
            "progress": lambda: progress_table(self.ctx),
            "late": lambda: late_table(self.ctx, shown),
            "incidents": lambda: incidents_table(self.ctx, shown),
            "workflow": lambda: workflow_table(self.ctx, self.now, shown),
            "escorts": lambda: escorts_table(self.ctx, self.now, shown),
            "shortages": lambda: shortage_table(self.ctx),
            "events": lambda: events_table(self.ctx, self.bast_link, shown),
        }
        return build[name]()

    def chart(self) -> str:
        return curve_svg(self.ctx, self.rules.tz)

    def map(self, *, routes: bool = True) -> dict[str, Any]:
        return map_data(self.ctx, routes=routes)

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def common(self, scope: str, export: str) -> dict[str, Any]:
        """What every region page renders alike (the dashboard and the Bawaslu view): the
        breadcrumbs within the viewer's `scope`, totals, plans, chart, map, checkpoints, clock."""
        return {
            "region": self.region,
            "crumbs": crumbs(self.session, self.region, self.link, scope),
            "total": self.overview.total,
            "plans": self.overview.plans,
            "chart": self.chart(),
            "map": self.map(),
            "checkpoints": checkpoints(self.session, self.region),
            "now": self.now,
            "export": export,
            "tz": self.rules.tz,
            "tz_name": self.rules.election.timezone,
        }

    def export(self, request: Request, name: str) -> Response:
        """A section's table, every row, as an Excel file."""
        del request
        return self.export_table(self.table(name, full=True))

    def export_table(self, table: Table) -> Response:
        """The table as an Excel file named after the region and the table."""
        name = table.name
        names = repo.names(self.session, [self.region]) if self.region else {}
        meta = [
            f"{names.get(self.region, 'Indonesia')} ({self.region or 'ID'})",
            t(
                "web.export.as_of",
                self.lang,
                time=self.now.astimezone(self.rules.tz).strftime("%Y-%m-%d %H:%M"),
                tz=self.rules.election.timezone,
            ),
        ]
        if table.note:
            meta.append(table.note)
        body = to_xlsx(table, self.rules.tz, self.rules.election.timezone, meta)
        filename = f"salur-{name}-{self.region or 'ID'}.xlsx"
        return Response(
            body,
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def region_page(
    request: Request,
    session: Session,
    region: str,
    link: Callable[[str], str],
    bast_link: Callable[[int], str] | None = None,
) -> RegionPage:
    return RegionPage(session, region, request_language(request), load_rules(), link, bast_link)


def not_found(request: Request, code: str) -> Response:
    return render(request, "not_found.html.j2", status=404, code=code)
