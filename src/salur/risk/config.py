"""Risk data files: hazard figures, flood-prone TPS, past incidents and fallback carriers.

Like planning data, an office overrides any file by putting one of the same name in its own
folder (`salur risk --data DIR`). Every section of `hazards.toml` and every row of the CSV
files says whether it is reported (with its source) or a labelled assumption; reports list
them next to the figures they produce.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from salur.csvrows import read_rows
from salur.errors import InputError

PACKAGE_DATA = Path(__file__).parent / "data"
FILES = ("hazards.toml", "flood_exposure.csv", "history.csv", "fallback_carriers.csv")
Status = Literal["reported", "assumption"]
CARRIER_KINDS = ("navy", "sar", "police_water", "regional_government", "community")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    basis: str = ""


def _span(value: list[float]) -> list[float]:
    if len(value) != 2 or not 0 <= value[0] <= value[1]:
        raise ValueError("a range is [low, high] with 0 <= low <= high")
    return value


class _Bands(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Status
    source_url: str = ""


class _Rain(_Section):
    heavy_day_probability: dict[str, float]
    road_slowdown: list[float]
    boat_hold_probability: float = Field(ge=0, le=1)
    boat_hold_hours: list[float]
    flood_delay_hours: list[float]
    bands: _Bands

    @model_validator(mode="after")
    def _valid(self) -> _Rain:
        for value in (self.road_slowdown, self.boat_hold_hours, self.flood_delay_hours):
            _span(value)
        if any(not 0 <= p <= 1 for p in self.heavy_day_probability.values()):
            raise ValueError("heavy_day_probability values are probabilities (0-1)")
        unknown = {str(v) for v in (self.bands.model_extra or {}).values()}
        unknown -= set(self.heavy_day_probability)
        if unknown:
            raise ValueError(f"bands name unknown rainfall bands {sorted(unknown)}")
        return self


class _Breakdown(_Section):
    road_per_100km: float = Field(ge=0, le=1)
    road_hours: list[float]
    boat_per_leg: float = Field(ge=0, le=1)
    boat_hours: list[float]


class _Ferry(_Section):
    cancel_probability: float = Field(ge=0, lt=1)


class _Tide(_Section):
    miss_probability: float = Field(ge=0, lt=1)
    aground_probability: float = Field(ge=0, le=1)
    aground_hours: list[float]


class _Loss(_Section):
    road_per_leg: float = Field(ge=0, le=1)
    boat_per_leg: float = Field(ge=0, le=1)
    replacement_prep_hours: float = Field(ge=0)


class _History(_Section):
    multiplier: float = Field(ge=0)


class _Score(_Section):
    weights: dict[str, float]
    water_legs_full: int = Field(gt=0)
    tide_legs_full: int = Field(gt=0)
    distance_km_full: float = Field(gt=0)
    travel_hours_full: float = Field(gt=0)
    slack_hours_scale: float = Field(gt=0)
    vulnerability: dict[str, float]
    history_match: dict[Literal["village", "district", "regency"], float]


class _Recommend(_Section):
    at_risk: float = Field(gt=0, lt=1)
    per_kind: int = Field(ge=0, le=100)
    earlier_days: int = Field(ge=1, le=14)
    reserve_covers_late_ppk: bool = True


class _HazardsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rain: _Rain
    breakdown: _Breakdown
    ferry: _Ferry
    tide: _Tide
    loss: _Loss
    history: _History
    score: _Score
    recommend: _Recommend


CAUSES = ("water", "tide", "distance", "slack", "flood", "vulnerability", "history")
"""The causes of a risk score, in the order reports show them."""


@dataclass(frozen=True, slots=True)
class Span:
    low: float
    high: float


@dataclass(frozen=True)
class Hazards:
    """Probabilities (per leg, per day or per crossing) and delays (hours) of the simulation."""

    heavy_day: dict[str, float]
    """Regency -> chance that a day is a heavy-rain day."""
    road_slowdown: Span
    boat_hold_p: float
    boat_hold_h: Span
    flood_h: Span
    road_breakdown_per_100km: float
    road_breakdown_h: Span
    boat_breakdown_p: float
    boat_breakdown_h: Span
    ferry_cancel_p: float
    tide_miss_p: float
    aground_p: float
    aground_h: Span
    loss_road_p: float
    loss_boat_p: float
    replacement_prep_h: float
    history_multiplier: float

    def rain_p(self, regency: str) -> float:
        return self.heavy_day.get(regency, max(self.heavy_day.values(), default=0.0))


@dataclass(frozen=True)
class ScoreRules:
    weights: dict[str, float]
    water_legs_full: int
    tide_legs_full: int
    distance_km_full: float
    travel_hours_full: float
    slack_hours_scale: float
    vulnerability: dict[str, float]
    history_match: dict[str, float]


@dataclass(frozen=True)
class RecommendRules:
    at_risk: float
    per_kind: int
    earlier_days: int
    reserve_covers_late_ppk: bool


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """A past incident at a place (desa, kecamatan or regency code)."""

    code: str
    kind: str
    election: str
    date: str
    what: str
    status: str
    source_url: str


@dataclass(frozen=True, slots=True)
class FallbackCarrier:
    """Who can take over a water leg when its boat or ferry fails, and how fast."""

    id: str
    name: str
    operator: str
    kind: str
    base_port: str
    regencies: tuple[str, ...]
    activation_h: float
    capacity_kg: float
    status: str
    source_url: str
    note: str

    def serves(self, regency: str) -> bool:
        return "*" in self.regencies or regency in self.regencies


@dataclass(frozen=True)
class Assumption:
    """One labelled figure group, as reports list them."""

    section: str
    status: str
    basis: str
    source: str = ""


@dataclass(frozen=True)
class RiskData:
    hazards: Hazards
    score: ScoreRules
    recommend: RecommendRules
    flood_prone: dict[str, int]
    """Code (regency or kecamatan) -> TPS reported flood-prone."""
    flood_sources: dict[str, str]
    history: tuple[HistoryRecord, ...]
    carriers: tuple[FallbackCarrier, ...]
    assumptions: tuple[Assumption, ...]
    sha256: str
    files: dict[str, Path]


def data_files(folder: Path | None = None) -> dict[str, Path]:
    chosen = {}
    for name in FILES:
        override = folder / name if folder else None
        chosen[name] = override if override and override.is_file() else PACKAGE_DATA / name
    return chosen


def load_risk_data(folder: Path | None = None) -> RiskData:
    """Read and check every risk data file; errors name the file, row and column."""
    files = data_files(folder)
    parsed = _hazards_file(files["hazards.toml"])
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    flood, flood_sources = _flood(files["flood_exposure.csv"])
    return RiskData(
        hazards=_hazards(parsed),
        score=ScoreRules(**parsed.score.model_dump(exclude={"status", "basis"})),
        recommend=RecommendRules(**parsed.recommend.model_dump(exclude={"status", "basis"})),
        flood_prone=flood,
        flood_sources=flood_sources,
        history=_history(files["history.csv"]),
        carriers=_carriers(files["fallback_carriers.csv"]),
        assumptions=_assumptions(parsed),
        sha256=digest.hexdigest(),
        files=files,
    )


def _hazards_file(path: Path) -> _HazardsFile:
    try:
        return _HazardsFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("risk.bad_data_file", file=path, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "risk.bad_data_file", file=path, field=field, reason=first["msg"]
        ) from None


def _hazards(parsed: _HazardsFile) -> Hazards:
    rain, bands = parsed.rain, parsed.rain.bands.model_extra or {}
    return Hazards(
        heavy_day={code: rain.heavy_day_probability[str(band)] for code, band in bands.items()},
        road_slowdown=Span(*rain.road_slowdown),
        boat_hold_p=rain.boat_hold_probability,
        boat_hold_h=Span(*rain.boat_hold_hours),
        flood_h=Span(*rain.flood_delay_hours),
        road_breakdown_per_100km=parsed.breakdown.road_per_100km,
        road_breakdown_h=Span(*_span(parsed.breakdown.road_hours)),
        boat_breakdown_p=parsed.breakdown.boat_per_leg,
        boat_breakdown_h=Span(*_span(parsed.breakdown.boat_hours)),
        ferry_cancel_p=parsed.ferry.cancel_probability,
        tide_miss_p=parsed.tide.miss_probability,
        aground_p=parsed.tide.aground_probability,
        aground_h=Span(*_span(parsed.tide.aground_hours)),
        loss_road_p=parsed.loss.road_per_leg,
        loss_boat_p=parsed.loss.boat_per_leg,
        replacement_prep_h=parsed.loss.replacement_prep_hours,
        history_multiplier=parsed.history.multiplier,
    )


def _assumptions(parsed: _HazardsFile) -> tuple[Assumption, ...]:
    out = []
    for name in _HazardsFile.model_fields:
        section = getattr(parsed, name)
        out.append(Assumption(name, section.status, section.basis))
    bands = parsed.rain.bands
    out.append(Assumption("rain.bands", bands.status, "BMKG rainfall bands", bands.source_url))
    return tuple(out)


def _flood(path: Path) -> tuple[dict[str, int], dict[str, str]]:
    counts, sources = {}, {}
    for row in read_rows(path, ["code", "tps_flood_prone", "status"]):
        counts[row.text("code")] = row.count("tps_flood_prone")
        sources[row.text("code")] = row.opt_text("source_url") or row.text("status")
    return counts, sources


def _history(path: Path) -> tuple[HistoryRecord, ...]:
    required = ["code", "kind", "election", "date", "what", "status", "source_url"]
    return tuple(
        HistoryRecord(*(row.opt_text(c) or "" for c in required))
        for row in read_rows(path, ["code", "kind", "status"])
    )


def _carriers(path: Path) -> tuple[FallbackCarrier, ...]:
    out = []
    for row in read_rows(path, ["id", "name", "kind", "regencies", "activation_hours", "status"]):
        kind = row.text("kind")
        if kind not in CARRIER_KINDS:
            raise row.fail("kind", "input.unknown_value", allowed=", ".join(CARRIER_KINDS))
        hours = row.opt_float("activation_hours")
        if hours is None or hours < 0:
            raise row.fail("activation_hours", "input.negative", value=str(hours))
        out.append(
            FallbackCarrier(
                id=row.text("id"),
                name=row.text("name"),
                operator=row.opt_text("operator") or "",
                kind=kind,
                base_port=row.opt_text("base_port") or "",
                regencies=tuple(r.strip() for r in row.text("regencies").split(";")),
                activation_h=hours,
                capacity_kg=row.opt_float("capacity_kg") or 0.0,
                status=row.text("status"),
                source_url=row.opt_text("source_url") or "",
                note=row.opt_text("note") or "",
            )
        )
    return tuple(out)
