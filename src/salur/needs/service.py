"""Use case: compute the needs of a region under a norm, and keep them as the run in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from salur.errors import SalurError
from salur.geo.repository import region_name
from salur.needs import repository as repo
from salur.needs.formula import Needs, compute
from salur.needs.models import NeedsRun
from salur.norms.loader import LoadedNorm
from salur.progress import Progress, Silent
from salur.uow import UnitOfWork
from salur.voters.service import ESTIMATED


@dataclass(frozen=True)
class NeedsResult:
    """Needs of a region: the TPS frame (codes, parents, DPT), the formula's result and the norm."""

    region: str
    region_name: str
    tps: pd.DataFrame
    needs: Needs
    norm: LoadedNorm
    run_id: int | None = None

    @property
    def tps_estimated(self) -> int:
        return int((self.tps["dpt_source"] == ESTIMATED).sum())


def calculate(session: Session, region: str, norm: LoadedNorm) -> NeedsResult:
    """Compute without storing (what `salur needs` shows and the benchmarks time)."""
    name = region_name(session, region)
    frame = repo.tps_frame(session, region)
    missing = int(frame["dpt"].isna().sum())
    if missing:
        raise SalurError("dpt.missing", count=missing, region=region or "ID")
    needs = compute(
        repo.formula_input(frame), norm.norm, repo.district_spans(session), region=region
    )
    return NeedsResult(region, name, frame, needs, norm)


def compute_needs(
    uow: UnitOfWork, region: str, norm: LoadedNorm, progress: Progress | None = None
) -> NeedsResult:
    """Compute and store the needs of `region`, replacing the previous run of the same norm."""
    progress = progress or Silent()
    progress.phase("phase.compute", None)
    result = calculate(uow.session, region, norm)
    progress.phase("phase.store", None)
    repo.replace_runs(uow.session, norm.norm.id, region)
    run = NeedsRun(
        norm_id=norm.norm.id,
        norm_sha256=norm.sha256,
        region_code=region,
        created_at=dt.datetime.now(dt.UTC),
        tps_count=len(result.tps),
        tps_estimated=result.tps_estimated,
    )
    repo.store_needs(uow.session, run, result.needs, result.tps["tps_id"].to_numpy())
    uow.commit()
    return NeedsResult(result.region, result.region_name, result.tps, result.needs, norm, run.id)
