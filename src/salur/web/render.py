"""Page rendering: the Jinja environment of the web templates, the language of a request, and
the filters that format numbers, shares and times the way the page's language writes them.

The language comes from `?lang=` (remembered in a cookie), else the cookie, else Indonesian.
Every text goes through `salur.i18n.t` with the request's language passed explicitly, so two
requests in different languages never share a process-wide setting.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from salur.i18n import LANGUAGES, catalogue, fmt_number, t

LANG_COOKIE = "salur_lang"
WIB = dt.timezone(dt.timedelta(hours=7))


def request_language(request: Request) -> str:
    """`?lang=`, else the language cookie, else Indonesian."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    return remembered if remembered in LANGUAGES else "id"


@pass_context
def _t(context: Context, key: str, **params: Any) -> str:
    return t(key, context.get("lang", "id"), **params)


@pass_context
def _num(context: Context, value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return fmt_number(value, context.get("lang", "id"), digits)


@pass_context
def _pct(context: Context, value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return fmt_number(100 * value, context.get("lang", "id"), digits) + "%"


@pass_context
def _time(context: Context, value: dt.datetime | None, fmt: str = "%d/%m %H:%M") -> str:
    if value is None:
        return "–"
    tz = context.get("tz", WIB)
    return value.astimezone(tz).strftime(fmt)


def _json(value: Any) -> Markup:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def texts(lang: str, prefix: str) -> dict[str, str]:
    """Every message under `prefix`, keyed by the rest of its key (for scripts)."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in catalogue(lang).items() if k.startswith(start)}


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("salur.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = _t
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["time"] = _time
    env.filters["json"] = _json
    return env


ENV = _environment()


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language; remembers a language asked for with `?lang=`."""
    lang = request_language(request)
    context.setdefault("tz", WIB)
    context.setdefault("tz_name", "WIB")
    body = ENV.get_template(template).render(
        lang=lang, request=request, path=request.url.path, **context
    )
    response = HTMLResponse(body, status_code=status)
    response.headers["Content-Language"] = lang
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
