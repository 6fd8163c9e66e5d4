"""The kotak split rule: what each package of a TPS kit carries, always adding up to its needs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salur.kits.contents import KitRuleError, PackagePlan, plan_kit
from salur.kits.ids import BILIK, KOTAK, SUPPORT
from salur.needs.formula import TpsInput, compute
from salur.norms.loader import load_norm
from salur.norms.schema import Norm
from salur.stock.movements import BALLOT_ITEM, StockKey

PEMILU = load_norm("pemilu-2024").norm
PILKADA = load_norm("pilkada-2024").norm
DAPIL = {"ppwp": "ID", "dpr": "1401", "dpd": "14", "dprd_prov": "140005", "dprd_kab": "141001"}


def tps_needs(norm: Norm, dpt: int, province: str = "14") -> dict[tuple[str, str], int]:
    """One TPS's needs, straight from the needs formula."""
    one = np.array([province], dtype=object)
    inputs = TpsInput(
        dpt=np.array([dpt], dtype=np.int64),
        province=one,
        regency=np.array([province + ".10"], dtype=object),
        dapil_dpr_ri=np.array(["1401"], dtype=object),
        dapil_dprd_prov=np.array(["140005"], dtype=object),
        dapil_dprd_kab=np.array(["141001"], dtype=object),
    )
    needs = compute(inputs, norm)
    return {
        (line.code, line.ballot_type or ""): int(needs.quantity[0, i])
        for i, line in enumerate(needs.lines)
    }


def manifest(package: PackagePlan) -> dict[StockKey, int]:
    return dict(package.lines)


def totals(packages: list[PackagePlan]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for package in packages:
        for key, quantity in package.lines:
            out[(key.item, key.ballot_type)] = out.get((key.item, key.ballot_type), 0) + quantity
    return out


def test_a_pemilu_kit_is_five_kotak_in_opening_order_then_bilik_and_support() -> None:
    """PPWP, DPR, DPD, DPRD Prov, DPRD Kab (the order KPPS open them), a bilik bundle, a set."""
    packages = plan_kit(tps_needs(PEMILU, 250), DAPIL, PEMILU)
    assert [(p.kind, p.ballot_type) for p in packages] == [
        (KOTAK, "ppwp"),
        (KOTAK, "dpr"),
        (KOTAK, "dpd"),
        (KOTAK, "dprd_prov"),
        (KOTAK, "dprd_kab"),
        (BILIK, ""),
        (SUPPORT, ""),
    ]
    assert [p.count for p in packages] == [255, 255, 255, 255, 255, 4, 1]


def test_each_kotak_carries_its_ballots_form_set_and_sampul() -> None:
    """The DPR kotak: 1 kotak, 255 DPR ballots of its dapil, 1 form set, ceil(255/75) = 4 sampul."""
    dpr = plan_kit(tps_needs(PEMILU, 250), DAPIL, PEMILU)[1]
    assert manifest(dpr) == {
        StockKey("kotak"): 1,
        StockKey(BALLOT_ITEM, "dpr", "1401"): 255,
        StockKey("formulir"): 1,
        StockKey("sampul"): 4,
    }


def test_the_ppwp_kotak_also_carries_ink_seals_dpt_copies_and_braille() -> None:
    """Items the norm counts per TPS inside a kotak go in the first kotak opened, PPWP."""
    ppwp = manifest(plan_kit(tps_needs(PEMILU, 250), DAPIL, PEMILU)[0])
    assert ppwp[StockKey("sampul")] == 3  # ceil(255 / 100)
    for item, count in (("tinta", 2), ("segel", 10), ("salinan_dpt", 1), ("template_braille", 1)):
        assert ppwp[StockKey(item)] == count


def test_bilik_and_support_packages_hold_only_their_items() -> None:
    """The bundle holds 4 bilik; the support set holds the one perlengkapan set."""
    packages = plan_kit(tps_needs(PEMILU, 250), DAPIL, PEMILU)
    assert manifest(packages[5]) == {StockKey("bilik"): 4}
    assert manifest(packages[6]) == {StockKey("perlengkapan"): 1}


def test_jakarta_kits_have_four_kotak_without_dprd_kab() -> None:
    """DKI Jakarta has no DPRD kab/kota: 4 kotak, and the kit still adds up to the needs."""
    need = tps_needs(PEMILU, 280, province="31")
    packages = plan_kit(need, DAPIL, PEMILU)
    assert [p.ballot_type for p in packages if p.kind == KOTAK] == [
        "ppwp",
        "dpr",
        "dpd",
        "dprd_prov",
    ]
    assert totals(packages) == {k: v for k, v in need.items() if v}


@settings(max_examples=40)
@given(dpt=st.integers(1, 600), province=st.sampled_from(["14", "31"]))
def test_the_packages_always_add_up_to_exactly_the_tps_needs(dpt: int, province: str) -> None:
    """For any DPT, summing every package's manifest gives the formula's needs, line by line."""
    for norm in (PEMILU, PILKADA):
        need = tps_needs(norm, dpt, province)
        dapil = {bt.code: "X" for bt in norm.ballot_types}
        assert totals(plan_kit(need, dapil, norm)) == {k: v for k, v in need.items() if v}


def test_needs_that_do_not_fit_the_rule_are_refused() -> None:
    """Fewer form sets than kotak (a needs run from another norm) is an error, not a guess."""
    need = tps_needs(PEMILU, 250)
    need[("formulir", "")] = 3
    with pytest.raises(KitRuleError):
        plan_kit(need, DAPIL, PEMILU)
    need = tps_needs(PEMILU, 250)
    need[("kotak", "")] = 4
    with pytest.raises(KitRuleError):
        plan_kit(need, DAPIL, PEMILU)
