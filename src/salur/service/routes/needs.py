"""Needs of a region rolled up to a level (TPS, PPS, PPK, regency, province), and a new needs
run stored as the one in force (KPU)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from salur.errors import SalurError
from salur.identity.errors import IdentityInputError
from salur.identity.regions import RegionLevel, from_digits, level_of
from salur.needs.rollup import rollup
from salur.needs.service import calculate, compute_needs
from salur.norms.loader import DEFAULT_NORM, LoadedNorm, available, load_norm
from salur.service import policy
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["needs"])
NormId = Annotated[str, Query(max_length=40, description="A shipped norm: pemilu-2024, ...")]


class NeedsRow(BaseModel):
    """One item (or ballot type and dapil) of one region."""

    region: str
    item: str
    ballot_type: str
    dapil: str
    quantity: int
    weight_kg: float
    volume_m3: float
    dpt_estimated_pct: float = Field(description="Share of the region's TPS with estimated DPT.")


class NeedsRunIn(BaseModel):
    norm: str = Field(default=DEFAULT_NORM, max_length=40)


class NeedsRunOut(BaseModel):
    run_id: int
    region: str
    norm: str
    tps: int
    tps_estimated: int


def shipped_norm(name: str, field: str = "norm") -> LoadedNorm:
    """A norm shipped with salur; a path or an unknown id is refused (no files from the API)."""
    if name not in available():
        raise IdentityInputError(
            "service.unknown_norm", field=field, value=name, known=", ".join(available())
        )
    return load_norm(name)


def _computable(grant: Grant) -> str:
    """The region whose TPS the needs engine reads: a TPS is computed with its desa."""
    region = grant.region
    return from_digits(region[:10]) if level_of(region) is RegionLevel.TPS else region


@router.get("/needs/{region}", response_model=list[NeedsRow])
def needs(
    region: str,
    grant: Annotated[Grant, Allow(policy.NEEDS)],
    uow: Uow,
    level: Annotated[Literal["tps", "pps", "ppk", "regency", "province"], Query()] = "ppk",
    norm: NormId = DEFAULT_NORM,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[NeedsRow]:
    """Quantities, weights and volumes per region of `level`, PSU reserves included."""
    loaded = shipped_norm(norm)
    result = calculate(uow.session, _computable(grant), loaded)
    frame = rollup(result, "tps" if level_of(grant.region) is RegionLevel.TPS else level)
    if level_of(grant.region) is RegionLevel.TPS:
        frame = frame[frame["region"] == grant.region]
    rows = frame.iloc[offset : offset + limit].to_dict("records")
    return [NeedsRow.model_validate({k: _plain(v) for k, v in row.items()}) for row in rows]


def _plain(value: object) -> object:
    item = getattr(value, "item", None)
    return item() if callable(item) else value


@router.post("/needs/{region}/runs", response_model=NeedsRunOut, status_code=201)
def compute(
    region: str, grant: Annotated[Grant, Allow(policy.COMPUTE_NEEDS)], body: NeedsRunIn, uow: Uow
) -> NeedsRunOut:
    """Compute the region's needs and keep them as the run in force (replacing the last)."""
    if level_of(grant.region) is RegionLevel.TPS:
        raise IdentityInputError("service.region_too_small", field="region", value=grant.region)
    loaded = shipped_norm(body.norm, "body.norm")
    result = compute_needs(uow, grant.region, loaded)
    if result.run_id is None:
        raise SalurError("service.not_stored")
    return NeedsRunOut(
        run_id=result.run_id,
        region=grant.region,
        norm=loaded.norm.id,
        tps=len(result.tps),
        tps_estimated=result.tps_estimated,
    )
