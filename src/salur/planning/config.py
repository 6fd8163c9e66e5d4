"""All planning data files in one record, with one SHA-256 kept on every plan made from them.

An office overrides any file by putting one of the same name in its own folder (`--data DIR`);
files it does not override come from the package's `planning/data`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from salur.planning.defaults import DefaultRules, load_defaults, load_landmass_defaults
from salur.planning.echelons import Schedule, load_schedule
from salur.planning.escorts import (
    EscortRules,
    PolresRoster,
    Vulnerability,
    load_escort_rules,
    load_roster,
    load_vulnerability,
)
from salur.planning.fleet import Fleet, load_fleet
from salur.planning.modes import ModeTable, load_modes
from salur.planning.sites import DepotOverride, load_depot_overrides
from salur.planning.waterways import Waterways, load_waterways

PACKAGE_DATA = Path(__file__).parent / "data"
FILES = (
    "modes.toml",
    "schedule.toml",
    "ports.csv",
    "water_links.csv",
    "water_zones.csv",
    "tides.csv",
    "depots.csv",
    "fleet.csv",
    "escorts.toml",
    "polres_roster.csv",
    "tps_vulnerability.csv",
    "defaults.toml",
    "landmass_defaults.csv",
)


@dataclass(frozen=True)
class PlanningData:
    """Modes, calendar, waterways, fleet and escort data of one plan."""

    modes: ModeTable
    schedule: Schedule
    waterways: Waterways
    depots: dict[str, DepotOverride]
    fleet: Fleet
    escorts: EscortRules
    roster: dict[str, PolresRoster]
    vulnerability: Vulnerability
    sha256: str
    files: dict[str, Path]
    defaults: DefaultRules | None = None
    """Labelled defaults for regencies the files do not cover (`completion` applies them)."""
    landmasses: dict[str, str] = field(default_factory=dict)
    """Landmass assumed for desa (or all desa of a kecamatan) the store places on none."""


def data_files(folder: Path | None = None) -> dict[str, Path]:
    """Each data file: the override in ``folder`` if present, else the package's own."""
    chosen = {}
    for name in FILES:
        override = folder / name if folder else None
        chosen[name] = override if override and override.is_file() else PACKAGE_DATA / name
    return chosen


def load_planning_data(folder: Path | None = None) -> PlanningData:
    """Read and check every planning data file; errors name the file, row and column."""
    files = data_files(folder)
    modes = load_modes(files["modes.toml"])
    schedule = load_schedule(files["schedule.toml"])
    escorts = load_escort_rules(files["escorts.toml"])
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return PlanningData(
        modes=modes,
        schedule=schedule,
        waterways=load_waterways(files, schedule.voting_day),
        depots=load_depot_overrides(files["depots.csv"]),
        fleet=load_fleet(files["fleet.csv"], modes),
        escorts=escorts,
        roster=load_roster(files["polres_roster.csv"]),
        vulnerability=load_vulnerability(files["tps_vulnerability.csv"], escorts.default_level),
        sha256=digest.hexdigest(),
        files=files,
        defaults=load_defaults(files["defaults.toml"], modes),
        landmasses=load_landmass_defaults(files["landmass_defaults.csv"]),
    )
