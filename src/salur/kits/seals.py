"""The life of a numbered seal, as a pure state machine: issued, applied, checked, broken.

A seal number is issued to one regency, applied once to one package, checked any number of times
while it holds, and broken once; a broken seal is never reused. Every refusal has its own message
key, because "applied twice" and "re-applying a broken seal" mean different things to an
inspector.
"""

from __future__ import annotations

from typing import Final

from salur.errors import SalurError

ISSUED: Final = "issued"
APPLIED: Final = "applied"
CHECKED: Final = "checked"
BROKEN: Final = "broken"
STATES = (ISSUED, APPLIED, CHECKED, BROKEN)

ISSUE: Final = "issue"
APPLY: Final = "apply"
CHECK: Final = "check"
BREAK: Final = "break"
ACTIONS = (ISSUE, APPLY, CHECK, BREAK)

# (state before, action) -> state after. None stands for a number never issued.
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, ISSUE): ISSUED,
    (ISSUED, APPLY): APPLIED,
    (ISSUED, BREAK): BROKEN,  # damaged before use: taken out of circulation
    (APPLIED, CHECK): CHECKED,
    (APPLIED, BREAK): BROKEN,
    (CHECKED, CHECK): CHECKED,
    (CHECKED, BREAK): BROKEN,
}

# Why an action is refused in a state (message keys under [kits] in the catalogues).
REFUSALS: dict[tuple[str | None, str], str] = {
    (None, APPLY): "kits.seal_unknown",
    (None, CHECK): "kits.seal_unknown",
    (None, BREAK): "kits.seal_unknown",
    (ISSUED, ISSUE): "kits.seal_already_issued",
    (APPLIED, ISSUE): "kits.seal_already_issued",
    (CHECKED, ISSUE): "kits.seal_already_issued",
    (BROKEN, ISSUE): "kits.seal_already_issued",
    (APPLIED, APPLY): "kits.seal_applied_twice",
    (CHECKED, APPLY): "kits.seal_applied_twice",
    (BROKEN, APPLY): "kits.seal_broken_reapplied",
    (ISSUED, CHECK): "kits.seal_not_applied",
    (BROKEN, CHECK): "kits.seal_broken_checked",
    (BROKEN, BREAK): "kits.seal_already_broken",
}


class SealRefusedError(SalurError):
    """An action that the seal's state does not allow."""

    code = "seal_refused"


def next_state(state: str | None, action: str, seal: int) -> str:
    """The state after `action`, or `SealRefusedError` naming the seal and why."""
    after = TRANSITIONS.get((state, action))
    if after is None:
        raise SealRefusedError(REFUSALS[(state, action)], seal=str(seal), state=state or "")
    return after
