"""The one way a request reaches data: the access rule its route declares.

A route declares its rule with `Allow(rule)` among its parameters. The rule's enforcer finds
the caller (bearer token, else session cookie, else the public), checks the role, the CSRF
token of a cookie session's state-changing request, the region the request touches against
the caller's scope, and device ownership; it logs every denial and otherwise hands the route a
`Grant`. Only this module can make a Grant, and the scoped queries (`scoped.py`) take one, so a
route cannot read outside what its rule allowed. `check_routes` refuses an app with a route
that declares no rule (or two).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, NoReturn

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount

from salur.identity import service as identity
from salur.identity.errors import AccessDeniedError, AuthenticationError, CsrfError
from salur.identity.models import Denial
from salur.identity.principal import PUBLIC, Principal
from salur.identity.regions import within
from salur.identity.roles import Role
from salur.identity.tokens import csrf_for, same
from salur.service.deps import Uow, client_address, engine_of
from salur.service.regions import PATH_ONLY, Nowhere, RegionSource
from salur.service.settings import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE
from salur.uow import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_MINT = object()


class Rule:
    """Who may call a route (None: everyone, the public too), which region the call touches,
    whether it changes anything, and whether the device in the path must be the caller's."""

    def __init__(
        self,
        name: str,
        roles: Iterable[Role] | None,
        region: RegionSource | None = None,
        *,
        writes: bool = False,
        owner: bool = False,
    ) -> None:
        self.name = name
        self.roles = None if roles is None else frozenset(roles)
        self.region = region or Nowhere()
        self.writes = writes
        self.owner = owner
        self.enforce = _enforcer(self)
        self.enforce_async = _quick_enforcer(self, self.enforce)

    @property
    def public(self) -> bool:
        return self.roles is None

    def allows(self, role: Role | None) -> bool:
        """Whether a caller in `role` (None: the public) passes the role check."""
        return self.roles is None or (role is not None and role in self.roles)

    def __repr__(self) -> str:
        return f"Rule({self.name})"


class Grant:
    """What a request may touch: its caller and the region its rule checked (made only here)."""

    __slots__ = ("principal", "region", "rule")

    def __init__(self, principal: Principal, region: str, rule: Rule, *, mint: object) -> None:
        if mint is not _MINT:
            raise TypeError("a Grant is made only by an access rule")
        self.principal = principal
        self.region = region
        self.rule = rule

    @property
    def user_id(self) -> int:
        """The signed-in user (rules that admit the public never ask)."""
        if self.principal.user_id is None:
            raise AuthenticationError("identity.sign_in_required")
        return self.principal.user_id


def Allow(rule: Rule) -> Any:  # noqa: N802  (reads as a declaration in a route's signature)
    """The dependency declaring a route's access rule: `grant: Annotated[Grant, Allow(rule)]`."""
    return Depends(rule.enforce_async)


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a request carries: the header, else the form field of an HTML form."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.method in SAFE_METHODS:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _enforcer(rule: Rule) -> Any:
    """The full check of a rule, in order: caller, role, CSRF, region scope, device owner."""

    def enforce(
        request: Request,
        uow: Uow,
        csrf: Annotated[str | None, Depends(submitted_csrf)],
    ) -> Grant:
        session = uow.session
        principal, cookie, presented = caller(request, uow)
        request.state.principal = principal
        if rule.public:
            region = rule.region.resolve(session, request.path_params)
            uow.rollback()
            return Grant(principal, region, rule, mint=_MINT)
        if principal.is_public:
            key = "identity.session_invalid" if presented else "identity.sign_in_required"
            deny(request, principal, "unauthenticated", None, AuthenticationError(key), uow)
        if not rule.allows(principal.role):
            error = AccessDeniedError(
                "identity.role_denied", reason="role", role=str(principal.role)
            )
            deny(request, principal, "role", None, error, uow)
        if (
            cookie is not None
            and request.method not in SAFE_METHODS
            and not same(csrf, csrf_for(cookie))
        ):
            deny(request, principal, "csrf", None, CsrfError("identity.csrf", reason="csrf"), uow)
        region = rule.region.resolve(session, request.path_params)
        if not isinstance(rule.region, Nowhere) and not within(region, principal.scope):
            error = AccessDeniedError(
                "identity.out_of_scope", reason="scope", region=region, scope=principal.scope
            )
            deny(request, principal, "scope", region, error, uow)
        if rule.owner:
            device = request.path_params.get("device_id", "")
            if identity.active_device_owner(session, device) != principal.user_id:
                error = AccessDeniedError("identity.not_owner", reason="owner", device=device)
                deny(request, principal, "owner", region, error, uow)
        uow.rollback()  # let go of the connection until the route itself reads
        return Grant(principal, region, rule, mint=_MINT)

    enforce.__salur_rule__ = rule  # type: ignore[attr-defined]
    return enforce


