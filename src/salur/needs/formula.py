"""The needs formula: DPT per TPS and a norm in, quantities per TPS per line out. Pure numpy.

Ballot arithmetic is done in integers (the reserve percentage as an exact fraction), because a
float 250 * 1.02 is 255.00000000000003 and would round up to 256.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pandas as pd

from salur.norms.schema import District, Norm

NATIONAL = "ID"

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class TpsInput:
    """Per-TPS columns the formula reads (equal lengths). Missing dapil codes are ''."""

    dpt: IntArray
    province: StrArray
    regency: StrArray
    dapil_dpr_ri: StrArray
    dapil_dprd_prov: StrArray
    dapil_dprd_kab: StrArray

    def __len__(self) -> int:
        return len(self.dpt)

    def district(self, kind: District) -> StrArray:
        """The code deciding a ballot's content at each TPS, for one kind of district."""
        if kind == "national":
            return np.full(len(self), NATIONAL, dtype=object)
        columns: dict[str, StrArray] = {
            "province": self.province,
            "regency": self.regency,
            "dpr_ri": self.dapil_dpr_ri,
            "dprd_prov": self.dapil_dprd_prov,
            "dprd_kab": self.dapil_dprd_kab,
        }
        return columns[kind]


@dataclass(frozen=True)
class Line:
    """One column of the result: a ballot type or a kit item."""

    code: str  # item code, or "surat_suara" for ballots
    ballot_type: str | None
    weight_g: float
    volume_cm3: float  # counted in the kit volume only when not inside a kotak
    inside_kotak: bool


@dataclass(frozen=True)
class PsuReserve:
    """PSU ballots of one type for one district, and the region that holds them."""

    ballot_type: str
    district: str
    holder: str  # regency, province or '' (national) code: the smallest region holding it all
    quantity: int


@dataclass(frozen=True)
class Needs:
    """Quantities per TPS (rows) per line (columns), plus districts, kit totals and PSU reserves."""

    lines: list[Line]
    quantity: IntArray  # shape (n_tps, n_lines)
    districts: dict[str, StrArray]  # ballot type -> district code per TPS
    psu: list[PsuReserve]

    @property
    def kit_weight_g(self) -> npt.NDArray[np.float64]:
        weights = np.array([line.weight_g for line in self.lines], dtype=np.float64)
        result: npt.NDArray[np.float64] = self.quantity @ weights
        return result

    @property
    def kit_volume_cm3(self) -> npt.NDArray[np.float64]:
        volumes = np.array([0.0 if ln.inside_kotak else ln.volume_cm3 for ln in self.lines])
        result: npt.NDArray[np.float64] = self.quantity @ volumes
        return result


def ballots_per_tps(dpt: IntArray, reserve_percent: Fraction, rounding: str) -> IntArray:
    """DPT plus the reserve, rounded per TPS as the norm says (250 at 2%, ceil -> 255)."""
    share = reserve_percent / 100
    p, q = share.numerator, share.denominator
    if rounding == "ceil":
        reserve = (dpt * p + q - 1) // q
    elif rounding == "half_up":
        reserve = (2 * dpt * p + q) // (2 * q)
    else:
        reserve = (dpt * p) // q
    return dpt + reserve


# Where each dapil lies beyond the TPS at hand: level -> dapil code -> (lowest, highest regency).
DistrictSpans = dict[str, dict[str, tuple[str, str]]]


def compute(
    tps: TpsInput, norm: Norm, spans: DistrictSpans | None = None, region: str | None = None
) -> Needs:
    """Apply `norm` to every TPS at once.

    `spans` tells where each dapil lies in the whole store, so that a PSU reserve is held by the
    right region even when only part of its dapil is being computed; with `region`, reserves held
    outside it are left out (a regency's run does not list its province's DPD reserve).
    """
    n = len(tps)
    reserve = Fraction(str(norm.ballots.reserve_percent))
    ballots = ballots_per_tps(tps.dpt.astype(np.int64), reserve, norm.ballots.rounding)
    lines: list[Line] = []
    columns: list[IntArray] = []
    districts: dict[str, StrArray] = {}
    per_type: dict[str, IntArray] = {}
    for bt in norm.ballot_types:
        excluded = np.isin(tps.province, bt.excluded_provinces)
        quantity = np.where(excluded, 0, ballots).astype(np.int64)
        per_type[bt.code] = quantity
        districts[bt.code] = tps.district(bt.district)
        lines.append(Line("surat_suara", bt.code, float(bt.weight_g), 0.0, True))
        columns.append(quantity)
    types_present = np.sum([q > 0 for q in per_type.values()], axis=0).astype(np.int64)
    for item in norm.items:
        quantity = np.full(n, item.per_tps, dtype=np.int64)
        for province, count in item.province_per_tps.items():
            quantity[tps.province == province] = count
        quantity += item.per_ballot_type * types_present
        for code, per_unit in item.ballots_per_unit.items():
            quantity += -(-per_type[code] // per_unit)
        lines.append(
            Line(item.code, None, float(item.weight_g), float(item.volume_cm3), item.inside_kotak)
        )
        columns.append(quantity)
    matrix = np.column_stack(columns) if columns else np.zeros((n, 0), dtype=np.int64)
    return Needs(lines, matrix, districts, _psu(tps, norm, per_type, spans or {}, region))


def _psu(
    tps: TpsInput,
    norm: Norm,
    per_type: dict[str, IntArray],
    spans: DistrictSpans,
    region: str | None,
) -> list[PsuReserve]:
    """One PSU reserve per ballot type per district that has TPS with that ballot, held by the
    smallest region covering the whole district; only reserves held within `region` are kept."""
    out: list[PsuReserve] = []
    for bt in norm.ballot_types:
        used = per_type[bt.code] > 0
        if not used.any() or norm.ballots.psu_reserve == 0:
            continue
        frame = pd.DataFrame(
            {"district": tps.district(bt.psu_scope)[used], "regency": tps.regency[used]}
        )
        local = frame.groupby("district", sort=True)["regency"].agg(["min", "max"])
        for district, lo, hi in local.itertuples():
            holder = _holder(bt.psu_scope, str(district), spans.get(bt.psu_scope, {}), lo, hi)
            if region is None or _within(holder, region):
                out.append(PsuReserve(bt.code, str(district), holder, norm.ballots.psu_reserve))
    return out


def _holder(
    scope: District, district: str, spans: dict[str, tuple[str, str]], lo: str, hi: str
) -> str:
    """The region that holds a district's reserve: the region itself for region scopes, else the
    smallest region (regency, province, or '' for the country) containing the whole dapil."""
    if scope in ("province", "regency"):
        return district
    if scope == "national":
        return ""
    lo, hi = spans.get(district, (lo, hi))
    return lo if lo == hi else (lo[:2] if lo[:2] == hi[:2] else "")


def _within(code: str, region: str) -> bool:
    return region == "" or code == region or code.startswith(region + ".")
