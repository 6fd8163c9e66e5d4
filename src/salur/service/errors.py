"""Errors as the API answers them: one JSON shape, a stable machine code, the message key, a
message in the caller's language, and the field at fault when there is one.

Every typed salur error maps to a status here (its own `status` when it has one), so a handler
raises what the use case raised and never builds a response by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from salur.custody.incidents import describe
from salur.custody.service import TepatRefusedError
from salur.errors import ConflictError, InputError, NotFoundError, SalurError
from salur.i18n import t
from salur.identity.errors import ThrottledError
from salur.ledger.errors import KeyFileError, StoreMismatchError
from salur.service.language import request_language
from salur.stock.errors import ShortageError


class FieldError(BaseModel):
    """One field that failed validation."""

    field: str = Field(description="Where: body.events.0.sequence, query.size, path.region ...")
    message: str


class Problem(BaseModel):
    """Every error the API returns."""

    code: str = Field(description="Stable machine code: not_found, forbidden, conflict, ...")
    key: str = Field(description="Stable message key, more specific than the code.")
    message: str = Field(description="The message in the requested language.")
    field: str | None = Field(default=None, description="The field at fault, if one is.")
    errors: list[FieldError] = Field(default_factory=list)
    retry_after: int | None = Field(default=None, description="Seconds to wait (429 only).")


def _problem_response(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


Responses = dict[int | str, dict[str, Any]]
ERROR_RESPONSES: Responses = {
    401: _problem_response("Not signed in, or the session or token is no longer valid."),
    403: _problem_response("The role or region scope does not allow this; the denial is logged."),
    404: _problem_response("No such region, package, event, plan or entry."),
    409: _problem_response("The request contradicts what is stored."),
    422: _problem_response("A field is invalid; `field` names it."),
}
THROTTLED_RESPONSE: Responses = {
    429: _problem_response("Too many failed logins; wait `retry_after` seconds."),
}


def status_of(exc: SalurError) -> int:
    """The HTTP status of a typed error."""
    declared = getattr(exc, "status", None)
    if isinstance(declared, int):
        return declared
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, KeyFileError | StoreMismatchError):
        return 503
    return 422


def message(exc: SalurError, lang: str) -> str:
    """The error's sentence in `lang`, whatever the process's language is."""
    if isinstance(exc, InputError):
        where = t("where.file", lang, file=exc.file)
        if exc.row is not None:
            where += ", " + t("where.row", lang, row=exc.row)
        if exc.column is not None:
            where += ", " + t("where.column", lang, column=exc.column)
        if exc.field is not None:
            where += ", " + t("where.field", lang, field=exc.field)
        context = {"file": exc.file, "column": exc.column, "field": exc.field}
        return f"{where}: {t(exc.key, lang, **{**context, **exc.params})}"
    params = dict(exc.params)
    if isinstance(exc, TepatRefusedError):
        params["reasons"] = describe(exc.findings, lang)
    text = t(exc.key, lang, **params)
    if isinstance(exc, ShortageError):
        lines = [
            t(
                "stock.shortfall",
                lang,
                goods=s.key.label(),
                need=s.need,
                on_hand=s.on_hand,
                reserve=s.reserve,
                missing=s.missing,
            )
            for s in exc.shortfalls
        ]
        text = "; ".join([text, *lines])
    return text


def field_of(exc: SalurError) -> str | None:
    """The field an error names, if any."""
    for name in ("field", "column"):
        value = getattr(exc, name, None)
        if isinstance(value, str):
            return value
    value = exc.params.get("field")
    return value if isinstance(value, str) else None


def problem(exc: SalurError, lang: str) -> Problem:
    return Problem(
        code=exc.code,
        key=exc.key,
        message=message(exc, lang),
        field=field_of(exc),
        retry_after=exc.retry_after if isinstance(exc, ThrottledError) else None,
    )


def _json(status: int, body: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _validation_errors(errors: Sequence[Any]) -> list[FieldError]:
    out = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        out.append(FieldError(field=where, message=str(error.get("msg", ""))))
    return out


def install_handlers(app: FastAPI) -> None:
    """Answer every error in the one Problem shape."""

    async def salur_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SalurError)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ThrottledError) else None
        return _json(status_of(exc), problem(exc, request_language(request)), headers)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        lang = request_language(request)
        errors = _validation_errors(exc.errors())
        first = errors[0] if errors else FieldError(field="", message="")
        body = Problem(
            code="validation_error",
            key="service.invalid_field",
            message=t("service.invalid_field", lang, field=first.field, reason=first.message),
            field=first.field or None,
            errors=errors,
        )
        return _json(422, body)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        lang = request_language(request)
        key = {404: "service.no_route", 405: "service.method_not_allowed"}.get(
            exc.status_code, "service.http_error"
        )
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = Problem(code=code, key=key, message=t(key, lang, status=exc.status_code))
        return _json(exc.status_code, body, exc.headers)

    app.add_exception_handler(SalurError, salur_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
