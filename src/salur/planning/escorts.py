"""Police escorts: how many officers a convoy or a PPS round needs, and the Polres roster.

Escort size follows the riskiest leg of a tour (road, ro-ro, boat), its length and the
vulnerability level of the TPS whose kits it carries; every figure is data (`escorts.toml`,
`polres_roster.csv`, `tps_vulnerability.csv`) for a Polres to set.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salur.csvrows import read_rows
from salur.errors import InputError

LEVELS = ("kurang_rawan", "rawan", "sangat_rawan")


class _Risk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    road: int = Field(ge=0)
    ferry: int = Field(ge=0)
    water: int = Field(ge=0)
    long_tour_hours: float = Field(gt=0)
    long_tour_extra: int = Field(ge=0)


class _Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_per_vehicle: int = Field(ge=1)
    default_level: str


class _EscortFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    route_risk: _Risk
    vulnerability_extra: dict[str, float]
    tps_guard: dict[str, float]
    limits: _Limits


@dataclass(frozen=True, slots=True)
class EscortRules:
    """Officers per vehicle by leg kind, extras per kit by vulnerability, guards per TPS."""

    per_kind: dict[str, int]
    long_tour_s: int
    long_tour_extra: int
    vulnerability_extra: dict[str, float]
    tps_guard: dict[str, float]
    max_per_vehicle: int
    default_level: str

    def for_tour(self, kinds: Iterable[str], duration_s: float, levels: Iterable[str]) -> int:
        """Officers escorting one vehicle's tour (legs of ``kinds``, kits of ``levels``)."""
        base = max((self.per_kind[k] for k in kinds), default=self.per_kind["road"])
        if duration_s > self.long_tour_s:
            base += self.long_tour_extra
        extra = sum(self.vulnerability_extra.get(level, 0.0) for level in levels)
        return min(self.max_per_vehicle, base + math.ceil(round(extra, 9)))

    def guards(self, levels: Iterable[str]) -> int:
        """Officers going with a PPS round: the guards of its TPS, at least one."""
        need = sum(self.tps_guard.get(level, 0.0) for level in levels)
        return max(1, math.ceil(round(need, 9)))


@dataclass(frozen=True, slots=True)
class PolresRoster:
    """Officers one Polres can give a day: convoy escorts, and TPS guards (PPS rounds)."""

    regency: str
    polres: str
    escort_per_day: int
    tps_guards: int


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """Levels by TPS code, or by desa/kecamatan/regency code for a whole area."""

    levels: dict[str, str]
    default: str

    def level(self, tps: str, village: str) -> str:
        for code in (tps, village, village.rsplit(".", 1)[0], village[:5]):
            if code in self.levels:
                return self.levels[code]
        return self.default


def load_escort_rules(path: Path) -> EscortRules:
    try:
        parsed = _EscortFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("plan.bad_data_file", file=path, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "plan.bad_data_file", file=path, field=field, reason=first["msg"]
        ) from None
    for table in ("vulnerability_extra", "tps_guard"):
        unknown = set(getattr(parsed, table)) - set(LEVELS)
        if unknown:
            raise InputError(
                "plan.bad_data_file",
                file=path,
                field=table,
                reason=f"unknown levels {sorted(unknown)}; use {', '.join(LEVELS)}",
            )
    if parsed.limits.default_level not in LEVELS:
        raise InputError(
            "plan.bad_data_file",
            file=path,
            field="limits.default_level",
            reason=f"use one of {', '.join(LEVELS)}",
        )
    risk = parsed.route_risk
    return EscortRules(
        per_kind={"road": risk.road, "roro": risk.ferry, "boat": risk.water},
        long_tour_s=round(risk.long_tour_hours * 3600),
        long_tour_extra=risk.long_tour_extra,
        vulnerability_extra=parsed.vulnerability_extra,
        tps_guard=parsed.tps_guard,
        max_per_vehicle=parsed.limits.max_per_vehicle,
        default_level=parsed.limits.default_level,
    )


def load_roster(path: Path) -> dict[str, PolresRoster]:
    out = {}
    for row in read_rows(
        path, ["regency_code", "polres", "escort_officers_per_day", "tps_guard_officers"]
    ):
        regency = row.text("regency_code")
        out[regency] = PolresRoster(
            regency,
            row.text("polres"),
            row.count("escort_officers_per_day"),
            row.count("tps_guard_officers"),
        )
    return out


def load_vulnerability(path: Path, default: str) -> Vulnerability:
    levels = {}
    for row in read_rows(path, ["code", "level"]):
        level = row.text("level")
        if level not in LEVELS:
            raise row.fail("level", "input.unknown_value", allowed=", ".join(LEVELS))
        levels[row.text("code")] = level
    return Vulnerability(levels, default)
