"""The translation layer: complete catalogues and language-aware numbers."""

from __future__ import annotations

import re

import pytest

from salur.errors import InputError
from salur.i18n import LANGUAGES, catalogue, fmt_number, set_language, t


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", text))


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    """No message is missing in one language, and no placeholder differs between languages."""
    base = catalogue("en")
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(base), lang
        for key, text in base.items():
            assert placeholders(other[key]) == placeholders(text), (lang, key)


def test_indonesian_is_the_default_and_english_is_on_request() -> None:
    """Messages and digit grouping follow the chosen language."""
    assert t("where.row", row=4732174) == "baris 4.732.174"
    set_language("en")
    assert t("where.row", row=4732174) == "row 4,732,174"
    assert fmt_number(2.5, digits=1) == "2.5"


def test_errors_render_in_the_current_language() -> None:
    """An input error reads as one sentence naming file, row and column."""
    error = InputError("input.negative", file="dpt.csv", row=3, column="dpt", value="-5")
    assert (
        str(error) == "berkas dpt.csv, baris 3, kolom dpt: '-5' negatif; jumlah harus 0 atau lebih"
    )
    set_language("en")
    assert (
        str(error) == "file dpt.csv, row 3, column dpt: '-5' is negative; a count must be 0 or more"
    )


def test_unsupported_languages_are_refused() -> None:
    """Only id and en exist; anything else is a clear error, not a silent fallback."""
    with pytest.raises(ValueError, match="unsupported"):
        set_language("fr")
