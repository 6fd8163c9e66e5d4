"""Use cases of the regency warehouse: record papers (receipts, sortir, claims, replacements),
and read stock on hand and the shortage against needs.

Each recording use case reads a whole file, checks every line against the store and against
the lines before it, and writes all of it or nothing. A paper already on record with the same
content is skipped (a retried upload is applied once); with other content it is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from salur.errors import InputError, SalurError
from salur.geo.repository import region_level, region_name
from salur.norms.loader import LoadedNorm, load_norm
from salur.stock import repository as repo
from salur.stock.catalogue import Catalogue
from salur.stock.demand import check_regency, regency_catalogue, regency_needs
from salur.stock.documents import (
    CLAIM,
    RECEIPT,
    REPLACEMENT,
    SORTIR,
    DocumentLine,
    DocumentSpec,
    ParsedDocument,
    read_documents,
)
from salur.stock.errors import DocumentConflictError
from salur.stock.models import StockDocument
from salur.stock.movements import (
    BALLOT_ITEM,
    CLAIMED,
    DAMAGED,
    KINDS,
    RECEIVED,
    REPLACED,
    SORTED,
    ShortageLine,
    StockKey,
    StockLevel,
    shortage_lines,
)
from salur.uow import UnitOfWork


@dataclass
class RecordReport:
    """What recording a file did: documents written, documents already on record, movements."""

    recorded: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    movements: int = 0


def receive(
    uow: UnitOfWork, path: Path, norm: LoadedNorm | None = None, at: dt.datetime | None = None
) -> RecordReport:
    """Record delivery notes (BTTB) at regency warehouses."""
    return _record(uow, path, RECEIPT, norm, at)


def record_sortir(
    uow: UnitOfWork, path: Path, norm: LoadedNorm | None = None, at: dt.datetime | None = None
) -> RecordReport:
    """Record sortir-lipat results: good and damaged counts, never more than was delivered."""
    return _record(uow, path, SORTIR, norm, at)


def open_claims(
    uow: UnitOfWork, path: Path, norm: LoadedNorm | None = None, at: dt.datetime | None = None
) -> RecordReport:
    """Record replacement claims to suppliers (damaged claims up to the damaged quantity)."""
    return _record(uow, path, CLAIM, norm, at)


def record_replacements(
    uow: UnitOfWork, path: Path, norm: LoadedNorm | None = None, at: dt.datetime | None = None
) -> RecordReport:
    """Record replacement deliveries, each against a claim and never beyond what it claimed."""
    return _record(uow, path, REPLACEMENT, norm, at)


def _record(
    uow: UnitOfWork,
    path: Path,
    spec: DocumentSpec,
    norm: LoadedNorm | None,
    at: dt.datetime | None,
) -> RecordReport:
    loaded = norm or load_norm()
    documents = read_documents(path, spec)
    session = uow.session
    checks = _Checks(session)
    catalogues: dict[str, Catalogue] = {}
    report = RecordReport()
    for document in documents:
        if document.regency not in catalogues:
            catalogues[document.regency] = _catalogue(session, document, loaded)
        for line in document.lines:
            line.key = catalogues[document.regency].resolve(line.row)
        digest = document.content_sha256()
        found = repo.find_document(
            session, document.regency, spec.kind, document.supplier, document.number
        )
        if found is not None:
            if found.content_sha256 != digest:
                raise DocumentConflictError(
                    file=path,
                    row=document.first.number,
                    column=spec.number_column,
                    document=document.label(),
                )
            report.already.append(document.label())
            continue
        claim_id = checks.check(document)
        row = StockDocument(
            regency_code=document.regency,
            kind=spec.kind,
            supplier=document.supplier,
            number=document.number,
            doc_date=document.date,
            reason=document.header.get("reason"),
            claim_id=claim_id,
            content_sha256=digest,
            source_file=path.name,
            recorded_at=at or dt.datetime.now(dt.UTC),
        )
        report.movements += repo.add_document(session, row, document.movements())
        report.recorded.append(document.label())
    uow.commit()
    return report


def _catalogue(session: Session, document: ParsedDocument, norm: LoadedNorm) -> Catalogue:
    try:
        return regency_catalogue(session, document.regency, norm)
    except SalurError:
        raise document.first.fail("regency", "stock.unknown_regency") from None


class _Checks:
    """The quantity rules, with running totals that include earlier lines of the same file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.totals: dict[str, dict[StockKey, dict[str, int]]] = {}
        self.claimed_damaged: dict[str, dict[StockKey, int]] = {}
        self.claims: dict[int, dict[StockKey, tuple[int, int]]] = {}

    def check(self, document: ParsedDocument) -> int | None:
        """Refuse the first line breaking a rule; returns the claim a replacement settles."""
        regency = document.regency
        if regency not in self.totals:
            self.totals[regency] = repo.totals(self.session, regency).get(regency, {})
        claim_id = None
        if document.spec is REPLACEMENT:
            claim_id = self._claim(document)
        for line in document.lines:
            assert line.key is not None
            kinds = self.totals[regency].setdefault(line.key, {})
            for kind, quantity in line.quantities.items():
                kinds[kind] = kinds.get(kind, 0) + quantity
            if document.spec is SORTIR:
                self._sortir(line, kinds)
            elif document.spec is CLAIM and document.header["reason"] == "damaged":
                self._damaged_claim(regency, line, kinds)
            elif claim_id is not None:
                self._replacement(claim_id, line)
        return claim_id

    def _sortir(self, line: DocumentLine, kinds: dict[str, int]) -> None:
        sorted_ = kinds.get(SORTED, 0) + kinds.get(DAMAGED, 0)
        delivered = kinds.get(RECEIVED, 0) + kinds.get(REPLACED, 0)
        if sorted_ > delivered:
            assert line.key is not None
            raise line.row.fail(
                "good",
                "stock.sortir_exceeds",
                goods=line.key.label(),
                sorted=sorted_,
                delivered=delivered,
            )

    def _damaged_claim(self, regency: str, line: DocumentLine, kinds: dict[str, int]) -> None:
        assert line.key is not None
        if regency not in self.claimed_damaged:
            self.claimed_damaged[regency] = repo.claimed_by_reason(self.session, regency, DAMAGED)
        claimed = self.claimed_damaged[regency]
        claimed[line.key] = claimed.get(line.key, 0) + line.quantities[CLAIMED]
        if claimed[line.key] > kinds.get(DAMAGED, 0):
            raise line.row.fail(
                "quantity",
                "stock.claim_exceeds_damaged",
                goods=line.key.label(),
                claimed=claimed[line.key],
                damaged=kinds.get(DAMAGED, 0),
            )

    def _claim(self, document: ParsedDocument) -> int:
        number = document.header["claim_number"]
        claim = repo.find_document(
            self.session, document.regency, CLAIM.kind, document.supplier, number
        )
        if claim is None:
            raise document.first.fail("claim_number", "stock.unknown_claim")
        if claim.id not in self.claims:
            self.claims[claim.id] = repo.claim_balance(self.session, claim.id)
        return claim.id

    def _replacement(self, claim_id: int, line: DocumentLine) -> None:
        assert line.key is not None
        balance = self.claims[claim_id]
        if line.key not in balance:
            raise line.row.fail("item", "stock.not_in_claim", goods=line.key.label())
        claimed, replaced = balance[line.key]
        replaced += line.quantities[REPLACED]
        balance[line.key] = (claimed, replaced)
        if replaced > claimed:
            raise line.row.fail(
                "quantity",
                "stock.replacement_exceeds_claim",
                goods=line.key.label(),
                replaced=replaced,
                claimed=claimed,
            )


