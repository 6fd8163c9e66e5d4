"""Signing in and out from a browser, and the page a refused request lands on.

The sign-in form posts to the service's `POST /auth/login` (form-encoded, with the CSRF token
this page sets as a cookie: double submit), which sets the session cookies and sends the browser
on to the page it came from. A small script submits it with `fetch` to show a refusal in the
page's language instead of the API's JSON.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from salur.service.access import Grant
from salur.service.deps import Settings
from salur.service.routing import ScopedRouter
from salur.service.settings import CSRF_COOKIE
from salur.web.access import PUBLIC, page
from salur.web.render import render

router = ScopedRouter(tags=["web"], include_in_schema=False)
_LOCAL = re.compile(r"/[A-Za-z0-9/._~%?=&+-]*")


def _local(target: str | None) -> str:
    """`target` if it is a plain path of this site, else the dashboard (no `//host` or `/\\host`,
    which browsers read as another site)."""
    if target and _LOCAL.fullmatch(target) and not target.startswith("//"):
        return target
    return "/dashboard"


@router.get("/web/sign-in")
def sign_in_page(
    request: Request, settings: Settings, grant: Annotated[Grant, page(PUBLIC)]
) -> Response:
    """The sign-in form."""
    del grant
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html.j2",
        title="",
        csrf=token,
        next=_local(request.query_params.get("next")),
    )
    response.set_cookie(
        CSRF_COOKIE, token, httponly=False, secure=settings.cookie_secure, samesite="strict"
    )
    return response


@router.get("/web/sign-out")
def sign_out_page(request: Request, grant: Annotated[Grant, page(PUBLIC)]) -> Response:
    """Ends the session (the script posts to `/auth/logout` with the CSRF token), then goes to
    the public portal."""
    del grant
    return render(request, "sign_out.html.j2", title="")


@router.get("/web/denied")
def denied_page(request: Request, grant: Annotated[Grant, page(PUBLIC)]) -> Response:
    """What a browser sees when its role or region scope does not allow a page."""
    del grant
    reason = request.query_params.get("reason", "")
    reason = reason if reason in ("role", "scope", "csrf", "owner") else "role"
    return render(request, "denied.html.j2", status=403, title="", reason=reason)
