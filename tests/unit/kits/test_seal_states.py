"""The seal state machine as a table: every (state, action) is either a move or a named refusal."""

from __future__ import annotations

import pytest

from salur.kits.seals import (
    ACTIONS,
    APPLIED,
    APPLY,
    BREAK,
    BROKEN,
    CHECK,
    CHECKED,
    ISSUE,
    ISSUED,
    REFUSALS,
    STATES,
    TRANSITIONS,
    SealRefusedError,
    next_state,
)

# The whole life of a seal, written out once by hand: None is a number never issued.
EXPECTED: dict[tuple[str | None, str], str] = {
    (None, ISSUE): ISSUED,
    (None, APPLY): "kits.seal_unknown",
    (None, CHECK): "kits.seal_unknown",
    (None, BREAK): "kits.seal_unknown",
    (ISSUED, ISSUE): "kits.seal_already_issued",
    (ISSUED, APPLY): APPLIED,
    (ISSUED, CHECK): "kits.seal_not_applied",
    (ISSUED, BREAK): BROKEN,
    (APPLIED, ISSUE): "kits.seal_already_issued",
    (APPLIED, APPLY): "kits.seal_applied_twice",
    (APPLIED, CHECK): CHECKED,
    (APPLIED, BREAK): BROKEN,
    (CHECKED, ISSUE): "kits.seal_already_issued",
    (CHECKED, APPLY): "kits.seal_applied_twice",
    (CHECKED, CHECK): CHECKED,
    (CHECKED, BREAK): BROKEN,
    (BROKEN, ISSUE): "kits.seal_already_issued",
    (BROKEN, APPLY): "kits.seal_broken_reapplied",
    (BROKEN, CHECK): "kits.seal_broken_checked",
    (BROKEN, BREAK): "kits.seal_already_broken",
}


def test_every_state_and_action_is_either_a_move_or_a_refusal() -> None:
    """No pair is left undecided, and none is both allowed and refused."""
    pairs = {(s, a) for s in (None, *STATES) for a in ACTIONS}
    assert set(TRANSITIONS) | set(REFUSALS) == pairs
    assert not set(TRANSITIONS) & set(REFUSALS)


@pytest.mark.parametrize(("state", "action"), list(EXPECTED))
def test_each_transition_does_what_the_table_says(state: str | None, action: str) -> None:
    """Moves give the next state; refusals name why, with the seal number."""
    expected = EXPECTED[(state, action)]
    if expected in STATES:
        assert next_state(state, action, 7) == expected
        return
    with pytest.raises(SealRefusedError) as caught:
        next_state(state, action, 1234567)
    assert caught.value.key == expected
    assert "1234567" in str(caught.value)  # seal numbers are shown without digit grouping


def test_a_broken_seal_never_leaves_the_broken_state() -> None:
    """Broken is terminal: no action is allowed from it."""
    assert all((BROKEN, action) not in TRANSITIONS for action in ACTIONS)
