"""Warehouse stock: levels per regency, the shortage against needs, and stock papers uploaded as
CSV (BTTB receipts, sortir-lipat, claims, replacements), every row inside the caller's scope."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from salur.identity.errors import IdentityInputError
from salur.identity.regions import RegionLevel, level_of, within
from salur.norms.loader import DEFAULT_NORM
from salur.service import policy
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.routes.needs import NormId, shipped_norm
from salur.service.routing import ScopedRouter
from salur.stock import service as stock
from salur.stock.documents import CLAIM, RECEIPT, REPLACEMENT, SORTIR, read_documents

router = ScopedRouter(tags=["stock"])
PAPERS = {"receipt": RECEIPT, "sortir": SORTIR, "claim": CLAIM, "replacement": REPLACEMENT}
RECORDERS = {
    "receipt": stock.receive,
    "sortir": stock.record_sortir,
    "claim": stock.open_claims,
    "replacement": stock.record_replacements,
}
MAX_UPLOAD = 20 * 1024 * 1024


class StockRow(BaseModel):
    """Movement totals and stock on hand of one item (or ballot type and dapil) at a regency."""

    region: str
    item: str
    ballot_type: str
    dapil: str
    received: int
    sorted: int
    damaged: int
    claimed: int
    replaced: int
    packed: int
    on_hand: int
    unsorted: int


class ShortageRow(BaseModel):
    region: str
    item: str
    ballot_type: str
    dapil: str
    need_tps: int
    need_psu: int
    need: int
    received: int
    damaged: int
    replaced: int
    packed: int
    on_hand: int
    shortage: int
    surplus: int


class RecordOut(BaseModel):
    """What an upload did: papers recorded, papers already on record, movements written."""

    recorded: list[str]
    already: list[str]
    movements: int


def _regency_level(grant: Grant) -> None:
    if level_of(grant.region) not in (RegionLevel.PROVINCE, RegionLevel.REGENCY):
        raise IdentityInputError("stock.not_a_regency", field="region", code=grant.region)


@router.get("/stock/{region}", response_model=list[StockRow])
def stock_levels(
    region: str, grant: Annotated[Grant, Allow(policy.STOCK)], uow: Uow
) -> list[StockRow]:
    """Stock per regency of a province or regency: every movement kind and stock on hand."""
    _regency_level(grant)
    frame = stock.stock_on_hand(uow.session, grant.region)
    return [StockRow.model_validate(row) for row in frame.to_dict("records")]


@router.get("/stock/{region}/shortage", response_model=list[ShortageRow])
def shortage(
    region: str,
    grant: Annotated[Grant, Allow(policy.STOCK)],
    uow: Uow,
    norm: NormId = DEFAULT_NORM,
) -> list[ShortageRow]:
    """Needs of a regency's kits and PSU reserve against its stock, per item."""
    if level_of(grant.region) is not RegionLevel.REGENCY:
        raise IdentityInputError("stock.not_a_regency", field="region", code=grant.region)
    report = stock.shortage(uow.session, grant.region, shipped_norm(norm))
    return [ShortageRow.model_validate(row) for row in report.frame().to_dict("records")]


async def csv_body(request: Request) -> bytes:
    """The uploaded CSV, read whole (papers are small; the cap keeps them so)."""
    body = await request.body()
    if len(body) > MAX_UPLOAD:
        raise IdentityInputError("service.upload_too_big", field="body", limit=MAX_UPLOAD)
    return body


@router.post(
    "/stock/{region}/papers",
    response_model=RecordOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def record_papers(
    region: str,
    grant: Annotated[Grant, Allow(policy.RECORD_STOCK)],
    body: Annotated[bytes, Depends(csv_body)],
    uow: Uow,
    kind: Annotated[Literal["receipt", "sortir", "claim", "replacement"], Query()],
    name: Annotated[str, Query(pattern=r"^[A-Za-z0-9._-]{1,80}$")] = "upload.csv",
) -> RecordOut:
    """Record a CSV of stock papers of one kind; every row's regency must lie in the region."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        documents = read_documents(path, PAPERS[kind])
        for document in documents:
            if not within(document.regency, grant.region):
                raise document.first.fail("regency", "service.paper_out_of_scope")
        report = RECORDERS[kind](uow, path)
    return RecordOut(recorded=report.recorded, already=report.already, movements=report.movements)
