"""The custody state machine as an exhaustive table: every (state, move) pair of one package's
life is either one of the moves written out below or a typed refusal."""

from __future__ import annotations

import pytest

from salur.custody.states import (
    HOPS,
    CheckSeals,
    CustodyRefusedError,
    Dispatch,
    HandOver,
    Level,
    Move,
    Open,
    PackageState,
    Phase,
    Place,
    Receive,
    SealForReturn,
    next_state,
    start,
)

W = Place(Level.WAREHOUSE, "14.10")
K = Place(Level.PPK, "14.10.01")
S = Place(Level.PPS, "14.10.01.2001")
T = Place(Level.KPPS, "1410012001001")
AT = {Level.WAREHOUSE: W, Level.PPK: K, Level.PPS: S, Level.KPPS: T}
# Holders at the right level but of another region: never the holder of this package.
ELSEWHERE = {
    Level.WAREHOUSE: Place(Level.WAREHOUSE, "14.09"),
    Level.PPK: Place(Level.PPK, "14.10.02"),
    Level.PPS: Place(Level.PPS, "14.10.01.2002"),
    Level.KPPS: Place(Level.KPPS, "1410012001002"),
}
OUT, OPENED, BACK = Phase.OUTBOUND, Phase.OPENED, Phase.RESEALED

STATES: dict[str, PackageState] = {
    "at warehouse": PackageState(OUT, W),
    "to ppk": PackageState(OUT, W, K),
    "at ppk": PackageState(OUT, K),
    "to pps": PackageState(OUT, K, S),
    "at pps": PackageState(OUT, S),
    "to kpps": PackageState(OUT, S, T),
    "at kpps": PackageState(OUT, T),
    "opened": PackageState(OPENED, T),
    "resealed": PackageState(BACK, T),
    "back to pps": PackageState(BACK, T, S),
    "back at pps": PackageState(BACK, S),
    "back to ppk": PackageState(BACK, S, K),
    "back at ppk": PackageState(BACK, K),
    "back to warehouse": PackageState(BACK, K, W),
    "returned": PackageState(BACK, W),
}


def moves() -> dict[str, Move]:
    """Every move between the holders of this package's chain, plus a direct warehouse->PPS."""
    out: dict[str, Move] = {}
    for hop_id, hop in HOPS.items():
        out[f"dispatch {hop_id}"] = Dispatch(AT[hop.giver], AT[hop.receiver])
        out[f"handover {hop_id}"] = HandOver(AT[hop.giver], AT[hop.receiver])
    out["dispatch warehouse_pps"] = Dispatch(W, S)
    out["handover warehouse_pps"] = HandOver(W, S)
    for level, place in AT.items():
        out[f"receive at {level}"] = Receive(place)
        out[f"check at {level}"] = CheckSeals(place)
        out[f"open at {level}"] = Open(place, voting_day_reached=True)
        out[f"seal at {level}"] = SealForReturn(place)
    out["open before voting day"] = Open(T, voting_day_reached=False)
    return out


MOVES = moves()

# The only moves the chain allows, written out by hand: (state, move) -> next state.
ALLOWED: dict[tuple[str, str], str] = {
    ("at warehouse", "dispatch warehouse_ppk"): "to ppk",
    ("at warehouse", "handover warehouse_ppk"): "at ppk",
    ("at warehouse", "check at warehouse"): "at warehouse",
    ("to ppk", "receive at ppk"): "at ppk",
    ("to ppk", "handover warehouse_ppk"): "at ppk",
    ("at ppk", "dispatch ppk_pps"): "to pps",
    ("at ppk", "handover ppk_pps"): "at pps",
    ("at ppk", "check at ppk"): "at ppk",
    ("to pps", "receive at pps"): "at pps",
    ("to pps", "handover ppk_pps"): "at pps",
    ("at pps", "dispatch pps_kpps"): "to kpps",
    ("at pps", "handover pps_kpps"): "at kpps",
    ("at pps", "check at pps"): "at pps",
    ("to kpps", "receive at kpps"): "at kpps",
    ("to kpps", "handover pps_kpps"): "at kpps",
    ("at kpps", "check at kpps"): "at kpps",
    ("at kpps", "open at kpps"): "opened",
    ("opened", "seal at kpps"): "resealed",
    ("resealed", "check at kpps"): "resealed",
    ("resealed", "dispatch kpps_pps"): "back to pps",
    ("resealed", "handover kpps_pps"): "back at pps",
    ("back to pps", "receive at pps"): "back at pps",
    ("back to pps", "handover kpps_pps"): "back at pps",
    ("back at pps", "check at pps"): "back at pps",
    ("back at pps", "dispatch pps_ppk"): "back to ppk",
    ("back at pps", "handover pps_ppk"): "back at ppk",
    ("back to ppk", "receive at ppk"): "back at ppk",
    ("back to ppk", "handover pps_ppk"): "back at ppk",
    ("back at ppk", "check at ppk"): "back at ppk",
    ("back at ppk", "dispatch ppk_warehouse"): "back to warehouse",
    ("back at ppk", "handover ppk_warehouse"): "returned",
    ("back to warehouse", "receive at warehouse"): "returned",
    ("back to warehouse", "handover ppk_warehouse"): "returned",
    ("returned", "check at warehouse"): "returned",
}

