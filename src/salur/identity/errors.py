"""Typed errors of identity and access, each with its HTTP status and a stable code."""

from __future__ import annotations

from typing import Any

from salur.errors import SalurError


class AuthenticationError(SalurError):
    """No valid credentials: not signed in, a bad password, an expired or revoked token."""

    code = "unauthenticated"
    status = 401


class AccessDeniedError(SalurError):
    """Signed in, but the role or the region scope does not allow this request."""

    code = "forbidden"
    status = 403

    def __init__(self, key: str, *, reason: str, **params: Any) -> None:
        self.reason = reason
        super().__init__(key, **params)


class CsrfError(AccessDeniedError):
    """A cookie session's state-changing request without its CSRF token."""

    code = "csrf_failed"


class ThrottledError(SalurError):
    """Too many failed logins: try again after `retry_after` seconds."""

    code = "throttled"
    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__("identity.throttled", seconds=retry_after)


class IdentityInputError(SalurError):
    """A bad value for a user or device field; `field` names it."""

    code = "invalid_input"
    status = 422

    def __init__(self, key: str, *, field: str, **params: Any) -> None:
        self.field = field
        super().__init__(key, field=field, **params)
