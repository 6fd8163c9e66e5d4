"""Roll-ups of per-TPS needs to PPS (desa), PPK (kecamatan), regency and province, in pandas.

One row per (region, item, ballot type, dapil) with quantity, weight (kg) and volume (m3), and
the share of the region's TPS whose DPT is estimated, so no export hides that it rests on an
estimate. Volume is space on a vehicle: items packed inside a kotak (ballots, ink, forms) count 0.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from salur.needs.service import NeedsResult
from salur.voters.service import ESTIMATED

Level = Literal["tps", "pps", "ppk", "regency", "province"]
LEVEL_COLUMN: dict[str, str] = {
    "tps": "tps",
    "pps": "village",
    "ppk": "district",
    "regency": "regency",
    "province": "province",
}
COLUMNS = [
    "region",
    "item",
    "ballot_type",
    "dapil",
    "quantity",
    "weight_kg",
    "volume_m3",
    "dpt_estimated_pct",
]


def rollup(result: NeedsResult, level: Level) -> pd.DataFrame:
    """Needs of every region of `level` inside the result's region, PSU reserves included."""
    key = result.tps[LEVEL_COLUMN[level]].to_numpy()
    parts = []
    for i, line in enumerate(result.needs.lines):
        quantity = result.needs.quantity[:, i]
        frame = pd.DataFrame({"region": key, "quantity": quantity})
        if line.ballot_type is not None:
            frame["dapil"] = result.needs.districts[line.ballot_type]
            grouped = frame.groupby(["region", "dapil"], sort=False)["quantity"].sum().reset_index()
        else:
            grouped = frame.groupby("region", sort=False)["quantity"].sum().reset_index()
            grouped["dapil"] = ""
        grouped = grouped[grouped["quantity"] > 0]
        grouped["item"] = line.code
        grouped["ballot_type"] = line.ballot_type or ""
        grouped["weight_kg"] = grouped["quantity"] * line.weight_g / 1000
        volume = 0.0 if line.inside_kotak else line.volume_cm3
        grouped["volume_m3"] = grouped["quantity"] * volume / 1e6
        grouped["_order"] = i
        parts.append(grouped)
    parts.append(_psu_rows(result, level))
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["region", "_order", "dapil"], kind="stable").drop(columns="_order")
    estimated = pd.Series(result.tps["dpt_source"].to_numpy() == ESTIMATED, index=key)
    share = (100 * estimated.groupby(level=0).mean()).round(1)
    out["dpt_estimated_pct"] = out["region"].map(share).fillna(share.mean() if len(share) else 0)
    return out[COLUMNS].reset_index(drop=True)


def _psu_rows(result: NeedsResult, level: Level) -> pd.DataFrame:
    """PSU reserves appear at the regency or province that holds them, never at TPS/PPS/PPK."""
    weights = {ln.ballot_type: ln.weight_g for ln in result.needs.lines if ln.ballot_type}
    depth = {"regency": 2, "province": 1}.get(level)
    rows = []
    for p in result.needs.psu:
        if depth is None or not p.holder or len(p.holder.split(".")) < depth:
            continue
        region = ".".join(p.holder.split(".")[:depth])
        rows.append(
            {
                "region": region,
                "item": "surat_suara_psu",
                "ballot_type": p.ballot_type,
                "dapil": p.district,
                "quantity": p.quantity,
                "weight_kg": p.quantity * weights[p.ballot_type] / 1000,
                "volume_m3": 0.0,
                "_order": len(result.needs.lines),
            }
        )
    return pd.DataFrame(rows, columns=[*COLUMNS, "_order"])


def item_totals(result: NeedsResult) -> pd.DataFrame:
    """Totals per line over the whole region (one row per item / ballot type)."""
    totals = result.needs.quantity.sum(axis=0)
    return pd.DataFrame(
        {
            "item": [ln.code for ln in result.needs.lines],
            "ballot_type": [ln.ballot_type or "" for ln in result.needs.lines],
            "quantity": totals.astype(np.int64),
            "weight_kg": [
                t * ln.weight_g / 1000 for t, ln in zip(totals, result.needs.lines, strict=True)
            ],
        }
    )
