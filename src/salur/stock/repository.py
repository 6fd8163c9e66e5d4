"""Every query of stock: documents by their natural key, movements written and summed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from salur.geo.repository import in_region
from salur.stock.models import StockDocument, StockMovement
from salur.stock.movements import CLAIMED, REPLACED, StockKey, StockLevel

# Sums per kind: regency -> key -> kind -> quantity.
Totals = dict[str, dict[StockKey, dict[str, int]]]


def find_document(
    session: Session, regency: str, kind: str, supplier: str, number: str
) -> StockDocument | None:
    return session.scalars(
        select(StockDocument).where(
            StockDocument.regency_code == regency,
            StockDocument.kind == kind,
            StockDocument.supplier == supplier,
            StockDocument.number == number,
        )
    ).first()


def add_document(
    session: Session, document: StockDocument, movements: Iterable[tuple[StockKey, str, int]]
) -> int:
    """Write a document and its movements (key, kind, quantity > 0); returns movements written."""
    session.add(document)
    session.flush()
    rows: list[dict[str, Any]] = [
        {
            "document_id": document.id,
            "regency_code": document.regency_code,
            "kind": kind,
            "item": key.item,
            "ballot_type": key.ballot_type,
            "dapil": key.dapil,
            "quantity": quantity,
        }
        for key, kind, quantity in movements
        if quantity > 0
    ]
    if rows:
        session.execute(insert(StockMovement), rows)
    return len(rows)


def totals(session: Session, region: str) -> Totals:
    """Movement sums per regency, key and kind, for every regency at or below `region`."""
    m = StockMovement
    stmt = (
        select(m.regency_code, m.item, m.ballot_type, m.dapil, m.kind, func.sum(m.quantity))
        .where(in_region(m.regency_code, region))
        .group_by(m.regency_code, m.item, m.ballot_type, m.dapil, m.kind)
    )
    out: Totals = {}
    for regency, item, ballot_type, dapil, kind, quantity in session.execute(stmt).all():
        key = StockKey(item, ballot_type, dapil)
        out.setdefault(regency, {}).setdefault(key, {})[kind] = int(quantity)
    return out


def levels(session: Session, region: str) -> dict[str, dict[StockKey, StockLevel]]:
    """Stock levels per regency and key (stock on hand is a query, never a stored counter)."""
    return {
        regency: {key: StockLevel.from_totals(key, kinds) for key, kinds in per_key.items()}
        for regency, per_key in totals(session, region).items()
    }


def claimed_by_reason(session: Session, regency: str, reason: str) -> dict[StockKey, int]:
    """Quantities claimed from suppliers for one reason (damaged or short), per key."""
    m, d = StockMovement, StockDocument
    stmt = (
        select(m.item, m.ballot_type, m.dapil, func.sum(m.quantity))
        .join(d, d.id == m.document_id)
        .where(m.regency_code == regency, m.kind == CLAIMED, d.reason == reason)
        .group_by(m.item, m.ballot_type, m.dapil)
    )
    return {StockKey(i, b, p): int(q) for i, b, p, q in session.execute(stmt).all()}


def claim_balance(session: Session, claim_id: int) -> dict[StockKey, tuple[int, int]]:
    """Per key of a claim: (claimed, replaced so far by deliveries linked to it)."""
    m, d = StockMovement, StockDocument
    claimed = select(m.item, m.ballot_type, m.dapil, func.sum(m.quantity)).where(
        m.document_id == claim_id, m.kind == CLAIMED
    )
    replaced = (
        select(m.item, m.ballot_type, m.dapil, func.sum(m.quantity))
        .join(d, d.id == m.document_id)
        .where(d.claim_id == claim_id, m.kind == REPLACED)
    )
    group = (m.item, m.ballot_type, m.dapil)
    got = {StockKey(i, b, p): int(q) for i, b, p, q in session.execute(replaced.group_by(*group))}
    return {
        StockKey(i, b, p): (int(q), got.get(StockKey(i, b, p), 0))
        for i, b, p, q in session.execute(claimed.group_by(*group)).all()
    }


def claims(session: Session, region: str) -> Sequence[StockDocument]:
    return session.scalars(
        select(StockDocument)
        .where(StockDocument.kind == "claim", in_region(StockDocument.regency_code, region))
        .order_by(StockDocument.regency_code, StockDocument.doc_date, StockDocument.id)
    ).all()
