"""Tables of the custody log: one log per election and province, its entries, tree nodes,
signed checkpoints, trusted witnesses and their cosignatures.

Entries and nodes are append-only (the migration adds triggers refusing UPDATE and DELETE); the
log's private key is never stored here, only its public verifier key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base, UtcDateTime


class LedgerLog(Base):
    """One transparency log. `size` counts its entries and its row is the append lock.

    Appends change `size` with SQL, so on a loaded row it is a snapshot: read it afresh with
    `repository.log_size` when it matters.
    """

    __tablename__ = "ledger_log"
    __table_args__ = (
        UniqueConstraint("election", "province_code"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(Text, unique=True)  # e.g. salur.kpu.go.id/pemilu-2024/14
    election: Mapped[str] = mapped_column(String(40))
    province_code: Mapped[str] = mapped_column(String(2))
    vkey: Mapped[str] = mapped_column(Text)  # signed-note verifier key, type 0x01
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LedgerEntry(Base):
    """The exact bytes of one logged event (RFC 8785 canonical JSON) and their leaf hash."""

    __tablename__ = "ledger_entry"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_log.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LedgerNode(Base):
    """The hash of one perfect subtree (level 0: the leaves), written once, read by proofs."""

    __tablename__ = "ledger_node"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_log.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A checkpoint the log signed: the note exactly as signed, log signature only."""

    __tablename__ = "ledger_checkpoint"
    __table_args__ = (UniqueConstraint("log_id", "size"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_log.id"))
    size: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LedgerWitness(Base):
    """A witness (Bawaslu, an observer) whose cosignatures the log accepts and hands out."""

    __tablename__ = "ledger_witness"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    vkey: Mapped[str] = mapped_column(Text, unique=True)  # cosigner verifier key, type 0x04
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LedgerCosignature(Base):
    """One witness's cosignature on one checkpoint: the note signature line, verified on entry."""

    __tablename__ = "ledger_cosignature"

    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("ledger_checkpoint.id"), primary_key=True)
    witness_id: Mapped[int] = mapped_column(ForeignKey("ledger_witness.id"), primary_key=True)
    signature: Mapped[str] = mapped_column(Text)  # "— name base64(key ID || timestamp || sig)"
    cosigned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
