"""The labelled defaults for regencies the planning files do not cover (`data/defaults.toml`),
and the landmasses assumed for desa the reference data places on none
(`data/landmass_defaults.csv`). `completion` applies them to a region.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salur.csvrows import read_rows
from salur.errors import InputError
from salur.planning.modes import ModeTable, TravelClass


class _Depot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = ""


class _Fleet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vehicle_type: str
    mode: str
    tps_per_vehicle: float = Field(gt=0)
    capacity_kg: float = Field(gt=0)
    capacity_m3: float = Field(gt=0)
    cost_per_km: int = Field(ge=0)
    fixed_cost: int = Field(ge=0)
    shift_hours: float = Field(gt=0, le=24)
    max_tour_days: int = Field(ge=1)
    max_trips: int = Field(ge=1)
    note: str = ""


class _Roster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    polres: str
    escort_officers_min: int = Field(ge=1)
    escort_officers_per_tps: float = Field(ge=0)
    tps_guard_officers_per_tps: float = Field(gt=0)
    note: str = ""


class _Water(BaseModel):
    model_config = ConfigDict(extra="forbid")
    link: bool
    note: str = ""


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    depot: _Depot
    fleet: _Fleet
    roster: _Roster
    water: _Water


class _DefaultsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: _Defaults


@dataclass(frozen=True, slots=True)
class FleetDefault:
    """Warehouse trucks of a regency without its own ``warehouse`` rows in fleet.csv."""

    vehicle_type: str
    mode: str
    tps_per_vehicle: float
    capacity_g: int
    capacity_cm3: int
    cost_per_km: int
    fixed_cost: int
    shift_s: int
    max_tour_days: int
    max_trips: int


@dataclass(frozen=True, slots=True)
class RosterDefault:
    """The Polres roster of a regency without a row in polres_roster.csv, scaled by its TPS."""

    polres: str
    escort_min: int
    escort_per_tps: float
    guards_per_tps: float


@dataclass(frozen=True, slots=True)
class DefaultRules:
    """The ``[defaults]`` table: whether defaults apply, and what each one is."""

    enabled: bool
    depot_note: str
    fleet: FleetDefault
    roster: RosterDefault
    water_links: bool


def load_defaults(path: Path, modes: ModeTable) -> DefaultRules:
    """Read defaults.toml; errors name the file and the field."""
    try:
        parsed = _DefaultsFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("plan.bad_data_file", file=path, reason=str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "plan.bad_data_file", file=path, field=field, reason=first["msg"]
        ) from None
    d = parsed.defaults
    mode = modes.modes.get(d.fleet.mode)
    if mode is None or mode.travel_class != TravelClass.LAND:
        land = [m for m, v in modes.modes.items() if v.travel_class == TravelClass.LAND]
        raise InputError(
            "plan.bad_data_file",
            file=path,
            field="defaults.fleet.mode",
            reason=f"use a road mode of modes.toml: {', '.join(land)}",
        )
    fleet = d.fleet
    return DefaultRules(
        enabled=d.enabled,
        depot_note=d.depot.note,
        fleet=FleetDefault(
            vehicle_type=fleet.vehicle_type,
            mode=fleet.mode,
            tps_per_vehicle=fleet.tps_per_vehicle,
            capacity_g=round(fleet.capacity_kg * 1000),
            capacity_cm3=round(fleet.capacity_m3 * 1_000_000),
            cost_per_km=fleet.cost_per_km,
            fixed_cost=fleet.fixed_cost,
            shift_s=round(fleet.shift_hours * 3600),
            max_tour_days=fleet.max_tour_days,
            max_trips=fleet.max_trips,
        ),
        roster=RosterDefault(
            polres=d.roster.polres,
            escort_min=d.roster.escort_officers_min,
            escort_per_tps=d.roster.escort_officers_per_tps,
            guards_per_tps=d.roster.tps_guard_officers_per_tps,
        ),
        water_links=d.water.link,
    )


def load_landmass_defaults(path: Path) -> dict[str, str]:
    """landmass_defaults.csv: a desa or kecamatan code and the landmass its desa are taken on."""
    out: dict[str, str] = {}
    first: dict[str, int] = {}
    for row in read_rows(path, ["code", "landmass_id"]):
        code = row.text("code")
        if code in out:
            raise row.fail("code", "input.duplicate_code", first_row=first[code])
        first[code] = row.number
        out[code] = row.text("landmass_id")
    return out
