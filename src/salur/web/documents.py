"""The files of the plan in force for a region (routes.csv, stops.csv, map.html), made by the
planner's own writers from the stored plan. The other printable documents the pages link to are
the service's: the BAST of a handover (`/events/{id}/bast.pdf`), label sheets
(`/kits/{region}/labels.pdf`) and the needs report (`/reports/{region}/needs.html`)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi.responses import Response

from salur.errors import NotFoundError
from salur.planning import repository as plan_repo
from salur.planning.config import load_planning_data
from salur.planning.mapview import write_map
from salur.planning.outputs import write_routes, write_stops
from salur.planning.service import load_region
from salur.planning.snapshot import from_rows
from salur.service.access import Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter
from salur.web import plans
from salur.web import repository as repo
from salur.web.access import PLAN_FILES, page

router = ScopedRouter(tags=["web"], include_in_schema=False)


def _attachment(body: bytes, media_type: str, filename: str, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


@router.get("/documents/{region}/plan/{name}")
def plan_file(
    uow: Uow, region: str, name: str, grant: Annotated[Grant, page(PLAN_FILES)]
) -> Response:
    """A file of the plan in force for the region: routes.csv, stops.csv or map.html."""
    if name not in ("routes.csv", "stops.csv", "map.html"):
        raise NotFoundError("web.no_document", name=name[:40])
    session = uow.session
    in_force = plans.plans_for(session, grant.region)
    if not in_force:
        raise NotFoundError("web.no_plan", region=grant.region)
    head = in_force[0]
    data = load_planning_data()
    sites, routes, stops, issues = plan_repo.plan_rows(session, head.id)
    region_name = repo.names(session, [head.region_code]).get(head.region_code, head.region_code)
    plan = from_rows(head, sites, routes, stops, issues, data.schedule, (), region_name)
    weights = {
        k.tps: k.weight_g for k in load_region(uow, head.region_code, data, head.norm_id).kits
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if name == "routes.csv":
            write_routes(plan, data.schedule, weights, path)
        elif name == "stops.csv":
            write_stops(plan, data.schedule, {s.code: s.name for s in plan.sites}, path)
        else:
            write_map(plan, json.loads(head.summary_json), data.schedule, data.modes, path)
        body = path.read_bytes()
    media = "text/html; charset=utf-8" if name.endswith(".html") else "text/csv; charset=utf-8"
    filename = f"plan-{head.region_code}-v{head.version}-{name}"
    return _attachment(body, media, filename, inline=name.endswith(".html"))
