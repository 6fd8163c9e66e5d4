"""Signing in and out (cookie sessions for the web, bearer tokens for devices), the caller's own
account, and signing devices: registered by their owner, revoked by KPU.

HTML forms post the same fields form-encoded; they must carry the `csrf_token` that
`GET /auth/csrf` set as a cookie (double submit), and may name a local `next` page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field, ValidationError

from salur.custody import devices as custody_devices
from salur.custody.events import DEVICE_PATTERN
from salur.custody.models import CustodyDevice
from salur.identity import service as identity
from salur.identity.errors import AuthenticationError, CsrfError, ThrottledError
from salur.identity.models import User
from salur.identity.principal import PUBLIC
from salur.identity.regions import REGION_PATTERN
from salur.identity.tokens import csrf_for, same
from salur.service import policy
from salur.service.access import FORM_TYPES, Allow, Grant, deny
from salur.service.deps import Settings, Uow, client_address, passwords_of
from salur.service.errors import THROTTLED_RESPONSE
from salur.service.routing import ScopedRouter
from salur.service.settings import CSRF_COOKIE, SESSION_COOKIE, ServiceSettings

router = ScopedRouter(tags=["identity"])


class SignIn(BaseModel):
    """A username and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SignInForm(SignIn):
    """The HTML form's fields: the double-submitted CSRF token and where to go next."""

    csrf_token: str | None = Field(default=None, max_length=200)
    next: str | None = Field(default=None, max_length=500)


class TokenRequest(SignIn):
    """A device asks for a bearer token, optionally bound to one of the user's devices."""

    device_id: str | None = Field(default=None, pattern=DEVICE_PATTERN)


class UserOut(BaseModel):
    """The caller's own account (their name is shown to them only)."""

    username: str
    role: str
    region: str
    name: str
    person: str


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send as X-CSRF-Token (or form field csrf_token).")
    expires_at: dt.datetime


class TokenOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown once.")
    token_type: str = "bearer"
    expires_at: dt.datetime
    user: UserOut


class CsrfOut(BaseModel):
    csrf_token: str


class DeviceIn(BaseModel):
    """A device's Ed25519 verifier key (C2SP vkey; its name is the device id)."""

    vkey: str = Field(min_length=1, max_length=300)
    role: str | None = Field(default=None, max_length=20, description="Custody role to sign as.")
    region: str | None = Field(default=None, pattern=REGION_PATTERN)


class DeviceOut(BaseModel):
    id: str
    role: str
    region: str
    key_id: str
    registered_at: dt.datetime
    revoked_at: dt.datetime | None


def _user_out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        role=user.role,
        region=user.region_code,
        name=user.name,
        person=user.person,
    )


def _device_out(device: CustodyDevice) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        role=device.role,
        region=device.region_code,
        key_id=device.key_id,
        registered_at=_utc(device.registered_at),
        revoked_at=_utc(device.revoked_at) if device.revoked_at else None,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


