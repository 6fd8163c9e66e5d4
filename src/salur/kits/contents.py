"""What goes into which package of a TPS kit: the kotak split rule, as one pure function.

The rule (documented in docs and tested): there is one kotak per ballot type the TPS receives,
in the norm's order, which is the order KPPS open them (PPWP, DPR, DPD, DPRD Prov, DPRD Kab).
Each kotak carries its ballots, the items the norm counts per ballot type (its result-form set)
and the sampul its ballots fill; whatever else the norm puts inside a kotak per TPS (tinta,
seals, DPT copies, braille template) goes into the first kotak, PPWP, opened first on voting
day. Bilik travel as one bundle; every other item outside a kotak makes up the support set.
So the packages of a TPS always add up to exactly its needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from salur.kits.ids import BILIK, KOTAK, SUPPORT
from salur.norms.schema import Norm
from salur.stock.movements import BALLOT_ITEM, StockKey

KOTAK_ITEM = "kotak"
BILIK_ITEM = "bilik"


class KitRuleError(ValueError):
    """The needs of a TPS cannot be split into packages (needs and norm disagree)."""


@dataclass(frozen=True)
class PackagePlan:
    """One package of a kit: its kind, ballot type and dapil (kotak only), count and manifest."""

    kind: str
    ballot_type: str
    dapil: str
    count: int  # what the label shows: ballots in a kotak, bilik in the bundle, 1 support set
    lines: tuple[tuple[StockKey, int], ...]


def plan_kit(
    need: Mapping[tuple[str, str], int], dapil: Mapping[str, str], norm: Norm
) -> list[PackagePlan]:
    """Packages of one TPS from its needs, keyed (item, ballot type or '') as the needs lines.

    `dapil` gives the TPS's district for each ballot type.
    """
    types = [bt.code for bt in norm.ballot_types if need.get((BALLOT_ITEM, bt.code), 0) > 0]
    if need.get((KOTAK_ITEM, ""), 0) != len(types):
        raise KitRuleError(f"{need.get((KOTAK_ITEM, ''), 0)} kotak for {len(types)} ballot types")
    inside = [item for item in norm.items if item.inside_kotak]
    kotak_lines: dict[str, list[tuple[StockKey, int]]] = {}
    for code in types:
        ballots = need[(BALLOT_ITEM, code)]
        lines = [(StockKey(KOTAK_ITEM), 1), (StockKey(BALLOT_ITEM, code, dapil[code]), ballots)]
        for item in inside:
            per_unit = item.ballots_per_unit.get(code)
            share = item.per_ballot_type + (-(-ballots // per_unit) if per_unit else 0)
            lines.append((StockKey(item.code), share))
        kotak_lines[code] = lines
    for item in inside:
        assigned = sum(q for lines in kotak_lines.values() for k, q in lines if k.item == item.code)
        rest = need.get((item.code, ""), 0) - assigned
        if rest < 0 or (rest and not types):
            raise KitRuleError(f"{item.code}: {assigned} by the rule, TPS needs {rest + assigned}")
        if rest:
            kotak_lines[types[0]].append((StockKey(item.code), rest))
    packages = [
        PackagePlan(KOTAK, code, dapil[code], need[(BALLOT_ITEM, code)], _nonzero(lines))
        for code, lines in kotak_lines.items()
    ]
    bilik = need.get((BILIK_ITEM, ""), 0)
    if bilik:
        packages.append(PackagePlan(BILIK, "", "", bilik, ((StockKey(BILIK_ITEM), bilik),)))
    support = tuple(
        (StockKey(item.code), need.get((item.code, ""), 0))
        for item in norm.items
        if not item.inside_kotak and item.code not in (KOTAK_ITEM, BILIK_ITEM)
    )
    if any(q for _, q in support):
        packages.append(PackagePlan(SUPPORT, "", "", 1, _nonzero(support)))
    return packages


def _nonzero(
    lines: list[tuple[StockKey, int]] | tuple[tuple[StockKey, int], ...],
) -> tuple[tuple[StockKey, int], ...]:
    return tuple((key, q) for key, q in lines if q > 0)
