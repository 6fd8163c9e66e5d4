"""Per-vehicle manifests as Excel workbooks: one workbook per regency, one sheet per vehicle.

A driver, the escort and the Bawaslu observer read the same sheet: each stop with its times and
the TPS codes of the kits loaded or handed over there. PPS -> TPS rounds, many and short, are
listed one sheet per kecamatan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook

from salur.i18n import t
from salur.planning.echelons import EchelonId, Schedule
from salur.planning.plan import Plan, RoutePlan

_BAD_SHEET_CHARS = re.compile(r"[\\/*?:\[\]]")


def write_manifests(plan: Plan, schedule: Schedule, names: dict[str, str], folder: Path) -> None:
    """``folder/<regency>.xlsx`` for every regency with routes."""
    folder.mkdir(parents=True, exist_ok=True)
    by_regency: dict[str, list[RoutePlan]] = defaultdict(list)
    for route in plan.routes:
        by_regency[route.regency].append(route)
    for regency, routes in sorted(by_regency.items()):
        _workbook(routes, schedule, names).save(folder / f"{regency}.xlsx")


def _workbook(routes: list[RoutePlan], schedule: Schedule, names: dict[str, str]) -> Workbook:
    book = Workbook(write_only=True)
    sheets: dict[str, list[RoutePlan]] = defaultdict(list)
    for route in routes:
        key = f"PPS-TPS {route.base[:8]}" if route.echelon == EchelonId.PPS_TPS else route.unit
        sheets[key].append(route)
    used: set[str] = set()
    for key, booked in sheets.items():
        sheet = book.create_sheet(_sheet_name(key, used))
        first = booked[0]
        sheet.append(
            [
                t("plan.manifest.vehicle"),
                first.unit if len(booked) == 1 or first.echelon != EchelonId.PPS_TPS else key,
            ]
        )
        sheet.append([t("plan.manifest.type"), first.vehicle_type, first.mode])
        sheet.append(
            [t("plan.manifest.capacity"), first.capacity_g / 1000, first.capacity_cm3 / 1e6]
        )
        sheet.append([])
        sheet.append(
            [
                t(f"plan.manifest.{c}")
                for c in (
                    "route",
                    "unit",
                    "escort",
                    "trip",
                    "sequence",
                    "site",
                    "site_name",
                    "arrival",
                    "departure",
                    "loaded",
                    "unloaded",
                    "signature",
                )
            ]
        )
        for route in booked:
            for stop in route.stops:
                sheet.append(
                    [
                        route.route_id,
                        route.unit,
                        route.escort,
                        stop.trip,
                        stop.seq,
                        stop.site,
                        names.get(stop.site, ""),
                        schedule.local_label(stop.arrive),
                        schedule.local_label(stop.depart),
                        " ".join(stop.loaded),
                        " ".join(stop.unloaded),
                        "",
                    ]
                )
    return book


def _sheet_name(key: str, used: set[str]) -> str:
    """Excel allows 31 characters and none of \\ / * ? : [ ]; names must be unique."""
    base = _BAD_SHEET_CHARS.sub(" ", key)[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"~{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
