"""The seal registry on both backends: every transition of the table, refusals that write
nothing, seals bound to their regency and package, and a history row per action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlalchemy import Engine, select

from salur.errors import SalurError
from salur.kits.ids import KOTAK, InvalidPackageIdError, make_package_id
from salur.kits.models import KitPackage, Seal
from salur.kits.sealing import (
    SealAction,
    apply_seals,
    apply_seals_in,
    break_seals,
    check_seals,
    issue_seals,
    seal_status,
    unusable_seals,
)
from salur.kits.seals import APPLIED, BROKEN, CHECKED, ISSUED, SealRefusedError
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import DUMAI, MERANTI
from tests.unit.kits.test_seal_states import EXPECTED


def new_seal(engine: Engine, numbers: Iterator[int], regency: str = MERANTI) -> int:
    number = next(numbers)
    with UnitOfWork(engine) as uow:
        issue_seals(uow, regency, number, number, actor="gudang")
    return number


def packages(engine: Engine, count: int = 3) -> list[str]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.scalars(select(KitPackage.id).order_by(KitPackage.id).limit(count)))


def state_of(engine: Engine, number: int) -> tuple[str, str | None] | None:
    with UnitOfWork(engine) as uow:
        seal = uow.session.get(Seal, number)
        return None if seal is None else (seal.state, seal.package_id)


def act(engine: Engine, action: str, number: int, package: str | None) -> None:
    """Apply or check on `package`; break names no package (a seal may break before use)."""
    use_case = {"apply": apply_seals, "check": check_seals, "break": break_seals}[action]
    on = None if action == "break" else package
    with UnitOfWork(engine) as uow:
        use_case(uow, [SealAction(number, on)], actor="kpps")


def bring_to(engine: Engine, numbers: Iterator[int], state: str | None, package: str) -> int:
    """A seal number in `state` (None: a number never issued)."""
    if state is None:
        return next(numbers)
    number = new_seal(engine, numbers)
    steps = {ISSUED: [], APPLIED: ["apply"], CHECKED: ["apply", "check"], BROKEN: ["break"]}
    for action in steps[state]:
        act(engine, action, number, package)
    return number


@pytest.mark.parametrize(("state", "action"), list(EXPECTED))
def test_each_transition_of_the_table_holds_in_the_store(
    packed: Engine, seal_numbers: Iterator[int], state: str | None, action: str
) -> None:
    """A move changes the stored state and adds a history row; a refusal changes nothing."""
    package = packages(packed)[0]
    number = bring_to(packed, seal_numbers, state, package)
    before = state_of(packed, number)
    history = len(seal_status_or_empty(packed, number))
    expected = EXPECTED[(state, action)]
    try:
        if action == "issue":
            with UnitOfWork(packed) as uow:
                issue_seals(uow, MERANTI, number, number)
        else:
            act(packed, action, number, package)
    except SealRefusedError as refused:
        assert refused.key == expected
        assert state_of(packed, number) == before
        assert len(seal_status_or_empty(packed, number)) == history
        return
    after = state_of(packed, number)
    assert after is not None and after[0] == expected
    assert len(seal_status_or_empty(packed, number)) == history + 1


def seal_status_or_empty(engine: Engine, number: int) -> list[object]:
    with UnitOfWork(engine) as uow:
        try:
            return list(seal_status(uow, number).history)
        except SealRefusedError:
            return []


def test_a_seal_keeps_its_whole_history_in_order(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """Issue, apply, check, break: four rows, with who did it and on which package."""
    package = packages(packed)[0]
    number = new_seal(packed, seal_numbers)
    for action in ("apply", "check", "break"):
        act(packed, action, number, package)
    with UnitOfWork(packed) as uow:
        status = seal_status(uow, number)
    assert (status.state, status.package_id) == (BROKEN, package)
    assert [(e.action, e.state, e.actor) for e in status.history] == [
        ("issue", ISSUED, "gudang"),
        ("apply", APPLIED, "kpps"),
        ("check", CHECKED, "kpps"),
        ("break", BROKEN, "kpps"),
    ]
    assert [e.package_id for e in status.history] == [
        None,
        package,
        package,
        package,
    ]  # break keeps it


def test_a_seal_of_another_regency_cannot_seal_a_package(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """Seals issued to Dumai's warehouse are refused on a Meranti package."""
    number = new_seal(packed, seal_numbers, DUMAI)
    with pytest.raises(SealRefusedError) as caught:
        act(packed, "apply", number, packages(packed)[0])
    assert caught.value.key == "kits.seal_other_regency"
    assert state_of(packed, number) == (ISSUED, None)


