"""The public custody log of each province: signed checkpoints with witness cosignatures,
entries (the public view, and the exact bytes for users in scope), RFC 9162 inclusion and
consistency proofs; Bawaslu adds cosignatures, KPU registers the witnesses it accepts."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from salur.custody.config import load_rules
from salur.custody.entries import province_log
from salur.identity.errors import IdentityInputError
from salur.ledger import cosigning
from salur.ledger import repository as ledger_repo
from salur.ledger import service as ledger
from salur.ledger.merkle import hash_leaf
from salur.ledger.models import LedgerLog
from salur.service import policy
from salur.service.access import Allow, Grant
from salur.service.cache import FOREVER, cached, forget_latest, to_json
from salur.service.deps import Uow
from salur.service.errors import Responses
from salur.service.redaction import redact
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["log"])
NOTE: Responses = {
    200: {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "description": "A C2SP signed note: the checkpoint and its cosignatures.",
    }
}
RAW: Responses = {
    200: {
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "The entry's exact bytes (RFC 8785 canonical JSON).",
    }
}
COSIGNED_NOTE = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string", "maxLength": 65536}}},
    }
}
MAX_NOTE = 65536
LATEST_TTL = 1.0  # seconds the latest checkpoint (and sizes) are served unchanged
MAX_SIZE = 2**62


class LogOut(BaseModel):
    origin: str
    election: str
    province: str
    vkey: str = Field(description="The log's verifier key: receipts are checked against it.")
    size: int


class EntryOut(BaseModel):
    """An entry as the public sees it: its leaf hash and its content without the people."""

    index: int
    leaf_hash: str = Field(description="Base64 RFC 9162 leaf hash of the exact entry.")
    entry: dict[str, Any]


class ProofOut(BaseModel):
    index: int | None = None
    old_size: int | None = None
    size: int
    proof: list[str] = Field(description="Base64 hashes, RFC 9162 order.")


class CosignedOut(BaseModel):
    size: int
    witnesses: list[str]


class WitnessIn(BaseModel):
    vkey: str = Field(min_length=1, max_length=300, description="A cosigner key (type 0x04).")


class WitnessOut(BaseModel):
    id: int
    name: str
    vkey: str


def _log(session: Session, grant: Grant) -> LedgerLog:
    return province_log(session, load_rules(), grant.region)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _signed_size(session: Session, log: LedgerLog) -> int:
    return ledger.latest_checkpoint(session, log).size


@router.get("/log", response_model=list[LogOut])
async def logs(request: Request, grant: Annotated[Grant, Allow(policy.LOG)], uow: Uow) -> Response:
    """Every log: one per election and province."""

    def render() -> bytes:
        s = uow.session
        return to_json(
            [
                LogOut(
                    origin=log.origin,
                    election=log.election,
                    province=log.province_code,
                    vkey=log.vkey,
                    size=ledger_repo.log_size(s, log.id),
                )
                for log in ledger_repo.all_logs(s)
            ]
        )

    return await cached(request, ("logs",), LATEST_TTL, render)


@router.get("/log/{province}/checkpoint", response_class=Response, responses=NOTE)
async def checkpoint(
    province: str, request: Request, grant: Annotated[Grant, Allow(policy.LOG_PROVINCE)], uow: Uow
) -> Response:
    """The latest signed checkpoint, with every witness cosignature stored for it."""

    def render() -> bytes:
        s = uow.session
        return ledger.checkpoint_note(s, ledger.latest_checkpoint(s, _log(s, grant)))

    key = ("checkpoint", grant.region)
    return await cached(request, key, LATEST_TTL, render, "text/plain; charset=utf-8")


@router.get("/log/{province}/entries", response_model=list[EntryOut])
async def entries(
    province: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.LOG_PROVINCE)],
    uow: Uow,
    start: Annotated[int, Query(ge=0, le=MAX_SIZE)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Entries from `start`, in order, as the public sees them."""
    key = ("entries", grant.region, start, limit)
    body = request.app.state.cache.get(key)
    if body is None:

        def render() -> tuple[bytes, bool]:
            s = uow.session
            rows = ledger_repo.entries_between(s, _log(s, grant).id, start, start + limit)
            return to_json([_public_entry(i, data) for i, data in rows]), len(rows) == limit

        body, full = await run_in_threadpool(render)
        # a full page never changes again; a page at the log's end grows
        request.app.state.cache.put(key, body, FOREVER if full else LATEST_TTL)
    return Response(body, media_type="application/json")


