"""`events.compose` builds RFC 8785 JSON from canonical parts; it must equal the library's
canonicalisation of the whole object for any JSON values and member names."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from salur.custody.events import canonical, compose, entry_bytes, entry_payload
from salur.custody.signing import SIGNING_CONTEXT, signed_message

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400)
@given(st.dictionaries(st.text(), _json, max_size=6))
def test_compose_equals_the_library_on_the_whole_object(members: dict[str, Any]) -> None:
    """Names include non-BMP characters, where UTF-16 order differs from code-point order."""
    composed = compose({name: canonical(value) for name, value in members.items()})
    assert composed == bytes(rfc8785.dumps(members))


@given(
    st.dictionaries(st.text(min_size=1), _json, max_size=5),
    st.text(min_size=1),
    st.text(min_size=1),
    st.text(min_size=1),
)
def test_signed_message_from_canonical_bytes_is_the_message_of_the_body(
    body: dict[str, Any], party: str, device: str, signed_at: str
) -> None:
    whole = {"device": device, "event": body, "party": party, "signed_at": signed_at}
    expected = SIGNING_CONTEXT + bytes(rfc8785.dumps(whole))
    assert signed_message(body, party=party, device=device, signed_at=signed_at) == expected
    assert (
        signed_message(canonical(body), party=party, device=device, signed_at=signed_at) == expected
    )


@given(
    st.dictionaries(st.text(), _json, max_size=5),
    st.lists(st.dictionaries(st.text(), st.text(), max_size=3), max_size=3),
    st.one_of(st.none(), st.dictionaries(st.text(), _json, min_size=1, max_size=3)),
)
def test_entry_bytes_is_the_canonical_entry_payload(
    body: dict[str, Any], signatures: list[dict[str, Any]], recorded: dict[str, Any] | None
) -> None:
    payload = entry_payload(body, signatures, recorded)
    assert entry_bytes(canonical(body), signatures, recorded) == bytes(rfc8785.dumps(payload))
