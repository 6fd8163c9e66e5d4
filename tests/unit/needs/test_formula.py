"""The needs formula on hand-made TPS, where every number can be checked by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salur.needs.formula import TpsInput, ballots_per_tps, compute
from salur.norms.loader import load_norm

PEMILU = load_norm("pemilu-2024").norm


def tps(*rows: tuple[int, str, str, str, str, str]) -> TpsInput:
    """TPS from (dpt, province, regency, dpr_ri, dprd_prov, dprd_kab) tuples."""
    columns = list(zip(*rows, strict=True))
    return TpsInput(
        dpt=np.array(columns[0], dtype=np.int64),
        **{
            name: np.array(values, dtype=object)
            for name, values in zip(
                ["province", "regency", "dapil_dpr_ri", "dapil_dprd_prov", "dapil_dprd_kab"],
                columns[1:],
                strict=True,
            )
        },
    )


RIAU = (250, "14", "14.05", "1402", "140004", "140501")
JAKARTA = (251, "31", "31.71", "3102", "310001", "")


def quantity(result: object, code: str, ballot_type: str | None = None) -> list[int]:
    lines = result.lines  # type: ignore[attr-defined]
    i = next(i for i, ln in enumerate(lines) if ln.code == code and ln.ballot_type == ballot_type)
    return [int(q) for q in result.quantity[:, i]]  # type: ignore[attr-defined]


def test_a_tps_with_dpt_250_gets_255_ballots_of_each_type() -> None:
    """UU 7/2017 art. 344: DPT + 2%, so 250 voters need 255 ballots of every type."""
    result = compute(tps(RIAU), PEMILU)
    for bt in ("ppwp", "dpr", "dpd", "dprd_prov", "dprd_kab"):
        assert quantity(result, "surat_suara", bt) == [255]


@pytest.mark.parametrize(
    ("dpt", "rounding", "expected"),
    [
        (251, "ceil", 257),
        (251, "half_up", 256),
        (251, "floor", 256),
        (275, "half_up", 281),
        (0, "ceil", 0),
        (300, "ceil", 306),
    ],
)
def test_reserve_rounding_follows_the_norm(dpt: int, rounding: str, expected: int) -> None:
    """The reserve is rounded per TPS as configured (2% of 251 = 5.02; of 275 = 5.5)."""
    assert ballots_per_tps(np.array([dpt]), Fraction(2), rounding)[0] == expected


@given(st.integers(min_value=0, max_value=10_000))
def test_integer_reserve_never_suffers_float_error(dpt: int) -> None:
    """ceil(DPT x 1.02) computed exactly: never one ballot too many from float noise."""
    got = int(ballots_per_tps(np.array([dpt]), Fraction(2), "ceil")[0])
    assert got == dpt + -(-dpt * 2 // 100)
    assert got * 100 >= dpt * 102 > (got - 1) * 100


def test_jakarta_gets_four_kotak_and_no_dprd_kab_ballots() -> None:
    """DKI Jakarta has no DPRD kab/kota: 4 kotak and no green ballots; Riau keeps 5."""
    result = compute(tps(RIAU, JAKARTA), PEMILU)
    assert quantity(result, "kotak") == [5, 4]
    assert quantity(result, "surat_suara", "dprd_kab") == [255, 0]
    assert quantity(result, "formulir") == [5, 4]  # one form set per ballot type present


def test_equipment_per_tps_follows_the_norm() -> None:
    """4 bilik, 2 tinta, 10 seals, and envelopes by ballots: ceil(255/100) + 4 x ceil(255/75)."""
    result = compute(tps(RIAU), PEMILU)
    assert quantity(result, "bilik") == [4]
    assert quantity(result, "tinta") == [2]
    assert quantity(result, "segel") == [10]
    assert quantity(result, "sampul") == [3 + 4 * 4]


def test_kit_weight_and_volume_add_up_their_items() -> None:
    """Kit weight sums every line; volume counts only what is not packed inside a kotak."""
    result = compute(tps(RIAU), PEMILU)
    expected_volume = 5 * 96000 + 4 * 12000 + 1 * 20000
    assert result.kit_volume_cm3[0] == pytest.approx(expected_volume)
    weights = {(ln.code, ln.ballot_type): ln.weight_g for ln in result.lines}
    manual = sum(
        q * weights[(ln.code, ln.ballot_type)]
        for q, ln in zip(result.quantity[0], result.lines, strict=True)
    )
    assert result.kit_weight_g[0] == pytest.approx(manual)
    assert result.kit_weight_g[0] > 5 * 2260 + 4 * 2500


def test_psu_reserve_is_held_by_the_smallest_region_covering_its_dapil() -> None:
    """A dapil within one regency is held there; one spanning regencies goes to the province."""
    other = (240, "14", "14.04", "1402", "140004", "140401")
    result = compute(tps(RIAU, other), PEMILU)
    held = {(p.ballot_type, p.district): p.holder for p in result.psu}
    assert held[("dprd_kab", "140501")] == "14.05"
    assert held[("dprd_prov", "140004")] == "14"
    assert held[("dpr", "1402")] == "14"
    assert {p.quantity for p in result.psu} == {1000}


def test_pilkada_uses_its_own_reserve_and_one_kotak_per_contest() -> None:
    """Pilkada 2024: 2.5% reserve (250 -> 257, rounded up), 2 contests -> 2 kotak, 2,000 PSU."""
    result = compute(tps(RIAU), load_norm("pilkada-2024").norm)
    assert quantity(result, "surat_suara", "gubernur") == [257]
    assert quantity(result, "kotak") == [2]
    assert {p.quantity for p in result.psu} == {2000}
