"""One translation layer for all user-facing text: Bahasa Indonesia by default, English on request.

Messages live in one TOML catalogue per language (`id.toml`, `en.toml`), keyed by a dotted id; a
test keeps the two catalogues' keys and placeholders identical. Numbers are formatted with Babel
so 4732174 reads 4.732.174 in Indonesian and 4,732,174 in English.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

LANGUAGES = ("id", "en")
_CATALOGUE_DIR = Path(__file__).parent
_current: str | None = None


def set_language(language: str) -> None:
    """Switch the language for this process (the CLI's `--lang`, a web request's choice)."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _current = language


def language() -> str:
    """The language in force: set explicitly, else `SALUR_LANG`, else Indonesian."""
    if _current is not None:
        return _current
    env = os.environ.get("SALUR_LANG", "id")
    return env if env in LANGUAGES else "id"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, flattened to dotted keys."""
    with (_CATALOGUE_DIR / f"{lang}.toml").open("rb") as f:
        raw = tomllib.load(f)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            full = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(full, value)
            else:
                flat[full] = str(value)

    walk("", raw)
    return flat


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The message `key` in the current language, with `{placeholders}` filled in.

    Integer parameters are formatted with the language's digit grouping. An unknown key falls
    back to English and then to the key itself, so a missing translation never hides an error.
    """
    lang = lang or language()
    text = catalogue(lang).get(key) or catalogue("en").get(key) or key
    shown = {k: fmt_number(v, lang) if _is_number(v) else v for k, v in params.items()}
    return text.format(**shown)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt_number(value: float, lang: str | None = None, digits: int = 0) -> str:
    """A number with the language's grouping (id: 4.732.174; en: 4,732,174)."""
    lang = lang or language()
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=lang))
