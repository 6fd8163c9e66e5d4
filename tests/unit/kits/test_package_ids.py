"""Package ids: the ISO 7064 check catches typos, ids parse back, and bad input is refused."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salur.kits.ids import (
    ALPHANUMERIC,
    BILIK,
    CROCKFORD,
    KOTAK,
    SUPPORT,
    Draw,
    InvalidPackageIdError,
    check_character,
    make_package_id,
    parse_package_id,
)

BALLOTS = ["ppwp", "dpr", "dpd", "dprd_prov", "dprd_kab"]
tps_codes = st.integers(0, 10**13 - 1).map(lambda n: f"{n:013d}")
kinds = st.sampled_from([(KOTAK, bt) for bt in BALLOTS] + [(BILIK, None), (SUPPORT, None)])


def seeded(seed: int) -> Draw:
    rng = random.Random(seed)
    return lambda n: "".join(rng.choice(CROCKFORD) for _ in range(n))


def test_the_check_matches_a_published_iso_7064_mod_37_2_example() -> None:
    """G123489654321 has the MOD 37-2 check character Y (python-stdnum's worked example)."""
    assert check_character("G123489654321") == "Y"
    assert check_character("G-1234-89654321") == "Y"  # hyphens are layout, not content


@given(tps=tps_codes, kind=kinds, seed=st.integers())
def test_a_new_id_parses_back_to_its_kind_tps_and_content(
    tps: str, kind: tuple[str, str | None], seed: int
) -> None:
    """Every id made is valid, names its TPS, and avoids I, L, O and U in its random part."""
    pid = make_package_id(kind[0], tps, kind[1], seeded(seed))
    parsed = parse_package_id(pid)
    assert (parsed.kind, parsed.tps_code, parsed.text) == (kind[0], tps, pid)
    assert set(pid.rsplit("-", 1)[1]) <= set(CROCKFORD)


@given(tps=tps_codes, kind=kinds, seed=st.integers(), data=st.data())
def test_any_single_mistyped_character_is_refused(
    tps: str, kind: tuple[str, str | None], seed: int, data: st.DataObject
) -> None:
    """Changing any one letter or digit of a valid id to another one makes it invalid."""
    pid = make_package_id(kind[0], tps, kind[1], seeded(seed))
    positions = [i for i, c in enumerate(pid) if c != "-"]
    i = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from([c for c in ALPHANUMERIC if c != pid[i]]))
    with pytest.raises(InvalidPackageIdError):
        parse_package_id(pid[:i] + wrong + pid[i + 1 :])


@given(tps=tps_codes, kind=kinds, seed=st.integers(), data=st.data())
def test_any_swap_of_two_neighbouring_characters_is_refused(
    tps: str, kind: tuple[str, str | None], seed: int, data: st.DataObject
) -> None:
    """Swapping two different adjacent characters (a common typing slip) is caught too."""
    pid = make_package_id(kind[0], tps, kind[1], seeded(seed))
    pairs = [i for i in range(len(pid) - 1) if pid[i] != pid[i + 1] and "-" not in pid[i : i + 2]]
    i = data.draw(st.sampled_from(pairs))
    with pytest.raises(InvalidPackageIdError):
        parse_package_id(pid[:i] + pid[i + 1] + pid[i] + pid[i + 2 :])


def test_scanned_or_typed_ids_may_differ_in_case_and_spaces() -> None:
    """A lower-case id with spaces around it is the same id."""
    pid = make_package_id(KOTAK, "1410011001001", "dpr", seeded(1))
    assert parse_package_id(f"  {pid.lower()} ").text == pid


@pytest.mark.parametrize(
    "text",
    [
        "",
        "K-141001100100-DPR-7K2QX",  # 12-digit TPS code
        "X-1410011001001-DPR-7K2QX",  # unknown kind
        "K-1410011001001-DPR-7K2Q",  # random part too short
        "B-1410011001001-DPR-7K2QX",  # a bilik bundle named like a kotak
        "K-1410011001001-DPR-7K2QI",  # I is not in the alphabet
    ],
)
def test_malformed_ids_are_refused_as_such(text: str) -> None:
    """Ids of the wrong shape are refused with the format message, not the check message."""
    with pytest.raises(InvalidPackageIdError) as caught:
        parse_package_id(text)
    assert caught.value.key == "kits.id_format"


def test_the_packages_of_one_tps_have_distinct_ids() -> None:
    """Kind and content are part of the id, so the 7 packages of a TPS never collide."""
    draw = seeded(0)
    ids = {make_package_id(KOTAK, "1410011001001", bt, draw) for bt in BALLOTS}
    ids |= {make_package_id(k, "1410011001001", None, draw) for k in (BILIK, SUPPORT)}
    assert len(ids) == 7
