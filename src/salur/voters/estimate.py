"""The DPT estimate for TPS without an official figure: pure arithmetic, no database.

Method (stated in every report that uses it):
1. weight of a TPS = mean DPT per reported TPS of its desa in Sirekap (C.Hasil PPWP forms), when
   the desa has usable reports; else the same mean over its regency; else 1;
2. each TPS scales to the most specific official total that covers it (regency, else province,
   else the national domestic total): the total, less the official TPS figures and the totals of
   smaller covered regions inside it, is shared in proportion to the weights;
3. shares are made whole numbers by the largest-remainder method, so every scope sums exactly to
   its official total.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salur.errors import ConflictError

NO_DPT = -1


@dataclass(frozen=True)
class TpsColumns:
    """Column arrays, one entry per TPS (all the same length)."""

    regency: npt.NDArray[np.str_]
    province: npt.NDArray[np.str_]
    official: npt.NDArray[np.int64]  # NO_DPT where no official figure
    weight: npt.NDArray[np.float64]


def allocate(weights: npt.NDArray[np.float64], target: int) -> npt.NDArray[np.int64]:
    """Whole numbers in proportion to `weights` that sum exactly to `target`.

    Largest-remainder (Hamilton) rounding; ties go to the earlier position, so the result is
    deterministic for a given order.
    """
    if target < 0:
        raise ValueError("target must be >= 0")
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    total = float(weights.sum())
    shares = weights * (target / total) if total > 0 else np.full(n, target / n)
    floors = np.floor(shares).astype(np.int64)
    short = target - int(floors.sum())
    if short > 0:
        order = np.argsort(-(shares - floors), kind="stable")
        floors[order[:short]] += 1
    return floors


def _split(pair: str) -> tuple[str, str]:
    regency, _, province = pair.partition("|")
    return regency, province


def _chain_scopes(regency: str, province: str, totals: Mapping[str, int]) -> list[str]:
    """The regions covering a TPS that have an official total, most specific first."""
    return [code for code in (regency, province, "") if code in totals]


def estimate(columns: TpsColumns, totals: Mapping[str, int]) -> npt.NDArray[np.int64]:
    """DPT per TPS: official where given, else the estimate; NO_DPT where no total covers it."""
    pairs, pair_of_tps = np.unique(
        np.char.add(np.char.add(columns.regency, "|"), columns.province), return_inverse=True
    )
    chains = [_chain_scopes(*_split(str(pair)), totals) for pair in pairs]
    scope_names = sorted({chain[0] for chain in chains if chain})
    index = {name: i for i, name in enumerate(scope_names)}
    scope_of_pair = np.array([index[chain[0]] if chain else -1 for chain in chains], dtype=np.int64)
    scope_of_tps = scope_of_pair[pair_of_tps] if len(pairs) else np.zeros(0, dtype=np.int64)
    # A scope's inner scopes: those whose next covering total up the chain is that scope.
    inner: dict[str, set[str]] = {}
    for chain in chains:
        for child, parent in itertools.pairwise(chain):
            inner.setdefault(parent, set()).add(child)
    result = columns.official.copy()
    order = np.argsort(scope_of_tps, kind="stable")
    bounds = np.searchsorted(scope_of_tps[order], np.arange(len(scope_names) + 1))
    for i, scope in enumerate(scope_names):
        members = order[bounds[i] : bounds[i + 1]]
        official = columns.official[members]
        open_tps = members[official == NO_DPT]
        if len(open_tps) == 0:
            continue
        target = totals[scope] - int(official[official != NO_DPT].sum())
        target -= sum(totals[child] for child in inner.get(scope, ()))
        if target < 0:
            raise ConflictError(
                "dpt.official_exceeds_total", region=scope or "ID", total=totals[scope]
            )
        result[open_tps] = allocate(columns.weight[open_tps], target)
    return result


def sirekap_weights(
    village_of_tps: npt.NDArray[np.int64],
    regency_of_village: npt.NDArray[np.int64],
    dpt_reported: npt.NDArray[np.float64],
    tps_reported: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """Weight per TPS: its desa's mean DPT per reported TPS, else its regency's, else 1.

    Village arrays are indexed by village position; `usable` excludes flagged desa (a zero sum, or
    a mean above the legal maximum) and desa without reports.
    """
    n_regencies = int(regency_of_village.max()) + 1 if len(regency_of_village) else 0
    dpt = np.where(usable, dpt_reported, 0.0)
    tps = np.where(usable, tps_reported, 0.0)
    reg_dpt = np.bincount(regency_of_village, weights=dpt, minlength=n_regencies)
    reg_tps = np.bincount(regency_of_village, weights=tps, minlength=n_regencies)
    reg_mean = np.divide(reg_dpt, reg_tps, out=np.ones(n_regencies), where=reg_tps > 0)
    village_mean = np.divide(dpt, tps, out=reg_mean[regency_of_village].copy(), where=tps > 0)
    result: npt.NDArray[np.float64] = village_mean[village_of_tps]
    return result
