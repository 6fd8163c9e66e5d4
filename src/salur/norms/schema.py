"""The shape of a norm file, checked on load so a broken file is refused with a precise error.

A norm file says, for one election type, which ballot types a TPS gets and by which electoral
district (dapil) they differ, the reserve on top of the DPT and its rounding, the PSU reserve, and
every other item of a TPS kit with its weight and volume. Figures that DOMAIN.md marks
"to confirm" carry `to_confirm = true` so reports can show them as assumptions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Which code of a TPS decides the content of a ballot type: its dapil of a level, or a region.
District = Literal["national", "province", "regency", "dpr_ri", "dprd_prov", "dprd_kab"]
Rounding = Literal["ceil", "half_up", "floor"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(Strict):
    id: str = Field(min_length=1)
    en: str = Field(min_length=1)


class BallotType(Strict):
    """One kind of surat suara (PPWP, DPR, ...)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    colour: Names | None = None
    district: District
    psu_scope: District = Field(
        description="where the PSU reserve of this type is counted: per dapil, or per region"
    )
    excluded_provinces: list[str] = Field(default_factory=list)
    weight_g: Decimal = Field(ge=0)
    to_confirm: bool = False


class Item(Strict):
    """A non-ballot item of a TPS kit: quantity = per_tps (+ per_ballot_type x ballot types)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    per_tps: int = Field(default=0, ge=0)
    per_ballot_type: int = Field(default=0, ge=0)
    province_per_tps: dict[str, int] = Field(default_factory=dict)
    weight_g: Decimal = Field(ge=0)
    volume_cm3: Decimal = Field(ge=0)
    ballots_per_unit: dict[str, int] = Field(
        default_factory=dict,
        description="ballot type -> ballots one unit holds (sampul): adds ceil(ballots / n) units",
    )
    inside_kotak: bool = False
    to_confirm: bool = False

    @model_validator(mode="after")
    def _some_quantity(self) -> Item:
        if any(v <= 0 for v in self.ballots_per_unit.values()):
            raise ValueError("ballots_per_unit values must be > 0")
        if not (
            self.per_tps or self.per_ballot_type or self.province_per_tps or self.ballots_per_unit
        ):
            raise ValueError("an item needs per_tps, per_ballot_type or ballots_per_unit")
        if any(v < 0 for v in self.province_per_tps.values()):
            raise ValueError("province_per_tps values must be >= 0")
        return self


class Ballots(Strict):
    reserve_percent: Decimal = Field(ge=0, le=100)
    rounding: Rounding
    psu_reserve: int = Field(ge=0, description="PSU ballots per district per ballot type")
    rounding_to_confirm: bool = False


class Source(Strict):
    ref: str
    note: str = ""


class Norm(Strict):
    """Everything salur needs to turn a voter list into quantities per TPS."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    kind: Literal["pemilu", "pilkada"]
    voting_day: dt.date
    max_voters_per_tps: int = Field(gt=0)
    ballots: Ballots
    ballot_types: list[BallotType] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_codes(self) -> Norm:
        ballot_codes = {b.code for b in self.ballot_types}
        for item in self.items:
            unknown = sorted(set(item.ballots_per_unit) - ballot_codes)
            if unknown:
                raise ValueError(f"item {item.code}: unknown ballot types {', '.join(unknown)}")
        codes = [b.code for b in self.ballot_types] + [i.code for i in self.items]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate codes: {', '.join(duplicates)}")
        return self