LEVEL_COLUMNS = ["region", "item", "ballot_type", "dapil", *KINDS, "on_hand", "unsorted"]
SHORTAGE_COLUMNS = [
    "region",
    "item",
    "ballot_type",
    "dapil",
    "need_tps",
    "need_psu",
    "need",
    "received",
    "damaged",
    "replaced",
    "packed",
    "on_hand",
    "shortage",
    "surplus",
]


def stock_on_hand(session: Session, region: str) -> pd.DataFrame:
    """Stock per regency, item, ballot type and dapil at or below `region` (a province or
    regency; '' = all): every movement kind summed, stock on hand and what is still unsorted."""
    if region_level(region) not in ("country", "province", "regency"):
        raise SalurError("stock.not_a_regency", code=region)
    region_name(session, region)
    rows = [
        [regency, key.item, key.ballot_type, key.dapil]
        + [getattr(level, kind) for kind in KINDS]
        + [level.on_hand, level.unsorted]
        for regency, per_key in sorted(repo.levels(session, region).items())
        for key, level in sorted(per_key.items(), key=_ballots_first)
    ]
    return pd.DataFrame(rows, columns=LEVEL_COLUMNS)


def _ballots_first(entry: tuple[StockKey, StockLevel]) -> tuple[bool, StockKey]:
    return entry[0].item != BALLOT_ITEM, entry[0]


@dataclass(frozen=True)
class ShortageReport:
    """Needs of a regency (TPS kits and PSU reserve) against its stock, per key."""

    regency: str
    name: str
    run_id: int | None
    lines: list[ShortageLine]

    def frame(self) -> pd.DataFrame:
        rows = [
            [
                self.regency,
                ln.key.item,
                ln.key.ballot_type,
                ln.key.dapil,
                ln.need_tps,
                ln.need_psu,
                ln.need,
                ln.level.received,
                ln.level.damaged,
                ln.level.replaced,
                ln.level.packed,
                ln.level.on_hand,
                ln.shortage,
                ln.surplus,
            ]
            for ln in self.lines
        ]
        return pd.DataFrame(rows, columns=SHORTAGE_COLUMNS)


def shortage(session: Session, regency: str, norm: LoadedNorm | None = None) -> ShortageReport:
    """Shortage = needs (TPS kits + PSU reserve held by the regency) - usable stock supplied
    (on hand + packed), per key; from the stored needs run in force, else computed afresh."""
    loaded = norm or load_norm()
    name = check_regency(session, regency)
    needs = regency_needs(session, regency, loaded)
    levels: dict[StockKey, StockLevel] = repo.levels(session, regency).get(regency, {})
    lines = shortage_lines(needs.tps_totals(), needs.psu_totals(), levels, needs.catalogue().keys())
    return ShortageReport(regency, name, needs.run_id, lines)


__all__ = [
    "InputError",
    "RecordReport",
    "ShortageReport",
    "open_claims",
    "receive",
    "record_replacements",
    "record_sortir",
    "shortage",
    "stock_on_hand",
]
