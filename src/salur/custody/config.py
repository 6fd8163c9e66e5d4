"""Custody rules from data files: the election's calendar and roles, and one file per hop kind.

The shipped rules live in `custody/rules/`; `SALUR_CUSTODY_RULES` (or an explicit folder) points
at an election office's own copy. Which witnesses each hop needs and every deadline are marked
"to confirm" in DOMAIN.md, so none of them is written in code.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salur.custody.states import HOPS, Hop, Level
from salur.errors import InputError

RULES_DIR = Path(__file__).parent / "rules"
ELECTION_FILE = "election.toml"
_DAY = re.compile(r"^H([+-][0-9]{1,3})?$")
_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    id: str = Field(min_length=1)
    en: str = Field(min_length=1)


class HopRule(_Strict):
    """One hop kind: when the packages must have arrived, and who must witness the handover."""

    deadline: str | None = Field(default=None, description="H-7, H+1, ...: days from voting day")
    deadline_time: dt.time = dt.time(23, 59, 59)
    witnesses: list[list[str]] = Field(
        default_factory=list, description="groups of roles; one witness of each group is required"
    )
    missing_witness: Literal["incident", "refuse"] = "incident"
    to_confirm: bool = False

    @field_validator("deadline")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        if value is not None and not _DAY.fullmatch(value):
            raise ValueError("a deadline is H, H-n or H+n (days from voting day)")
        return value

    @field_validator("witnesses")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        if any(not group for group in value):
            raise ValueError("a witness group names at least one role")
        return value


class Election(_Strict):
    """The election-wide part: calendar, local time, who holds packages, every role's name."""

    election: str = Field(pattern=r"^[a-z0-9-]+$")
    norm: str
    voting_day: dt.date
    utc_offset_hours: int = Field(ge=-12, le=14)
    timezone: str
    holders: dict[Level, str]
    roles: dict[str, Names]
    incident_categories: list[str] = Field(min_length=1)


class CustodyRules(_Strict):
    """Everything custody reads from configuration."""

    election: Election
    hops: dict[str, HopRule]

    @property
    def tz(self) -> dt.timezone:
        return dt.timezone(dt.timedelta(hours=self.election.utc_offset_hours))

    def local_date(self, at: dt.datetime) -> dt.date:
        """The calendar date at the polling station when `at` (UTC-aware) happened."""
        return at.astimezone(self.tz).date()

    def voting_day_reached(self, at: dt.datetime) -> bool:
        return self.local_date(at) >= self.election.voting_day

    def deadline(self, hop: Hop) -> dt.datetime | None:
        """The instant (UTC) by which a hop's packages must have arrived, if it has one."""
        rule = self.hops[hop.id]
        if rule.deadline is None:
            return None
        days = int(rule.deadline[1:] or 0)
        day = self.election.voting_day + dt.timedelta(days=days)
        return dt.datetime.combine(day, rule.deadline_time, self.tz).astimezone(dt.UTC)

    def holder_role(self, level: Level) -> str:
        return self.election.holders[level]

    def level_of(self, role: str) -> Level | None:
        """The level whose packages this role holds, if any."""
        for level, holder in self.election.holders.items():
            if holder == role:
                return level
        return None


def rules_dir() -> Path:
    """`SALUR_CUSTODY_RULES`, else the shipped rules."""
    configured = os.environ.get("SALUR_CUSTODY_RULES", "").strip()
    return Path(configured) if configured else RULES_DIR


def load_rules(folder: Path | None = None) -> CustodyRules:
    """The rules in `folder` (default: `rules_dir()`), checked; errors name file and field."""
    return _load(folder or rules_dir())


@cache
def _load(folder: Path) -> CustodyRules:
    election = _validated(folder / ELECTION_FILE, Election, _read(folder / ELECTION_FILE))
    hops = {}
    for hop_id in HOPS:
        path = folder / f"{hop_id}.toml"
        rule = _validated(path, HopRule, _read(path))
        unknown = sorted({r for group in rule.witnesses for r in group} - set(election.roles))
        if unknown:
            raise InputError("custody.rules_unknown_role", file=path, roles=", ".join(unknown))
        hops[hop_id] = rule
    missing = sorted(level.value for level in set(Level) - set(election.holders))
    missing += sorted(set(election.holders.values()) - set(election.roles))
    if missing:
        raise InputError(
            "custody.rules_invalid",
            file=folder / ELECTION_FILE,
            field="holders",
            reason=", ".join(missing),
        )
    return CustodyRules(election=election, hops=hops)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError("custody.rules_missing", file=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError("norms.not_toml", file=path, reason=str(exc)) from None


def _validated(path: Path, model: type[_M], data: dict[str, Any]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "custody.rules_invalid", file=path, field=field, reason=first["msg"]
        ) from None