def _quick_enforcer(rule: Rule, enforce: Any) -> Any:
    """The rule's enforcer as FastAPI calls it: a public request that needs no query (no
    credentials, a region read off the path) is granted in the event loop; every other one
    goes to the full enforcer in a worker thread."""
    path_only = rule.region if isinstance(rule.region, PATH_ONLY) else None

    async def enforce_async(
        request: Request,
        uow: Uow,
        csrf: Annotated[str | None, Depends(submitted_csrf)],
    ) -> Grant:
        credentials = "authorization" in request.headers or SESSION_COOKIE in request.cookies
        if rule.public and path_only is not None and not credentials:
            request.state.principal = PUBLIC
            return Grant(PUBLIC, path_only.from_path(request.path_params), rule, mint=_MINT)
        grant: Grant = await run_in_threadpool(enforce, request, uow, csrf)
        return grant

    enforce_async.__salur_rule__ = rule  # type: ignore[attr-defined]
    return enforce_async


def caller(request: Request, uow: Uow) -> tuple[Principal, str | None, bool]:
    """The principal, the cookie session token if that is how they signed in, and whether any
    credentials were presented at all. A bearer token wins over a cookie."""
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = identity.principal_for(uow.session, token.strip(), "bearer")
        return (found or PUBLIC), None, True
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = identity.principal_for(uow.session, cookie, "cookie")
        return (found or PUBLIC), (cookie if found else None), True
    return PUBLIC, None, False


def deny(
    request: Request,
    principal: Principal,
    reason: str,
    region: str | None,
    error: Exception,
    uow: UnitOfWork | None = None,
) -> NoReturn:
    """Log the denial in its own transaction, then raise `error`. The request's own unit of
    work, if given, lets go of its connection first: a request holds one connection at most."""
    if uow is not None:
        uow.rollback()
    log_denial(request, principal, reason, region)
    raise error


def log_denial(request: Request, principal: Principal, reason: str, region: str | None) -> None:
    """Log a denied request (or a denied part of one) in a transaction of its own."""
    route = request.scope.get("route")
    identity.record_denial(
        engine_of(request),
        Denial(
            at=dt.datetime.now(dt.UTC),
            user_id=principal.user_id,
            role=principal.role.value if principal.role else None,
            scope=principal.scope or None,
            method=request.method,
            route=str(getattr(route, "path", request.url.path))[:500],
            path=request.url.path[:500],
            region=region[:13] if region else None,
            reason=reason,
            address=client_address(request),
        ),
    )


def rule_of(route: APIRoute | RouteContext) -> Rule | None:
    """The access rule a route declares; ValueError if it declares two."""
    dependant = getattr(route, "dependant", None)
    found = _rules_in(dependant) if isinstance(dependant, Dependant) else []
    if len(found) > 1:
        raise ValueError(f"{sorted(route.methods or ())} {route.path} declares {len(found)} rules")
    return found[0] if found else None


def _rules_in(dependant: Dependant) -> list[Rule]:
    found = []
    rule = getattr(dependant.call, "__salur_rule__", None)
    if isinstance(rule, Rule):
        found.append(rule)
    for sub in dependant.dependencies:
        found.extend(r for r in _rules_in(sub) if r not in found)
    return found


def public_mount(path: str, app: Any, name: str | None = None) -> Mount:
    """A mount of public static content (the web UI's CSS, say): its one rule is public."""
    mount = Mount(path, app=app, name=name)
    mount.salur_public = True  # type: ignore[attr-defined]
    return mount


def check_routes(app: FastAPI) -> dict[str, Rule]:
    """Every route's rule by `METHOD path`; RuntimeError naming any route without one."""
    rules: dict[str, Rule] = {}
    missing = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            rule = rule_of(context)
            if rule is None:
                missing.append(f"{','.join(sorted(context.methods or ()))} {context.path}")
                continue
            for method in context.methods or ():
                rules[f"{method} {context.path}"] = rule
        elif not (isinstance(route, Mount) and getattr(route, "salur_public", False)):
            missing.append(f"{type(route).__name__} {getattr(context, 'path', '?')}")
    if missing:
        raise RuntimeError("routes without an access rule: " + "; ".join(missing))
    return rules
