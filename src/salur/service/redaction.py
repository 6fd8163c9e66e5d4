"""What the public may see of a log entry: everything but the people and their devices.

Custody entries name people only by pseudonym and device, never by name; the public view drops
even those (pseudonyms, device ids, device keys, signatures, GPS fixes and photo hashes), so an
entry tells what moved where and when, and the leaf hash with its proofs shows it is logged.
Signed-in users in scope read the exact entry.
"""

from __future__ import annotations

from typing import Any

PERSONAL = frozenset({"person", "sig", "public_key", "key_id", "gps", "photo_sha256"})


def redact(value: Any) -> Any:
    """A copy of a JSON value without personal fields; a device is shown by role and region."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "device":
                if isinstance(item, dict):
                    out[key] = {k: item[k] for k in ("role", "region") if k in item}
                continue
            if key in PERSONAL:
                continue
            out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
