"""Who may open which page: the web's access rules, enforced by the service's one mechanism.

Every page declares a `salur.service.access.Rule` like any API route, so the service's
enforcer finds the caller, checks role, CSRF and region scope, and logs each denial. A page
differs only in how a refusal reaches a person at a browser: a navigation that accepts HTML is
sent to the sign-in page (not signed in) or to the refusal page (not allowed), instead of
getting the API's JSON problem; every other client gets the API's answer unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from salur.identity.errors import AccessDeniedError, AuthenticationError
from salur.identity.roles import Role
from salur.service.access import Grant, Rule, submitted_csrf
from salur.service.deps import Uow
from salur.service.regions import InPath, Nowhere

KPU = frozenset({Role.KPU_PROVINCE, Role.KPU_REGENCY})
FIELD_ROLES = frozenset({Role.PPK, Role.PPS, Role.KPPS})
SIGNED_IN = frozenset(Role)

# Dashboards: KPU offices, the committees for their own area, and police escorts (convoys).
DASHBOARD = Rule("web.dashboard", KPU | FIELD_ROLES | {Role.POLICE_ESCORT}, InPath())
DASHBOARD_HOME = Rule("web.home", SIGNED_IN)
# The files of the plan in force (the service's plan readers).
PLAN_FILES = Rule("web.plan_files", KPU | {Role.PPK, Role.POLICE_ESCORT, Role.BAWASLU}, InPath())
# Bawaslu reads everything in its scope and files findings; it changes no logistics.
BAWASLU = Rule("web.bawaslu", {Role.BAWASLU}, InPath())
BAWASLU_FILE = Rule("web.bawaslu_file", {Role.BAWASLU}, InPath(), writes=True)
# The public portal and the receipt verifier need no sign-in.
PUBLIC = Rule("web.public", None)
PUBLIC_REGION = Rule("web.public", None, InPath())
# The field page: officers who receive and hand on kits.
FIELD = Rule("web.field", FIELD_ROLES)


def page(rule: Rule) -> Any:
    """The dependency of a page guarded by `rule`: `grant: Annotated[Grant, page(RULE)]`."""
    enforce = rule.enforce

    def guard(
        request: Request, uow: Uow, csrf: Annotated[str | None, Depends(submitted_csrf)]
    ) -> Grant:
        try:
            grant: Grant = enforce(request, uow, csrf)
        except AuthenticationError:
            if not wants_html(request):
                raise
            raise HTTPException(303, headers={"Location": sign_in_url(request)}) from None
        except AccessDeniedError as exc:
            if not wants_html(request):
                raise
            target = f"/web/denied?reason={quote(exc.reason)}&path={quote(request.url.path)}"
            raise HTTPException(303, headers={"Location": target}) from None
        return grant

    # The service's route check finds a route's rule on the dependency that enforces it.
    guard.__salur_rule__ = rule  # type: ignore[attr-defined]
    return Depends(guard)


def wants_html(request: Request) -> bool:
    """Whether the request is a browser navigation (it accepts HTML)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/web/sign-in?next={quote(target)}"


__all__ = ["Grant", "InPath", "Nowhere", "page"]
