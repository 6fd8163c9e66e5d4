"""Travel modes (truck, pick-up, boats, ro-ro) and the built-in great-circle travel estimate.

The estimate is ``distance = great-circle x detour`` and ``time = distance / speed``, with both
figures per mode from a data file (`data/modes.toml`) whose every value is a labelled assumption.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salur.errors import InputError

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), the usual sphere for great-circle distances."""

FloatArray = npt.NDArray[np.float64]


class TravelClass(StrEnum):
    """How a mode moves: by road, as a boat we load, or as a ferry a road vehicle drives onto."""

    LAND = "land"
    WATER = "water"
    FERRY = "ferry"


class _ModeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    label: dict[str, str]
    travel_class: Literal["land", "water", "ferry"] = Field(alias="class")
    speed_kmh: float = Field(gt=0)
    detour: float = Field(ge=1)
    colour: str
    note: str = ""


class _ModesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    class_defaults: dict[Literal["land", "water"], str]
    modes: dict[str, _ModeFile]


@dataclass(frozen=True, slots=True)
class Mode:
    """One way of travelling, with the figures of the built-in estimate."""

    id: str
    travel_class: TravelClass
    speed_kmh: float
    detour: float
    colour: str
    label: dict[str, str]

    def estimate(self, great_circle_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Distance (m) and duration (s) of travel over the given great-circle distances."""
        distance = great_circle_m * self.detour
        return distance, distance / (self.speed_kmh / 3.6)

    def duration_s(self, distance_m: float) -> float:
        """Seconds to cover ``distance_m`` (already including the detour) at this mode's speed."""
        return distance_m / (self.speed_kmh / 3.6)


@dataclass(frozen=True, slots=True)
class ModeTable:
    """All modes by id, and the mode that stands for each class when choosing paths."""

    modes: dict[str, Mode]
    class_defaults: dict[TravelClass, str]

    def __getitem__(self, mode_id: str) -> Mode:
        return self.modes[mode_id]

    def default(self, travel_class: TravelClass) -> Mode:
        """The representative mode of a class (truck for land, pompong for water by default)."""
        return self.modes[self.class_defaults[travel_class]]

    def with_speed(self, mode_id: str, speed_kmh: float | None) -> Mode:
        """The mode, with a vehicle's own speed when the fleet file gives one."""
        mode = self.modes[mode_id]
        if speed_kmh is None or speed_kmh == mode.speed_kmh:
            return mode
        return Mode(mode.id, mode.travel_class, speed_kmh, mode.detour, mode.colour, mode.label)


def load_modes(path: Path) -> ModeTable:
    """Read and validate a modes file; errors name the file and the field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        parsed = _ModesFile.model_validate(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("plan.bad_data_file", file=path, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "plan.bad_data_file", file=path, field=field, reason=first["msg"]
        ) from None
    modes = {
        key: Mode(key, TravelClass(m.travel_class), m.speed_kmh, m.detour, m.colour, m.label)
        for key, m in parsed.modes.items()
    }
    defaults: dict[TravelClass, str] = {}
    for cls, mode_id in parsed.class_defaults.items():
        if mode_id not in modes or modes[mode_id].travel_class != cls:
            raise InputError(
                "plan.bad_data_file",
                file=path,
                field=f"class_defaults.{cls}",
                reason=f"'{mode_id}' is not a {cls} mode of this file",
            )
        defaults[TravelClass(cls)] = mode_id
    return ModeTable(modes, defaults)


def great_circle_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Haversine distance in metres; broadcasts like numpy."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result
