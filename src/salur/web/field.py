"""The field page of PPK, PPS and KPPS officers: a phone page that keeps working offline.

`/field/` is a shell the service worker (`/field/sw.js`) keeps; `/field/api/context` hands it,
while online, everything it needs offline: the officer's role, region and pseudonym, the
custody hop they receive on and dispatch on, the manifest of every package expected in their
region (kind, ballot type, the dapil its TPS votes in, count, seals, where it is now), the log's
key and the texts of the tepat findings. The browser signs events with a device key it holds
(registered through `POST /me/devices`) and uploads them through the service's sync API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from salur.custody.config import CustodyRules, load_rules
from salur.custody.packages import KitsPackageSource
from salur.custody.states import Level
from salur.identity import service as identity
from salur.identity.regions import RegionLevel, level_of
from salur.norms.loader import load_norm
from salur.service.access import Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter
from salur.web import log_queries
from salur.web import repository as repo
from salur.web.access import FIELD, PUBLIC, page
from salur.web.render import render, request_language, texts

router = ScopedRouter(tags=["web"], include_in_schema=False)
STATIC = Path(__file__).parent / "static"
# The custody level of each scope a field officer may have, and the hop they receive on.
LEVEL_OF_SCOPE = {
    RegionLevel.DISTRICT: Level.PPK,
    RegionLevel.VILLAGE: Level.PPS,
    RegionLevel.TPS: Level.KPPS,
}
RECEIVE_HOP = {Level.PPK: "warehouse_ppk", Level.PPS: "ppk_pps", Level.KPPS: "pps_kpps"}
DISPATCH_HOP = {Level.PPK: "ppk_pps", Level.PPS: "pps_kpps"}
NEXT_LEVEL = {Level.PPK: Level.PPS, Level.PPS: Level.KPPS}


@router.get("/field")
def field_redirect(grant: Annotated[Grant, page(FIELD)]) -> Response:
    """The field page lives at `/field/`, inside its service worker's scope."""
    del grant
    return RedirectResponse("/field/", status_code=303)


@router.get("/field/")
def field_page(request: Request, grant: Annotated[Grant, page(FIELD)]) -> Response:
    """The page shell: no user data in it, so the service worker may keep it."""
    del grant
    lang = request_language(request)
    response = render(
        request,
        "field.html.j2",
        title="",
        texts={**texts(lang, "web.field"), **_finding_texts(lang)},
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/field/sw.js")
def service_worker(grant: Annotated[Grant, page(PUBLIC)]) -> Response:
    """The service worker script (public: it holds no data)."""
    del grant
    body = (STATIC / "js" / "sw.js").read_bytes()
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/field/"},
    )


@router.get("/field/api/context")
def field_context(request: Request, uow: Uow, grant: Annotated[Grant, page(FIELD)]) -> JSONResponse:
    """What the page needs to work offline for the signed-in officer."""
    session = uow.session
    user = identity.user(session, grant.user_id)
    rules = load_rules()
    scope = user.region_code
    level = LEVEL_OF_SCOPE[level_of(scope)]
    logs = log_queries.logs_for(session, scope)
    body: dict[str, Any] = {
        "user": {
            "username": user.username,
            "name": user.name,
            "role": user.role,
            "region": scope,
            "region_name": _place_name(session, scope),
            "person": user.person,
        },
        "custody_role": rules.holder_role(level),
        "election": rules.election.election,
        "receive_hop": RECEIVE_HOP[level],
        "dispatch": _dispatch(rules, level),
        "devices": [d.id for d in identity.devices_of(session, user.id) if d.revoked_at is None],
        "log": {"origin": logs[0].origin, "vkey": logs[0].vkey} if logs else None,
        "witnesses": [w.vkey for w in log_queries.witnesses(session)],
        "witness_groups": {hop: rule.witnesses for hop, rule in rules.hops.items()},
        "role_names": {
            role: (names.id if request_language(request) == "id" else names.en)
            for role, names in rules.election.roles.items()
        },
        "packages": expected_packages(session, scope, request_language(request)),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _dispatch(rules: CustodyRules, level: Level) -> dict[str, str] | None:
    hop = DISPATCH_HOP.get(level)
    if hop is None:
        return None
    return {
        "hop": hop,
        "to_role": rules.holder_role(NEXT_LEVEL[level]),
        "to_level": NEXT_LEVEL[level].value,
    }


def _place_name(session: Any, code: str) -> str:
    if repo.is_tps(code):
        return repo.tps_names(session, [code]).get(code, code)
    return repo.names(session, [code]).get(code, code)


def expected_packages(session: Any, scope: str, lang: str) -> list[dict[str, Any]]:
    """Every package of the kits of the TPS in `scope`, with its manifest and where it is."""
    tps_codes = (
        [tps for tps, _ in repo.tps_in_region(session, scope)]
        if not repo.is_tps(scope)
        else [scope]
    )
    manifest = repo.kit_manifest(session, tps_codes)
    ids = [str(row[1]) for row in manifest]
    infos = KitsPackageSource().packages(session, ids)
    states = repo.package_states(session, ids)
    tps_names = repo.tps_names(session, tps_codes)
    ballot_names = {
        b.code: (b.name.id if lang == "id" else b.name.en) for b in load_norm().norm.ballot_types
    }
    out = []
    for tps, pid, seq, kind, ballot_type, dapil, count in manifest:
        info = infos.get(str(pid))
        state = states.get(str(pid))
        out.append(
            {
                "id": pid,
                "seq": seq,
                "kind": kind,
                "ballot_type": ballot_type,
                "ballot_name": ballot_names.get(ballot_type, ballot_type),
                "dapil": dapil,
                "expected_dapil": info.tps_dapil.get(ballot_type, dapil) if info else dapil,
                "count": count,
                "seals": sorted(info.seals) if info else [],
                "tps": tps,
                "tps_name": tps_names.get(tps, tps),
                "village": info.village_code if info else "",
                "district": info.district_code if info else "",
                "holder": [state.holder_level, state.holder_region]
                if state
                else ["warehouse", info.regency_code if info else ""],
                "heading": [state.to_level, state.to_region] if state and state.to_level else None,
                "phase": state.phase if state else "outbound",
            }
        )
    return out


def _finding_texts(lang: str) -> dict[str, str]:
    """The server's own wording of tepat findings, so a refusal reads the same offline."""
    return {f"finding_{k}": v for k, v in texts(lang, "custody.finding").items()}
