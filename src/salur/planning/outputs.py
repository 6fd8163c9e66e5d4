"""Writes a plan's files: routes.csv, stops.csv, summary.json, manifests and map.html.

Everything is written into a fresh folder next to the target and moved into place only when
all files are complete, so a failure never leaves a half-written set behind.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from salur.planning.echelons import Schedule
from salur.planning.manifests import write_manifests
from salur.planning.mapview import write_map
from salur.planning.modes import ModeTable
from salur.planning.plan import Plan

if TYPE_CHECKING:
    from salur.planning.config import PlanningData
    from salur.planning.inputs import PlanningInputs

ROUTE_COLUMNS = [
    "route_id",
    "regency",
    "echelon",
    "mode",
    "vehicle_type",
    "vehicle_unit",
    "hired",
    "base_site",
    "escort_officers",
    "departure",
    "return",
    "departure_h",
    "return_h",
    "distance_km",
    "trips",
    "kits",
    "load_kg",
    "capacity_kg",
    "capacity_m3",
    "water_legs",
]
STOP_COLUMNS = [
    "route_id",
    "echelon",
    "mode",
    "sequence",
    "trip",
    "site_code",
    "site_kind",
    "site_name",
    "arrival",
    "departure",
    "arrival_h",
    "departure_h",
    "leg_kind",
    "leg_link",
    "leg_km",
    "tps_unloaded",
    "tps_loaded",
]
OUTPUT_NAMES = ("routes.csv", "stops.csv", "summary.json", "map.html", "manifests")


@dataclass
class Staged:
    """Output files written to a temporary folder beside ``target``, not yet visible there."""

    tmp: Path
    target: Path

    def publish(self) -> Path:
        """Move the files into ``target`` (replacing files of the same names)."""
        if not self.target.exists():
            self.tmp.replace(self.target)
            return self.target
        for item in sorted(self.tmp.iterdir()):
            destination = self.target / item.name
            if destination.is_dir():
                shutil.rmtree(destination)
            item.replace(destination)
        self.tmp.rmdir()
        return self.target

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def stage_outputs(
    plan: Plan,
    summary: dict[str, Any],
    schedule: Schedule,
    modes: ModeTable,
    kit_weight: dict[str, int],
    out_dir: Path,
) -> Staged:
    """Write every output of ``plan`` for ``out_dir`` into a temporary folder beside it."""
    target = out_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _write_all(plan, summary, schedule, modes, kit_weight, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Staged(tmp, target)


class Outcome(Protocol):
    """What a planning use case hands back (a new plan, or a repaired one)."""

    @property
    def plan(self) -> Plan: ...
    @property
    def summary(self) -> dict[str, Any]: ...
    @property
    def data(self) -> PlanningData: ...
    @property
    def inputs(self) -> PlanningInputs: ...


def stage_outcome(outcome: Outcome, out_dir: Path) -> Staged:
    """`stage_outputs` of a planning use case's outcome, with its kits' weights."""
    kit_weight = {k.tps: k.weight_g for k in outcome.inputs.kits}
    data = outcome.data
    return stage_outputs(
        outcome.plan, outcome.summary, data.schedule, data.modes, kit_weight, out_dir
    )


def write_outputs(
    plan: Plan,
    summary: dict[str, Any],
    schedule: Schedule,
    modes: ModeTable,
    kit_weight: dict[str, int],
    out_dir: Path,
) -> Path:
    """Stage and publish in one go (when nothing else has to succeed in between)."""
    return stage_outputs(plan, summary, schedule, modes, kit_weight, out_dir).publish()


def _write_all(
    plan: Plan,
    summary: dict[str, Any],
    schedule: Schedule,
    modes: ModeTable,
    kit_weight: dict[str, int],
    folder: Path,
) -> None:
    names = {s.code: s.name for s in plan.sites}
    write_routes(plan, schedule, kit_weight, folder / "routes.csv")
    write_stops(plan, schedule, names, folder / "stops.csv")
    (folder / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8"
    )
    write_manifests(plan, schedule, names, folder / "manifests")
    write_map(plan, summary, schedule, modes, folder / "map.html")


def write_routes(plan: Plan, schedule: Schedule, kit_weight: dict[str, int], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ROUTE_COLUMNS)
        for r in plan.routes:
            kits = [t for s in r.stops for t in s.unloaded]
            writer.writerow(
                [
                    r.route_id,
                    r.regency,
                    r.echelon.value,
                    r.mode,
                    r.vehicle_type,
                    r.unit,
                    int(r.hired),
                    r.base,
                    r.escort,
                    schedule.local_iso(r.depart),
                    schedule.local_iso(r.end),
                    schedule.local_label(r.depart),
                    schedule.local_label(r.end),
                    f"{r.distance_m / 1000:.1f}",
                    r.trips,
                    len(kits),
                    f"{sum(kit_weight.get(t, 0) for t in kits) / 1000:.1f}",
                    f"{r.capacity_g / 1000:g}",
                    f"{r.capacity_cm3 / 1e6:g}",
                    r.water_legs,
                ]
            )


def write_stops(plan: Plan, schedule: Schedule, names: dict[str, str], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(STOP_COLUMNS)
        for r in plan.routes:
            for s in r.stops:
                writer.writerow(
                    [
                        r.route_id,
                        r.echelon.value,
                        s.leg_mode or r.mode,
                        s.seq,
                        s.trip,
                        s.site,
                        s.site_kind,
                        names.get(s.site, ""),
                        schedule.local_iso(s.arrive),
                        schedule.local_iso(s.depart),
                        schedule.local_label(s.arrive),
                        schedule.local_label(s.depart),
                        s.leg_kind,
                        s.leg_link,
                        f"{s.leg_distance_m / 1000:.1f}",
                        ";".join(s.unloaded),
                        ";".join(s.loaded),
                    ]
                )