async def sign_in_fields(request: Request) -> SignInForm:
    """The sign-in fields, from JSON or from an HTML form."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(FORM_TYPES):
            form = await request.form()
            return SignInForm.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
        return SignInForm.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


SIGN_IN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _schema(SignIn)},
            "application/x-www-form-urlencoded": {"schema": _schema(SignInForm)},
        },
    }
}


@router.post(
    "/auth/login",
    response_model=SessionOut,
    responses=THROTTLED_RESPONSE | {303: {"description": "Signed in; off to `next`."}},
    openapi_extra=SIGN_IN_BODY,
)
def sign_in(
    request: Request,
    grant: Annotated[Grant, Allow(policy.SIGN_IN)],
    fields: Annotated[SignInForm, Depends(sign_in_fields)],
    uow: Uow,
    settings: Settings,
) -> Response:
    """Sign in for the web: a session cookie (HttpOnly) and its CSRF token."""
    is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
    if is_form and not same(fields.csrf_token, request.cookies.get(CSRF_COOKIE)):
        deny(request, PUBLIC, "csrf", None, CsrfError("identity.csrf", reason="csrf"), uow)
    issued = _issue(request, uow, fields, "cookie", settings.cookie_lifetime)
    body = SessionOut(
        user=_user_out(issued.user),
        csrf_token=csrf_for(issued.token),
        expires_at=issued.expires_at,
    )
    target = fields.next if is_form else None
    response: Response
    if target and _local_path(target):
        response = RedirectResponse(target, status_code=303)
    else:
        response = JSONResponse(jsonable_encoder(body))
    _set_session_cookies(response, issued.token, settings)
    return response


@router.post("/auth/token", response_model=TokenOut, responses=THROTTLED_RESPONSE)
def issue_token(
    request: Request,
    grant: Annotated[Grant, Allow(policy.SIGN_IN)],
    body: TokenRequest,
    uow: Uow,
    settings: Settings,
) -> TokenOut:
    """Sign in for a device or a script: a bearer token (no cookie, no CSRF)."""
    issued = _issue(request, uow, body, "bearer", settings.bearer_lifetime, body.device_id)
    return TokenOut(token=issued.token, expires_at=issued.expires_at, user=_user_out(issued.user))


def _issue(
    request: Request,
    uow: Uow,
    fields: SignIn,
    kind: identity.TokenKind,
    lifetime: dt.timedelta,
    device_id: str | None = None,
) -> identity.IssuedToken:
    try:
        return identity.sign_in(
            uow,
            fields.username,
            fields.password,
            address=client_address(request),
            kind=kind,
            lifetime=lifetime,
            passwords=passwords_of(request),
            device_id=device_id,
        )
    except ThrottledError as exc:
        deny(request, PUBLIC, "throttled", None, exc, uow)
    except AuthenticationError as exc:
        deny(request, PUBLIC, "bad_credentials", None, exc, uow)


def _local_path(target: str) -> bool:
    """Only a path on this site. Browsers read `//host` and a backslash after the slash as
    another host, and drop tabs and newlines inside a URL, so none of those may pass."""
    return (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and all(ch.isprintable() and not ch.isspace() for ch in target)
    )


def _set_session_cookies(response: Response, token: str, settings: ServiceSettings) -> None:
    age = int(settings.cookie_lifetime.total_seconds())
    secure = settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE, token, max_age=age, httponly=True, secure=secure, samesite="lax"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf_for(token), max_age=age, httponly=False, secure=secure, samesite="strict"
    )


@router.get("/auth/csrf", response_model=CsrfOut)
def csrf_cookie(grant: Annotated[Grant, Allow(policy.SIGN_IN)], settings: Settings) -> Response:
    """A CSRF token for the sign-in form, also set as a cookie (the form submits it back)."""
    token = secrets.token_urlsafe(24)
    response = JSONResponse({"csrf_token": token})
    response.set_cookie(
        CSRF_COOKIE, token, httponly=False, secure=settings.cookie_secure, samesite="strict"
    )
    return response


@router.post("/auth/logout", status_code=204, response_class=Response)
def sign_out(grant: Annotated[Grant, Allow(policy.SIGN_OUT)], uow: Uow) -> Response:
    """End this session or revoke this bearer token."""
    if grant.principal.token_id is not None:
        identity.sign_out(uow, grant.principal.token_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/me", response_model=UserOut)
def me(grant: Annotated[Grant, Allow(policy.ME)], uow: Uow) -> UserOut:
    """The signed-in user."""
    return _user_out(identity.user(uow.session, grant.user_id))


@router.get("/me/devices", response_model=list[DeviceOut])
def my_devices(grant: Annotated[Grant, Allow(policy.ME)], uow: Uow) -> list[DeviceOut]:
    """The signing devices the caller registered."""
    return [_device_out(d) for d in identity.devices_of(uow.session, grant.user_id)]


@router.post("/me/devices", response_model=DeviceOut, status_code=201)
def register_device(
    grant: Annotated[Grant, Allow(policy.REGISTER_DEVICE)], body: DeviceIn, uow: Uow
) -> DeviceOut:
    """Register a device's Ed25519 key to sign custody events as the caller (logged)."""
    device = identity.register_device(
        uow, grant.user_id, body.vkey, device_role=body.role, region=body.region
    )
    return _device_out(device)


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(
    device_id: str, grant: Annotated[Grant, Allow(policy.REVOKE_DEVICE)], uow: Uow
) -> DeviceOut:
    """Refuse the device's signatures from now on (lost, stolen, handed back; logged)."""
    return _device_out(custody_devices.revoke_device(uow, device_id))
