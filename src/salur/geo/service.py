"""Use case: load a reference-data folder into the store, whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from salur.config import PACKAGE_DATA
from salur.errors import InputError
from salur.geo import repository as repo
from salur.geo.models import (
    Dapil,
    District,
    DptTotal,
    Landmass,
    LogisticsSite,
    Province,
    Regency,
    Tps,
    Village,
    WaterAccess,
)
from salur.geo.source import read_folder
from salur.progress import Progress, Silent
from salur.uow import UnitOfWork
from salur.voters.service import estimate_dpt

BUILT_IN = {"riau": PACKAGE_DATA / "riau", "indonesia": PACKAGE_DATA / "indonesia"}


@dataclass
class LoadReport:
    """Per table: rows inserted, updated and unchanged; and how many TPS DPT estimates changed."""

    folder: Path
    tables: dict[str, repo.SyncCounts] = field(default_factory=dict)
    dpt_changed: int = 0

    @property
    def changed(self) -> int:
        return sum(c.inserted + c.updated for c in self.tables.values()) + self.dpt_changed


def resolve_folder(name_or_path: str) -> Path:
    """'riau' and 'indonesia' name the shipped folders; anything else is a path."""
    folder = BUILT_IN.get(name_or_path.lower(), Path(name_or_path))
    if not folder.is_dir():
        raise InputError("input.not_a_data_folder", file=folder)
    return folder


def load_reference(uow: UnitOfWork, folder: Path, progress: Progress | None = None) -> LoadReport:
    """Read, check, then write a folder in one transaction; a second run changes nothing."""
    progress = progress or Silent()
    progress.phase("load.read", None)
    data = read_folder(folder)
    report = LoadReport(folder)
    s = uow.session
    steps: list[tuple[str, type, list[str], list[dict[str, object]]]] = [
        ("province", Province, ["code"], data.provinces),
        ("regency", Regency, ["code"], data.regencies),
        ("district", District, ["code"], data.districts),
        ("village", Village, ["code"], data.villages),
        ("tps", Tps, ["code"], data.tps),
        ("dapil", Dapil, ["level", "code"], data.dapil),
        ("landmass", Landmass, ["id"], data.landmasses),
        ("logistics_site", LogisticsSite, ["id"], data.sites),
        ("water_access", WaterAccess, ["district_code", "evidence"], data.water_access),
        ("dpt_total", DptTotal, ["region_code"], data.dpt_totals),
    ]
    total = sum(len(rows) for *_, rows in steps)
    progress.phase("load.write", total)
    for name, model, key, rows in steps:
        report.tables[name] = repo.sync_rows(s, model, key, rows, on_chunk=progress.advance)
        progress.advance(report.tables[name].unchanged + report.tables[name].updated)
    s.flush()
    progress.phase("load.estimate", None)
    report.dpt_changed = estimate_dpt(s)
    uow.commit()
    return report
