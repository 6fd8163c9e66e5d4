"""The language of a response: `?lang=` if given, else the best of Accept-Language, else id."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request

from salur.i18n import LANGUAGES

DEFAULT = "id"
Lang = Literal["id", "en"]


def negotiate(query: str | None, accept: str | None) -> str:
    """`query` when it names a language salur speaks, else Accept-Language's best match."""
    if query in LANGUAGES:
        return query
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def request_language(request: Request) -> str:
    """The language negotiated for a request (what error handlers use)."""
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


async def language(
    request: Request,
    lang: Annotated[
        Lang | None,
        Query(description="Language of messages: id (default) or en; else Accept-Language."),
    ] = None,
) -> str:
    """The dependency every route shares: documents `?lang=` and returns the language
    (async: it does no I/O, so it need not take a worker thread)."""
    return negotiate(lang, request.headers.get("accept-language"))