@router.get("/log/{province}/entries/{index}", response_model=EntryOut)
async def entry(
    province: str,
    index: int,
    request: Request,
    grant: Annotated[Grant, Allow(policy.LOG_PROVINCE)],
    uow: Uow,
) -> Response:
    """One entry as the public sees it (an entry never changes: it is kept once read)."""

    def render() -> bytes:
        s = uow.session
        return to_json(_public_entry(index, ledger.entry_bytes(s, _log(s, grant), index)))

    return await cached(request, ("entry", grant.region, index), FOREVER, render)


def _public_entry(index: int, data: bytes) -> EntryOut:
    return EntryOut(index=index, leaf_hash=_b64(hash_leaf(data)), entry=redact(json.loads(data)))


@router.get("/log/{province}/entries/{index}/raw", response_class=Response, responses=RAW)
def raw_entry(
    province: str, index: int, grant: Annotated[Grant, Allow(policy.RAW_ENTRY)], uow: Uow
) -> Response:
    """One entry's exact bytes (pseudonyms, devices, signatures), for users in its region."""
    s = uow.session
    log = province_log(s, load_rules(), province)
    return Response(ledger.entry_bytes(s, log, index), media_type="application/json")


async def _signed(request: Request, grant: Grant, uow: Uow) -> int:
    """The size of the latest signed checkpoint (kept for a moment, like the checkpoint)."""

    def render() -> bytes:
        s = uow.session
        return str(_signed_size(s, _log(s, grant))).encode("ascii")

    answer = await cached(request, ("signed", grant.region), LATEST_TTL, render)
    return int(answer.body)


@router.get("/log/{province}/proofs/inclusion", response_model=ProofOut)
async def inclusion(
    province: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.LOG_PROVINCE)],
    uow: Uow,
    index: Annotated[int, Query(ge=0, le=MAX_SIZE)],
    size: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
) -> Response:
    """The inclusion proof of entry `index` in the tree of `size` (default: the latest signed)."""
    tree = size if size is not None else await _signed(request, grant, uow)

    def render() -> bytes:
        s = uow.session
        proof = ledger.inclusion_proof(s, _log(s, grant), index, tree)
        return to_json(ProofOut(index=index, size=tree, proof=[_b64(h) for h in proof]))

    return await cached(request, ("inclusion", grant.region, index, tree), FOREVER, render)


@router.get("/log/{province}/proofs/consistency", response_model=ProofOut)
async def consistency(
    province: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.LOG_PROVINCE)],
    uow: Uow,
    old: Annotated[int, Query(ge=1, le=MAX_SIZE)],
    new: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
) -> Response:
    """The consistency proof from size `old` to `new` (default: the latest signed)."""
    tree = new if new is not None else await _signed(request, grant, uow)

    def render() -> bytes:
        s = uow.session
        proof = ledger.consistency_proof(s, _log(s, grant), old, tree)
        return to_json(ProofOut(old_size=old, size=tree, proof=[_b64(h) for h in proof]))

    return await cached(request, ("consistency", grant.region, old, tree), FOREVER, render)


async def note_body(request: Request) -> bytes:
    body = await request.body()
    if not body or len(body) > MAX_NOTE:
        raise IdentityInputError("service.bad_note", field="body", limit=MAX_NOTE)
    return body


@router.post(
    "/log/{province}/cosignatures", response_model=CosignedOut, openapi_extra=COSIGNED_NOTE
)
def cosign(
    province: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.COSIGN)],
    note: Annotated[bytes, Depends(note_body)],
    uow: Uow,
) -> CosignedOut:
    """Store a witness's cosignature: the checkpoint note with its cosignature line added."""
    s = uow.session
    checkpoint, names = cosigning.add_cosigned_note(uow, _log(s, grant), note)
    forget_latest(request, grant.region)
    return CosignedOut(size=checkpoint.size, witnesses=names)


@router.post("/log/{province}/witnesses", response_model=WitnessOut, status_code=201)
def add_witness(
    province: str, grant: Annotated[Grant, Allow(policy.ADD_WITNESS)], body: WitnessIn, uow: Uow
) -> WitnessOut:
    """Accept cosignatures from a witness (Bawaslu, an observer) by its verifier key."""
    _log(uow.session, grant)
    witness = cosigning.register_witness(uow, body.vkey)
    return WitnessOut(id=witness.id, name=witness.name, vkey=witness.vkey)
