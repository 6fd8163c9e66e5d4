"""What every command shares: the consoles, error display, and opening the migrated store."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from salur.errors import SalurError
from salur.i18n import t

if TYPE_CHECKING:
    from sqlalchemy import Engine

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Show salur's own errors as one clear line (exit code 2) instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SalurError as exc:
            err.print(f"[bold red]{t('cli.error')}:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def open_store() -> Engine:
    """The engine of `SALUR_DATABASE_URL` (default SQLite file), migrated to the newest schema."""
    from salur.db import make_engine, migrate

    engine = make_engine()
    migrate(engine)
    return engine
