"""The season's script as data: dates, the stock shortfalls, the disruptions and the custody cases
to inject, each with its source. Read from `season/data/*.toml` and validated by pydantic, so a
wrong file fails with the field that is wrong."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salur.errors import InputError

DATA = Path(__file__).parent / "data"
DEFAULT = DATA / "riau-2024.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Short(_Strict):
    """Ballots of one type the printer did not deliver to a regency (claimed, then replaced)."""

    regency: str
    ballot_type: str
    quantity: int = Field(gt=0)
    source: str


class Stock(_Strict):
    damaged_per_mille: float = Field(ge=0, le=1000)
    short: tuple[Short, ...] = ()


class FieldOdds(_Strict):
    """How often and how long rain holds up a hop."""

    rain_delay_share: float = Field(ge=0, le=1)
    rain_delay_hours: tuple[float, float]


class Disruption(_Strict):
    """A leg that becomes impossible on a day of the season (repaired by re-planning)."""

    kind: Literal["bridge_out", "boat_aground", "ferry_cancelled"]
    district: str
    day: str = Field(pattern=r"^H-[0-9]+$")
    source: str

    def days_before(self) -> int:
        return int(self.day.removeprefix("H-"))


class Case(_Strict):
    """A custody case the seed places somewhere in the region run."""

    kind: Literal["wrong_dapil", "broken_seal", "short_count", "reconciliation_mismatch"]
    short: int = Field(default=83, gt=0)
    source: str


class Scenario(_Strict):
    election: str
    printer: str
    delivered: dt.date
    sortir: dt.date
    replaced: dt.date
    packed: dt.date
    stock: Stock
    field: FieldOdds
    disruption: tuple[Disruption, ...] = ()
    case: tuple[Case, ...] = ()

    def shorts_in(self, region: str) -> list[Short]:
        return [s for s in self.stock.short if _within(s.regency, region)]

    def disruptions_in(self, region: str) -> list[Disruption]:
        return [d for d in self.disruption if _within(d.district, region)]


def _within(code: str, region: str) -> bool:
    return region == code or code.startswith(region + ".") or region.startswith(code + ".")


def load_scenario(path: Path = DEFAULT) -> Scenario:
    """The scenario file, checked; errors name the file and the field."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InputError("season.scenario_missing", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("season.scenario_not_toml", file=path, reason=str(exc)) from None
    data["field"] = data.pop("field", {})
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "season.scenario_invalid", file=path, field=where, reason=first["msg"]
        ) from None
