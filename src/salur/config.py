"""Settings from the environment: one install serves SQLite on laptops and PostgreSQL on servers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("var") / "salur.sqlite"
PACKAGE_DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Settings:
    """What salur needs to know about its surroundings."""

    database_url: str
    language: str


def database_url() -> str:
    """`SALUR_DATABASE_URL` (any SQLAlchemy URL), else an SQLite file under ./var."""
    url = os.environ.get("SALUR_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"


def settings() -> Settings:
    """The settings in force now (read afresh: tests and the CLI change the environment)."""
    return Settings(
        database_url=database_url(),
        language=os.environ.get("SALUR_LANG", "id").strip() or "id",
    )
