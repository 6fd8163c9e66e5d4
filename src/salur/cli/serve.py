"""`salur serve`: the HTTP API (and the web UI, when installed) on the configured store."""

from __future__ import annotations

from typing import Annotated

import typer

from salur.cli.common import err, friendly
from salur.i18n import t

API_ONLY = "SALUR_SERVE_API_ONLY"


@friendly
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Worker processes (one per core; on SQLite they share its one writer).",
            min=1,
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
    api_only: Annotated[
        bool, typer.Option("--api-only", help="Serve the API without the web pages.")
    ] = False,
) -> None:
    """Serve the API (and the web pages) on the store of SALUR_DATABASE_URL, migrated first."""
    import os

    import uvicorn
    from sqlalchemy.engine import make_url

    from salur.cli.common import open_store

    engine = open_store()
    database = make_url(str(engine.url)).render_as_string(hide_password=True)
    engine.dispose()
    err.print(t("service.serving", host=host, port=str(port), database=database), highlight=False)
    if api_only:
        os.environ[API_ONLY] = "1"  # read by every worker's app factory
    uvicorn.run(
        "salur.service.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info" if access_log else "warning",
    )
