"""Tables of warehouse stock: the documents recorded (BTTB, sortir, claims, packings) and their
append-only movements."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base
from salur.geo import models as _geo  # noqa: F401  (the regency table the documents refer to)


class StockDocument(Base):
    """One paper the warehouse records: a supplier's delivery note (BTTB), a sortir-lipat record,
    a replacement claim or delivery, or a packing run.

    (regency, kind, supplier, number) is unique: a retried submission finds its document and is
    applied once; `content_sha256` tells a retry from a different paper under the same number.
    """

    __tablename__ = "stock_document"
    __table_args__ = (
        UniqueConstraint("regency_code", "kind", "supplier", "number"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"))
    kind: Mapped[str] = mapped_column(
        String(12)
    )  # receipt | sortir | claim | replacement | packing
    supplier: Mapped[str] = mapped_column(Text)  # '' for sortir and packing
    number: Mapped[str] = mapped_column(Text)  # note, berita acara, claim or packing number
    doc_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(12))  # claims: damaged | short
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StockMovement(Base):
    """A quantity of one stock key that a document moved; see `stock.movements` for the kinds."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_stock_movement_key", "regency_code", "item", "ballot_type", "dapil"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"), index=True)
    regency_code: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(12))
    item: Mapped[str] = mapped_column(String(40))
    ballot_type: Mapped[str] = mapped_column(String(20))  # '' for items
    dapil: Mapped[str] = mapped_column(String(13))  # '' for items
    quantity: Mapped[int] = mapped_column(Integer)