PAIRS = [(state, move) for state in STATES for move in MOVES]


@pytest.mark.parametrize(("state", "move"), PAIRS, ids=[f"{s} | {m}" for s, m in PAIRS])
def test_every_move_in_every_state_is_either_allowed_or_refused(state: str, move: str) -> None:
    """The table above is the whole state machine: nothing else moves a package."""
    expected = ALLOWED.get((state, move))
    if expected is None:
        with pytest.raises(CustodyRefusedError) as refused:
            next_state(STATES[state], MOVES[move], "K-1")
        assert refused.value.key.startswith("custody.")
    else:
        assert next_state(STATES[state], MOVES[move], "K-1") == STATES[expected]


def test_every_state_is_reached_from_the_warehouse() -> None:
    """The table walks a package from packing to its return; no state is unreachable."""
    assert start("14.10") == STATES["at warehouse"]
    assert set(ALLOWED.values()) | {"at warehouse"} == set(STATES)


def _with_giver_elsewhere(move: Move) -> Move | None:
    match move:
        case Dispatch(giver, to):
            return Dispatch(ELSEWHERE[giver.level], to)
        case HandOver(giver, receiver):
            return HandOver(ELSEWHERE[giver.level], receiver)
        case Receive(receiver):
            return Receive(ELSEWHERE[receiver.level])
        case CheckSeals(by):
            return CheckSeals(ELSEWHERE[by.level])
        case Open(by, reached):
            return Open(ELSEWHERE[by.level], reached)
        case SealForReturn(by):
            return SealForReturn(ELSEWHERE[by.level])
    return None


@pytest.mark.parametrize(("state", "move"), sorted(ALLOWED))
def test_an_allowed_move_by_someone_else_of_the_same_rank_is_refused(state: str, move: str) -> None:
    """Only the holder (or the dispatch's addressee) acts: another PPK or KPPS cannot."""
    other = _with_giver_elsewhere(MOVES[move])
    assert other is not None
    with pytest.raises(CustodyRefusedError):
        next_state(STATES[state], other, "K-1")


@pytest.mark.parametrize(
    ("state", "move", "key"),
    [
        ("at warehouse", "receive at ppk", "custody.receive_before_dispatch"),
        ("at ppk", "handover pps_kpps", "custody.not_holder"),
        ("to ppk", "dispatch warehouse_ppk", "custody.in_transit"),
        ("at kpps", "open before voting day", "custody.open_before_voting_day"),
        ("at pps", "open at pps", "custody.open_not_at_tps"),
        ("at kpps", "handover kpps_pps", "custody.return_before_opening"),
        ("opened", "handover kpps_pps", "custody.return_before_sealing"),
        ("at kpps", "seal at kpps", "custody.seal_before_opening"),
        ("opened", "open at kpps", "custody.already_opened"),
        ("resealed", "handover pps_kpps", "custody.not_holder"),
        ("back at pps", "handover pps_kpps", "custody.outbound_after_opening"),
        ("at warehouse", "handover warehouse_pps", "custody.no_such_hop"),
        ("opened", "check at kpps", "custody.check_opened"),
    ],
)
def test_impossible_moves_say_why(state: str, move: str, key: str) -> None:
    """Receive before dispatch, a giver who does not hold it, opening early, returning before
    opening: each refusal carries its own message key and names the package."""
    with pytest.raises(CustodyRefusedError) as refused:
        next_state(STATES[state], MOVES[move], "K-1410012001001-DPR-7K2QX")
    assert refused.value.key == key
    assert refused.value.params["package"] == "K-1410012001001-DPR-7K2QX"
    assert refused.value.status == 409


def test_a_dispatched_package_cannot_be_received_by_another_addressee() -> None:
    """A kit sent to PPK 14.10.01 is not received by PPK 14.10.02."""
    with pytest.raises(CustodyRefusedError) as refused:
        next_state(STATES["to ppk"], Receive(ELSEWHERE[Level.PPK]), "K-1")
    assert refused.value.key == "custody.not_addressee"