def test_a_check_on_the_wrong_package_is_refused(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """A seal found on another package than recorded is not silently accepted."""
    first, second, _ = packages(packed)
    number = new_seal(packed, seal_numbers)
    act(packed, "apply", number, first)
    with pytest.raises(SealRefusedError) as caught:
        act(packed, "check", number, second)
    assert caught.value.key == "kits.seal_on_other_package"
    assert first in str(caught.value) and second in str(caught.value)


def test_unknown_and_mistyped_package_ids_are_refused(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """A valid-looking id that was never packed, and a typo, are both refused."""
    number = new_seal(packed, seal_numbers)
    with pytest.raises(SalurError) as caught:
        act(packed, "apply", number, make_package_id(KOTAK, "1410019999001", "dpr"))
    assert caught.value.key == "kits.unknown_package"
    real = packages(packed)[0]
    typo = real[:-2] + ("0" if real[-2] != "0" else "1") + real[-1]
    with pytest.raises(InvalidPackageIdError):
        act(packed, "apply", number, typo)
    assert state_of(packed, number) == (ISSUED, None)


def test_a_check_naming_a_package_never_packed_is_refused_as_unknown(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """Only applying reads package regencies up front; a check on a package nobody packed is
    still told apart from a check on the wrong (real) package."""
    number = new_seal(packed, seal_numbers)
    act(packed, "apply", number, packages(packed)[0])
    with pytest.raises(SalurError) as caught:
        act(packed, "check", number, make_package_id(KOTAK, "1410019999001", "dpr"))
    assert caught.value.key == "kits.unknown_package"
    assert state_of(packed, number) == (APPLIED, packages(packed)[0])


def test_a_seal_checked_again_keeps_its_row_and_gains_a_history_line(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """The row says when the state last changed (the first check); every check is in the
    history, in order, with its own time."""
    package = packages(packed)[0]
    number = new_seal(packed, seal_numbers)
    days = [dt.datetime(2024, 2, day, 9, tzinfo=dt.UTC) for day in (1, 5, 11, 13)]
    with UnitOfWork(packed) as uow:
        apply_seals(uow, [SealAction(number, package)], actor="gudang", at=days[0])
    for day in days[1:]:
        with UnitOfWork(packed) as uow:
            check_seals(uow, [SealAction(number, package)], actor="ppk", at=day)
    with UnitOfWork(packed) as uow:
        status = seal_status(uow, number)
        seal = uow.session.get(Seal, number)
        assert seal is not None
        assert seal.updated_at.replace(tzinfo=dt.UTC) == days[1]
    assert (status.state, status.package_id) == (CHECKED, package)
    assert [(e.action, e.state) for e in status.history] == [
        ("issue", ISSUED),
        ("apply", APPLIED),
        ("check", CHECKED),
        ("check", CHECKED),
        ("check", CHECKED),
    ]
    assert [e.at.replace(tzinfo=dt.UTC) for e in status.history[1:]] == days


def test_a_batch_is_applied_whole_or_not_at_all(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """The same seal twice in one batch: the batch is refused, the first seal stays issued."""
    package = packages(packed)[0]
    a, b = new_seal(packed, seal_numbers), new_seal(packed, seal_numbers)
    with UnitOfWork(packed) as uow, pytest.raises(SealRefusedError):
        apply_seals(uow, [SealAction(a, package), SealAction(b, package), SealAction(a, package)])
    assert state_of(packed, a) == (ISSUED, None) and state_of(packed, b) == (ISSUED, None)


def test_a_range_overlapping_issued_seals_is_refused_whole(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """Issuing 10 numbers of which one is taken issues none, and names the taken number."""
    taken = new_seal(packed, seal_numbers)
    first = next(seal_numbers)
    for _ in range(8):
        next(seal_numbers)
    with UnitOfWork(packed) as uow, pytest.raises(SealRefusedError) as caught:
        issue_seals(uow, MERANTI, taken, first + 8)
    assert str(taken) in str(caught.value)
    assert state_of(packed, first) is None


class SealLife(RuleBasedStateMachine):
    """Random sequences of actions on the real registry against a plain model of each seal."""

    engine: Engine
    numbers: Iterator[int]
    package_ids: list[str]
    seals = Bundle("seals")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, tuple[str, str | None]] = {}

    @rule(target=seals)
    def issue(self) -> int:
        number = new_seal(self.engine, self.numbers)
        self.model[number] = (ISSUED, None)
        return number

    @rule(
        number=seals, action=st.sampled_from(["apply", "check", "break"]), which=st.integers(0, 2)
    )
    def act_on(self, number: int, action: str, which: int) -> None:
        package = self.package_ids[which]
        state, on = self.model[number]
        allowed = {
            "apply": state == ISSUED,
            "check": state in (APPLIED, CHECKED) and on == package,
            "break": state != BROKEN,
        }[action]
        try:
            act(self.engine, action, number, package)
        except SealRefusedError:
            assert not allowed, (action, state)
            return
        assert allowed, (action, state)
        after = {"apply": APPLIED, "check": CHECKED, "break": BROKEN}[action]
        self.model[number] = (after, package if action == "apply" else on)

    @invariant()
    def the_store_agrees_with_the_model(self) -> None:
        for number, expected in self.model.items():
            assert state_of(self.engine, number) == expected


def test_random_seal_lives_follow_the_rules(packed: Engine, seal_numbers: Iterator[int]) -> None:
    """Hypothesis drives issue/apply/check/break in any order; the store matches the model."""
    SealLife.engine = packed
    SealLife.numbers = seal_numbers
    SealLife.package_ids = packages(packed)
    SealLife.TestCase.settings = settings(
        max_examples=8,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run = SealLife.TestCase("runTest")
    run.runTest()


def test_the_session_functions_write_only_when_the_caller_commits(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """`apply_seals_in` moves a seal inside the caller's transaction: rolled back, the seal and
    its history are as they were; committed, the seal is applied."""
    number, package = new_seal(packed, seal_numbers), packages(packed)[0]
    with UnitOfWork(packed) as uow:
        assert apply_seals_in(uow.session, [SealAction(number, package)], actor="kpps") == 1
        assert uow.session.get(Seal, number) is not None
    assert state_of(packed, number) == (ISSUED, None)
    with UnitOfWork(packed) as uow:
        assert len(seal_status(uow, number).history) == 1
        apply_seals_in(uow.session, [SealAction(number, package)], actor="kpps")
        uow.commit()
    assert state_of(packed, number) == (APPLIED, package)


def test_unusable_seals_names_why_each_cannot_close_a_package(
    packed: Engine, seal_numbers: Iterator[int]
) -> None:
    """Never issued, issued to another regency, or used already: only a fresh seal of the
    package's own regency is usable."""
    fresh, other = new_seal(packed, seal_numbers), new_seal(packed, seal_numbers, DUMAI)
    used, never = new_seal(packed, seal_numbers), next(seal_numbers)
    act(packed, "break", used, None)
    wanted = dict.fromkeys((fresh, other, used, never), MERANTI)
    with UnitOfWork(packed) as uow:
        found = unusable_seals(uow.session, wanted)
    assert found == {other: "other_regency", used: "used", never: "unknown"}
