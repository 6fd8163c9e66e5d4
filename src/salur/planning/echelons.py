"""The three echelons of outbound distribution and their dispatch windows and deadlines.

Warehouse -> PPK, PPK -> PPS, PPS -> TPS. Days count from voting day H ("H-14"); the figures
come from `data/schedule.toml` so an office can switch between the 2024 schemes without code.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salur.errors import InputError
from salur.planning.timetable import DAY, format_clock, parse_clock

_H_DAY = re.compile(r"^H([+-]\d+)?$")


class EchelonId(StrEnum):
    """The hops of the chain, in order."""

    WAREHOUSE_PPK = "warehouse_ppk"
    PPK_PPS = "ppk_pps"
    PPS_TPS = "pps_tps"

    @property
    def number(self) -> int:
        """1, 2 or 3: the position in the chain (E1 ... E3 in route ids)."""
        return list(EchelonId).index(self) + 1


def parse_h_day(text: str) -> int:
    """'H-14' -> -14, 'H' -> 0, 'H+1' -> 1."""
    match = _H_DAY.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a day relative to voting day (H-14, H-1, H)")
    return int(match.group(1) or 0)


def h_label(day: int) -> str:
    """-14 -> 'H-14'."""
    return "H" if day == 0 else f"H{day:+d}"


class _EchelonFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: EchelonId
    dispatch_from: str
    deadline: str
    deadline_time: str = "18:00"

    @field_validator("dispatch_from", "deadline")
    @classmethod
    def _h_day(cls, value: str) -> str:
        parse_h_day(value)
        return value

    @field_validator("deadline_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value


class _ScheduleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voting_day: dt.date
    utc_offset_hours: float = Field(ge=-12, le=14)
    day_start: str = "07:00"
    transfer_minutes: int = Field(ge=0)
    load_minutes_per_trip: int = Field(ge=0)
    unload_minutes_per_stop: int = Field(ge=0)
    unload_minutes_per_kit: float = Field(ge=0)
    quay_radius_km: float = Field(ge=0)
    echelons: list[_EchelonFile]


@dataclass(frozen=True, slots=True)
class Echelon:
    """One hop: kits may leave from ``dispatch_from`` and must arrive by ``deadline`` (seconds)."""

    id: EchelonId
    dispatch_from_day: int
    deadline_day: int
    deadline: int

    @property
    def days(self) -> range:
        """The days (H offsets) on which vehicles of this echelon may be booked."""
        return range(self.dispatch_from_day, self.deadline_day + 1)


@dataclass(frozen=True, slots=True)
class Schedule:
    """The calendar of a plan: voting day, local time, handling times and the echelons."""

    voting_day: dt.date
    utc_offset_hours: float
    day_start: int
    transfer_s: int
    load_s_per_trip: int
    unload_s_per_stop: int
    unload_s_per_kit: float
    quay_radius_m: float
    echelons: tuple[Echelon, ...]

    def echelon(self, echelon_id: EchelonId) -> Echelon:
        return next(e for e in self.echelons if e.id == echelon_id)

    def start_of(self, echelon_id: EchelonId) -> int:
        """The first moment vehicles of the echelon may leave."""
        return self.echelon(echelon_id).dispatch_from_day * DAY + self.day_start

    def to_datetime(self, t: int) -> dt.datetime:
        """Plan time (seconds from 00:00 local of voting day) as a UTC-aware datetime."""
        local_midnight = dt.datetime.combine(self.voting_day, dt.time(), tzinfo=dt.UTC)
        return local_midnight + dt.timedelta(seconds=t, hours=-self.utc_offset_hours)

    def from_datetime(self, moment: dt.datetime) -> int:
        """The inverse of `to_datetime` (for the checker reading stored plans)."""
        local_midnight = dt.datetime.combine(self.voting_day, dt.time(), tzinfo=dt.UTC)
        delta = moment - local_midnight + dt.timedelta(hours=self.utc_offset_hours)
        return round(delta.total_seconds())

    def local_iso(self, t: int) -> str:
        """ISO 8601 local time with its offset: '2024-01-31T09:30:00+07:00'."""
        zone = dt.timezone(dt.timedelta(hours=self.utc_offset_hours))
        return self.to_datetime(t).astimezone(zone).isoformat()

    def local_label(self, t: int) -> str:
        """'H-14 09:30' for people reading a plan."""
        return f"{h_label(t // DAY)} {format_clock(t)}"


def load_schedule(path: Path) -> Schedule:
    """Read and validate a schedule file; errors name the file and the field."""
    try:
        parsed = _ScheduleFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("plan.bad_data_file", file=path, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "plan.bad_data_file", file=path, field=field, reason=first["msg"]
        ) from None
    return schedule_from(parsed, path)


def schedule_from(parsed: _ScheduleFile, path: Path) -> Schedule:
    ids = [e.id for e in parsed.echelons]
    if ids != list(EchelonId):
        raise InputError(
            "plan.bad_data_file",
            file=path,
            field="echelons",
            reason="list the echelons warehouse_ppk, ppk_pps, pps_tps once each, in order",
        )
    echelons = []
    for item in parsed.echelons:
        start, end = parse_h_day(item.dispatch_from), parse_h_day(item.deadline)
        if start > end:
            raise InputError(
                "plan.bad_data_file",
                file=path,
                field=f"echelons.{item.id}",
                reason="dispatch_from is after the deadline",
            )
        echelons.append(Echelon(item.id, start, end, end * DAY + parse_clock(item.deadline_time)))
    return Schedule(
        voting_day=parsed.voting_day,
        utc_offset_hours=parsed.utc_offset_hours,
        day_start=parse_clock(parsed.day_start),
        transfer_s=parsed.transfer_minutes * 60,
        load_s_per_trip=parsed.load_minutes_per_trip * 60,
        unload_s_per_stop=parsed.unload_minutes_per_stop * 60,
        unload_s_per_kit=parsed.unload_minutes_per_kit * 60,
        quay_radius_m=parsed.quay_radius_km * 1000,
        echelons=tuple(echelons),
    )
