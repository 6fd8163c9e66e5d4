"""The app factory: one FastAPI application over one store, its routers taken from a list.

`create_app` includes the API's routers, then any given (the web UI adds its own), and checks
that every route declares an access rule before it serves anything.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
from collections.abc import Sequence

from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine

from salur.db import make_engine
from salur.identity.passwords import Passwords
from salur.service.access import check_routes
from salur.service.cache import PublicCache
from salur.service.deps import session_factory
from salur.service.errors import install_handlers
from salur.service.language import language
from salur.service.routes import (
    auth,
    geography,
    handovers,
    incidents,
    kits,
    log,
    meta,
    needs,
    plans,
    reports,
    shipments,
    stock,
    sync,
)
from salur.service.settings import ServiceSettings
from salur.service.sync.group import GroupCommit

API_ROUTERS: tuple[APIRouter, ...] = (
    meta.router,
    auth.router,
    geography.router,
    needs.router,
    stock.router,
    kits.router,
    plans.router,
    shipments.router,
    handovers.router,
    incidents.router,
    reports.router,
    log.router,
    sync.router,
)
YOUNG_THRESHOLD = 20_000  # allocations between young-generation collections (default 700)
WEB_MODULE = "salur.web"  # if present, its `routers` are served too

DESCRIPTION = """Election logistics from the KPU warehouse to every TPS, on a verifiable log.

Sign in with `POST /auth/login` (a session cookie, for the web; send its CSRF token as
`X-CSRF-Token` on every change) or `POST /auth/token` (a bearer token, for devices). Every route
is scoped to the caller's role and region; the public reads the geography, aggregate status and
the log. Errors carry a stable `code`, a message `key` and a message in Bahasa Indonesia (default)
or English (`?lang=en` or `Accept-Language: en`).
"""


def web_routers() -> list[APIRouter]:
    """The web UI's routers, when the `salur.web` package is installed."""
    if importlib.util.find_spec(WEB_MODULE) is None:
        return []
    module = importlib.import_module(WEB_MODULE)
    return list(getattr(module, "routers", []))


def create_app(
    engine: Engine | None = None,
    *,
    settings: ServiceSettings | None = None,
    routers: Sequence[APIRouter] | None = None,
) -> FastAPI:
    """The service over `engine` (default: `SALUR_DATABASE_URL`, already migrated)."""
    settings = settings or ServiceSettings.from_environment()
    app = FastAPI(
        title="salur",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by a route of its own, under an access rule like any other
        dependencies=[Depends(language)],
    )
    app.state.engine = engine or make_engine()
    app.state.sessions = session_factory(app.state.engine)
    app.state.cache = PublicCache()
    app.state.uploads = CapacityLimiter(settings.upload_threads)
    app.state.sync_group = GroupCommit(app.state.engine, settings)
    app.state.settings = settings
    app.state.passwords = Passwords(settings.password_parameters)
    install_handlers(app)
    for router in (*API_ROUTERS, *(web_routers() if routers is None else routers)):
        app.include_router(router)
    check_routes(app)
    return app


def serve_app() -> FastAPI:
    """The app `salur serve` runs in each worker process (a uvicorn factory); with
    `SALUR_SERVE_API_ONLY=1` (`salur serve --api-only`) without the web pages."""
    api_only = os.environ.get("SALUR_SERVE_API_ONLY", "").strip() == "1"
    app = create_app(routers=[] if api_only else None)
    tune_collector()
    return app


def tune_collector() -> None:
    """Keep the garbage collector off the write path of a long-running server.

    Everything loaded at start-up (modules, the app, SQLAlchemy's mappers) lives as long as the
    process; `gc.freeze` moves it out of the collector's sight. And a sync upload allocates
    tens of thousands of short-lived objects: at the default young-generation threshold (700)
    the collector ran ~every millisecond, and its older-generation passes took a tenth of the
    time an upload holds the store's writer lock (measured with 100 devices). Cycles are still
    collected, only less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
