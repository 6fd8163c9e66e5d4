"""RFC 8785 (JCS) canonical JSON: the bytes devices sign and the custody log commits to.

The `rfc8785` library is the reference, but it is pure Python, and canonicalising was a fifth
of recording a synced handover. For the values salur signs (objects with ASCII member names,
strings, integers within the safe range, booleans, null; no floats) the canonical form is
exactly what the standard library's C encoder writes with sorted keys and no whitespace: JCS
orders members by UTF-16 code units, which for ASCII names is the order `sort_keys` uses
(section 3.2.3); it escapes strings as ECMAScript's JSON.stringify does (`\\"`, `\\\\`, `\\b \\t \\n
\\f \\r`, `\\u00xx` in lower case for other controls, nothing else), as `json.dumps` does with
`ensure_ascii=False` (3.2.2.2); integers print in the same shortest form. Any other value (a
float, a larger integer, a tuple, a non-ASCII member name, a lone surrogate) goes to the
library, which also raises its errors. A property test holds the two equal.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

SAFE_INTEGER = 2**53 - 1  # JCS numbers are IEEE 754 doubles (RFC 8785 section 3.2.2.3)
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=False
)


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value."""
    if _plain(value):
        try:
            return _ENCODER.encode(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, the library refuses it
            pass
    return bytes(rfc8785.dumps(value))


def _plain(value: Any) -> bool:
    """Whether `value` is made only of what the fast path serialises exactly like JCS."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-SAFE_INTEGER <= value <= SAFE_INTEGER)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False
