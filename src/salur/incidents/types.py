"""The table of incident types (a data file): who answers for each type, and by when.

`incidents/data/incident_types.toml` ships labelled assumptions; `SALUR_INCIDENT_TYPES` (or an
explicit path) points at an election office's own copy. Pure apart from reading the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salur.errors import InputError

TYPES_FILE = Path(__file__).parent / "data" / "incident_types.toml"
Level = Literal["regency", "district", "village", "tps"]


class _Type(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: dict[Literal["id", "en"], str]
    responsible: str = Field(pattern=r"^[a-z][a-z0-9_]{1,19}$")
    level: Level
    ack_hours: float = Field(gt=0)
    resolve_hours: float = Field(gt=0)
    resolve_before: str | None = None
    findings: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)

    @field_validator("resolve_before")
    @classmethod
    def _moment(cls, value: str | None) -> str | None:
        if value is not None:
            from salur.incidents.workflow import parse_h_moment

            parse_h_moment(value)
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["reported", "assumption"]
    basis: str = ""
    actions: list[str] = Field(min_length=1)
    resolutions: list[str] = Field(min_length=1)
    types: dict[str, _Type] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One type: its labels, responsible role and level, and deadlines (hours)."""

    code: str
    label_id: str
    label_en: str
    responsible: str
    level: Level
    ack_hours: float
    resolve_hours: float
    resolve_before: str | None
    findings: tuple[str, ...]
    categories: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.label_id if lang == "id" else self.label_en


@dataclass(frozen=True)
class IncidentTypes:
    """The whole table, with the action and resolution codes it allows."""

    types: dict[str, IncidentType]
    actions: tuple[str, ...]
    resolutions: tuple[str, ...]
    status: str
    basis: str

    def __getitem__(self, code: str) -> IncidentType:
        return self.types[code]

    def for_finding(self, code: str) -> str | None:
        return next((t.code for t in self.types.values() if code in t.findings), None)

    def for_category(self, category: str) -> str | None:
        return next((t.code for t in self.types.values() if category in t.categories), None)


def types_path() -> Path:
    override = os.environ.get("SALUR_INCIDENT_TYPES", "").strip()
    return Path(override) if override else TYPES_FILE


@cache
def load_types(path: Path | None = None) -> IncidentTypes:
    """Read and check the types table; errors name the file and the field."""
    source = path or types_path()
    try:
        parsed = _File.model_validate(tomllib.loads(source.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError("incident.bad_types_file", file=source, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "incident.bad_types_file", file=source, field=field, reason=first["msg"]
        ) from None
    return IncidentTypes(
        types={
            code: IncidentType(
                code=code,
                label_id=t.label["id"],
                label_en=t.label["en"],
                responsible=t.responsible,
                level=t.level,
                ack_hours=t.ack_hours,
                resolve_hours=t.resolve_hours,
                resolve_before=t.resolve_before,
                findings=tuple(t.findings),
                categories=tuple(t.categories),
            )
            for code, t in parsed.types.items()
        },
        actions=tuple(parsed.actions),
        resolutions=tuple(parsed.resolutions),
        status=parsed.status,
        basis=parsed.basis,
    )
