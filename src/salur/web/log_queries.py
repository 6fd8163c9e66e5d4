"""The web pages' reads of the signed log: each province's log, its latest checkpoint and the
witnesses' cosignatures on it (see `web.repository` for the other page queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerLog, LedgerWitness
from salur.web.repository import utc


def logs_for(session: Session, region: str) -> list[LedgerLog]:
    """The custody logs of the provinces at or inside `region` (all for '')."""
    province = region.split(".")[0] if region else ""
    stmt = select(LedgerLog).order_by(LedgerLog.origin)
    return [log for log in session.scalars(stmt) if not province or log.province_code == province]


@dataclass(frozen=True, slots=True)
class Cosigned:
    """One witness's cosignature on a checkpoint."""

    witness: str
    vkey: str
    line: str
    at: dt.datetime


def latest_checkpoint(
    session: Session, log_id: int
) -> tuple[LedgerCheckpoint | None, list[Cosigned]]:
    """The log's largest signed checkpoint and the cosignatures stored on it."""
    checkpoint = session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    ).first()
    if checkpoint is None:
        return None, []
    return checkpoint, _cosignatures(session, checkpoint.id)


def latest_cosigned(session: Session, log_id: int) -> tuple[int, list[Cosigned]] | None:
    """The size of the largest checkpoint any witness cosigned, and its cosignatures."""
    cosigned = select(LedgerCosignature.checkpoint_id)
    checkpoint = session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id, LedgerCheckpoint.id.in_(cosigned))
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    ).first()
    if checkpoint is None:
        return None
    return checkpoint.size, _cosignatures(session, checkpoint.id)


def witnesses(session: Session) -> list[LedgerWitness]:
    return list(session.scalars(select(LedgerWitness).order_by(LedgerWitness.id)))


def _cosignatures(session: Session, checkpoint_id: int) -> list[Cosigned]:
    stmt = (
        select(LedgerWitness.name, LedgerWitness.vkey, LedgerCosignature.signature)
        .add_columns(LedgerCosignature.cosigned_at)
        .join(LedgerWitness, LedgerWitness.id == LedgerCosignature.witness_id)
        .where(LedgerCosignature.checkpoint_id == checkpoint_id)
        .order_by(LedgerCosignature.witness_id)
    )
    return [
        Cosigned(str(n), str(v), str(s), utc(at)) for n, v, s, at in session.execute(stmt).all()
    ]
