"""`canonical_json` takes a fast path through the standard library's encoder; for every JSON value
it must give exactly the bytes of the `rfc8785` reference, or refuse what the reference refuses."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from salur.canonical import SAFE_INTEGER, _plain, canonical_json

_ascii_names = st.text(st.characters(max_codepoint=127), max_size=12)
_any_names = st.text(max_size=6)  # non-BMP names, where UTF-16 order differs from code points
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),  # across the safe-integer edge
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # controls, U+2028, DEL, surrogates (lone ones too), astral characters
)


def _json(names: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=5),
        max_leaves=30,
    )


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError as error:
        return type(error)


def _ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(value)
    except rfc8785.CanonicalizationError as error:
        return type(error)


@settings(max_examples=600)
@given(st.one_of(_json(_ascii_names), _json(_any_names)))
def test_the_fast_path_gives_the_reference_bytes_for_any_json_value(value: Any) -> None:
    """Equal bytes, or the same refusal, whatever the value holds."""
    assert _ours(value) == _reference(value)


_plain_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-SAFE_INTEGER, max_value=SAFE_INTEGER),
    st.text(st.characters(blacklist_categories=["Cs"])),
)
_plain_json = st.recursive(
    _plain_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ascii_names, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=600)
@given(_plain_json)
def test_values_like_signed_events_take_the_fast_path_and_match_the_reference(value: Any) -> None:
    """What a custody event is made of never reaches the slow library, and loses nothing."""
    assert _plain(value)
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


@pytest.mark.parametrize(
    "value",
    [
        {"b": '\x00\x1f\x7f\u2028\u2029"\\/\b\f\n\r\t', "a": [True, False, None]},
        {"\U0001f600": 1, "\uffff": 2, "a": {"z": 1, "Z": 2}},
        [SAFE_INTEGER, -SAFE_INTEGER, 0, -0, 1.5, 1e21, 5e-324],
        "\ud800",
        (1, 2),
    ],
)
def test_the_edges_of_the_fast_path_match_the_reference(value: Any) -> None:
    """Escapes, member order beyond the BMP, numbers and tuples: each known JCS edge case."""
    assert _ours(value) == _reference(value)


def test_integers_beyond_the_safe_range_are_refused_as_the_reference_refuses_them() -> None:
    """A JCS number is a double: 2^53 cannot be signed exactly, so it is not signed at all."""
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_json({"count": SAFE_INTEGER + 1})
