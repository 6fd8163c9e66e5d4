"""The warehouse papers of a simulated season, written as the CSV files an office would key in:
the printer's delivery notes (BTTB), sortir-lipat results, claims and the replacements.

Quantities start from the regency's needs (TPS kits plus PSU reserve) and depart from them only
where the scenario says: a short delivery, and damaged sheets found at sortir-lipat at the
scenario's rate. Both are claimed and replaced, so packing can find full stock. Pure: the caller
records the files through `stock.service`, exactly as an office would.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from salur.season.scenario import Scenario
from salur.stock.movements import BALLOT_ITEM, StockKey

RECEIPT_COLUMNS = ["regency", "supplier", "note_number", "date", "item", "dapil", "quantity"]
SORTIR_COLUMNS = ["regency", "reference", "date", "item", "dapil", "good", "damaged"]
CLAIM_COLUMNS = [
    "regency", "supplier", "claim_number", "date", "reason", "item", "dapil", "quantity",
]  # fmt: skip
REPLACEMENT_COLUMNS = [
    "regency", "supplier", "note_number", "date", "claim_number", "item", "dapil", "quantity",
]  # fmt: skip


@dataclass(frozen=True)
class Papers:
    """The four files, in the order they are recorded, and what they add up to."""

    receipts: Path
    sortir: Path
    claims: Path
    replacements: Path
    short: int  # ballots not delivered
    damaged: int  # ballots found damaged at sortir-lipat


def write_papers(
    folder: Path,
    demand: Mapping[str, Mapping[StockKey, int]],
    scenario: Scenario,
    rng: np.random.Generator,
) -> Papers:
    """Write the papers of every regency in `demand` (regency -> stock key -> quantity)."""
    folder.mkdir(parents=True, exist_ok=True)
    receipts: list[list[object]] = []
    sortir: list[list[object]] = []
    claims: list[list[object]] = []
    replacements: list[list[object]] = []
    short_total = damaged_total = 0
    for regency in sorted(demand):
        wanted = demand[regency]
        shorts = _shorts(regency, wanted, scenario)
        note = f"BTTB-{regency.replace('.', '')}-001"
        for key, quantity in sorted(wanted.items(), key=lambda kv: _order(kv[0])):
            delivered = quantity - shorts.get(key, 0)
            receipts.append([regency, scenario.printer, note, scenario.delivered, *_item(key)])
            receipts[-1].append(delivered)
            if key.item != BALLOT_ITEM:
                continue
            damaged = int(rng.binomial(delivered, scenario.stock.damaged_per_mille / 1000))
            sortir.append(
                [regency, f"SL-{regency}", scenario.sortir, *_item(key), delivered - damaged]
            )
            sortir[-1].append(damaged)
            damaged_total += damaged
            for reason, missing in (("short", shorts.get(key, 0)), ("damaged", damaged)):
                if missing == 0:
                    continue
                claim = f"KL-{regency.replace('.', '')}-{reason}"
                claims.append(
                    [regency, scenario.printer, claim, scenario.sortir, reason, *_item(key)]
                )
                claims[-1].append(missing)
                replacements.append(
                    [regency, scenario.printer, f"BTTB-{claim}", scenario.replaced, claim]
                )
                replacements[-1] += [*_item(key), missing]
        short_total += sum(shorts.values())
    return Papers(
        _write(folder / "bttb.csv", RECEIPT_COLUMNS, receipts),
        _write(folder / "sortir-lipat.csv", SORTIR_COLUMNS, sortir),
        _write(folder / "claims.csv", CLAIM_COLUMNS, claims),
        _write(folder / "replacements.csv", REPLACEMENT_COLUMNS, replacements),
        short_total,
        damaged_total,
    )


def _shorts(
    regency: str, wanted: Mapping[StockKey, int], scenario: Scenario
) -> dict[StockKey, int]:
    """The scenario's short deliveries at this regency, each on the ballot type's first dapil."""
    out: dict[StockKey, int] = {}
    for short in scenario.shorts_in(regency):
        if short.regency != regency:
            continue
        keys = sorted(
            k for k in wanted if k.item == BALLOT_ITEM and k.ballot_type == short.ballot_type
        )
        if keys:
            out[keys[0]] = min(short.quantity, wanted[keys[0]])
    return out


def _order(key: StockKey) -> tuple[bool, str, str, str]:
    return (key.item != BALLOT_ITEM, key.item, key.ballot_type, key.dapil)


def _item(key: StockKey) -> list[object]:
    return [key.ballot_type, key.dapil] if key.item == BALLOT_ITEM else [key.item, ""]


def _write(path: Path, header: list[str], rows: Iterable[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return path
