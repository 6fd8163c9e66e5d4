"""The incident workflow: only possible steps, deadlines from the types table, who answers."""

from __future__ import annotations

import datetime as dt

import pytest

from salur.custody.config import load_rules
from salur.custody.tepat import (
    ATTENDANCE_MISMATCH,
    BALANCE_MISMATCH,
    COUNT_MISMATCH,
    SEAL_BROKEN,
    SEAL_MISSING,
    SEAL_UNKNOWN,
    SEAL_USED,
    WITNESS_MISSING,
    WRONG_BALLOT_TYPE,
    WRONG_DAPIL,
    WRONG_TARGET,
)
from salur.incidents.entries import Actor, step_payload
from salur.incidents.types import load_types
from salur.incidents.workflow import (
    TRANSITIONS,
    Deadlines,
    State,
    Step,
    WorkflowRefusedError,
    allowed_steps,
    deadlines,
    next_state,
    overdue,
    responsible_region,
)

UTC = dt.UTC
VOTING_DAY = dt.date(2024, 2, 14)


def test_an_incident_goes_reported_acknowledged_action_resolved() -> None:
    """The ordinary path, with as many actions as needed before the resolution."""
    state = next_state(None, Step.OPEN)
    assert state == State.REPORTED
    state = next_state(state, Step.ACKNOWLEDGE)
    state = next_state(state, Step.ACT)
    state = next_state(state, Step.ACT)
    assert next_state(state, Step.RESOLVE) == State.RESOLVED


@pytest.mark.parametrize("state", [None, *State])
@pytest.mark.parametrize("step", list(Step))
def test_every_step_the_table_does_not_list_is_refused(state: State | None, step: Step) -> None:
    """Skipping acknowledgement, resolving without action, or touching a closed incident fails,
    and the error says which steps are possible."""
    if (state, step) in TRANSITIONS:
        assert next_state(state, step) == TRANSITIONS[state, step]
        return
    with pytest.raises(WorkflowRefusedError) as caught:
        next_state(state, step, incident=7)
    assert caught.value.params["possible"] == (
        ", ".join(s.value for s in allowed_steps(state)) or "-"
    )
    assert caught.value.status == 409


def test_a_resolved_incident_allows_nothing_more() -> None:
    """Closed is closed."""
    assert allowed_steps(State.RESOLVED) == ()


def test_deadlines_run_from_the_report_and_stop_at_h_minus_1() -> None:
    """A short count at H-2 20:00 WIB must be resolved by H-1 18:00 WIB, not 24 h later."""
    types = load_types()
    short = types["short_count"]
    reported = dt.datetime(2024, 2, 12, 13, 0, tzinfo=UTC)  # H-2 20:00 WIB
    due = deadlines(short, reported, VOTING_DAY, 7)
    assert due.acknowledge == reported + dt.timedelta(hours=short.ack_hours)
    assert due.resolve == dt.datetime(2024, 2, 13, 11, 0, tzinfo=UTC)  # H-1 18:00 WIB
    early = dt.datetime(2024, 2, 1, 2, 0, tzinfo=UTC)
    assert deadlines(short, early, VOTING_DAY, 7).resolve == early + dt.timedelta(hours=24)


def test_an_incident_is_overdue_for_the_step_it_has_not_taken_in_time() -> None:
    """Unacknowledged past its first deadline, unresolved past its second; never once closed."""
    t0 = dt.datetime(2024, 2, 10, tzinfo=UTC)
    due = Deadlines(t0 + dt.timedelta(hours=2), t0 + dt.timedelta(hours=24))
    assert overdue(State.REPORTED, due, t0 + dt.timedelta(hours=1)) is None
    assert overdue(State.REPORTED, due, t0 + dt.timedelta(hours=3)) == Step.ACKNOWLEDGE
    assert overdue(State.ACTION, due, t0 + dt.timedelta(hours=25)) == Step.RESOLVE
    assert overdue(State.RESOLVED, due, t0 + dt.timedelta(days=9)) is None


@pytest.mark.parametrize(
    ("level", "region", "expected"),
    [
        ("regency", "1405102005001", "14.05"),
        ("district", "1405102005001", "14.05.10"),
        ("village", "1405102005001", "14.05.10.2005"),
        ("tps", "1405102005001", "1405102005001"),
        ("district", "14.05", "14.05"),
        ("village", "14.05.10", "14.05.10"),
    ],
)
def test_the_responsible_party_answers_at_its_own_level(
    level: str, region: str, expected: str
) -> None:
    """A PPK answers for its kecamatan; an incident about a wider region stays with it."""
    assert responsible_region(level, region) == expected


def test_every_custody_finding_and_category_has_an_incident_type() -> None:
    """Whatever custody records can be opened in the workflow under a type of DOMAIN.md."""
    types = load_types()
    findings = (
        WRONG_TARGET,
        WRONG_DAPIL,
        WRONG_BALLOT_TYPE,
        COUNT_MISMATCH,
        SEAL_BROKEN,
        SEAL_MISSING,
        SEAL_UNKNOWN,
        SEAL_USED,
        WITNESS_MISSING,
        BALANCE_MISMATCH,
        ATTENDANCE_MISMATCH,
    )
    assert all(types.for_finding(code) for code in findings)
    assert all(types.for_category(c) for c in load_rules().election.incident_categories)
    assert {
        "wrong_dapil",
        "short_count",
        "damage",
        "late",
        "transport_failure",
        "broken_seal",
        "missing_items",
        "loss",
        "reconciliation_mismatch",
    } <= set(types.types)
    assert all(t.responsible in load_rules().election.roles for t in types.types.values())


def test_a_log_entry_names_roles_and_regions_only() -> None:
    """No person, pseudonym or free text: the entry's keys are fixed, parties are roles."""
    at = dt.datetime(2024, 2, 12, 1, 0, tzinfo=UTC)
    payload = step_payload(
        election="pemilu-2024",
        incident=3,
        step="act",
        kind="late",
        region="1405102005001",
        frm="acknowledged",
        to="action",
        at=at,
        actor=Actor("ppk", "14.05.10"),
        code="resend",
        refs={"plan_id": 9},
    )
    assert set(payload) == {
        "schema",
        "v",
        "election",
        "incident",
        "step",
        "kind",
        "region",
        "from",
        "to",
        "at",
        "actor",
        "refs",
        "code",
    }
    assert payload["actor"] == {"role": "ppk", "region": "14.05.10"}
    assert payload["at"] == "2024-02-12T01:00:00Z"
