"""Every query of the custody log, including the SQL `NodeStore` the pure tree core reads from.

The hot path, an append, is three statements run straight on the DBAPI cursor of the session's
own connection (so inside the caller's transaction): measured on SQLite, 42 µs per append
against 184 µs through SQLAlchemy Core, whose per-statement overhead dominated the append.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import DateTime, Dialect, Table, TextClause, func, select, text, update
from sqlalchemy.orm import Session

from salur.db import raw_cursor, raw_sql
from salur.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerNode,
    LedgerWitness,
)
from salur.ledger.tree import MissingNodeError, Node, NodeAddress

_LOG = cast(Table, LedgerLog.__table__)
_ENTRY = cast(Table, LedgerEntry.__table__)
_NODE = cast(Table, LedgerNode.__table__)
_CHUNK = 5_000  # values in one IN list
_NODE_CHUNK = 2_048  # addresses in one node query: 4,096 parameters
_EXACT_NODE_QUERIES = 64  # one proof's or frontier's read is never padded


class SqlNodeStore:
    """The `tree.NodeStore` of one log: every proof reads its nodes in one batched query."""

    def __init__(self, session: Session, log_id: int) -> None:
        self.session = session
        self.log_id = log_id

    def read_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        """Hashes at `addresses`, in order; MissingNodeError names the first one not stored."""
        if not addresses:
            return []
        found = read_node_map(self.session, self.log_id, addresses)
        try:
            return [found[address] for address in addresses]
        except KeyError as missing:
            raise MissingNodeError(f"no node at (level, index) {missing.args[0]}") from None


def read_node_map(
    session: Session, log_id: int, addresses: Sequence[NodeAddress]
) -> dict[NodeAddress, bytes]:
    """The stored hashes among `addresses`, in one query of primary-key lookups per 2,048."""
    found: dict[NodeAddress, bytes] = {}
    for start in range(0, len(addresses), _NODE_CHUNK):
        chunk = list(addresses[start : start + _NODE_CHUNK])
        # Few distinct statement sizes, so the cache of statements stays small: a long list is
        # padded to a power of two by repeating its last address (a duplicate finds it again).
        if len(chunk) > _EXACT_NODE_QUERIES:
            chunk += chunk[-1:] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
        params: dict[str, int] = {"log_id": log_id}
        for i, (level, index) in enumerate(chunk):
            params[f"l{i}"], params[f"i{i}"] = level, index
        rows = session.connection().execute(_nodes_query(len(chunk)), params)
        found.update({(row[0], row[1]): bytes(row[2]) for row in rows})
    return found


@functools.cache
def _nodes_query(count: int) -> TextClause:
    # A VALUES list joined to the table: both SQLite and PostgreSQL then probe the primary key
    # once per address. `(level, idx) IN (...)` made SQLite scan the whole log instead.
    wanted = ", ".join(f"(:l{i}, :i{i})" for i in range(count))
    return text(
        f"WITH want(level, idx) AS (VALUES {wanted}) "
        "SELECT n.level, n.idx, n.hash FROM want JOIN ledger_node n "
        "ON n.log_id = :log_id AND n.level = want.level AND n.idx = want.idx"
    )


@dataclass(frozen=True, slots=True)
class _AppendSql:
    advance: str
    entry: str
    node: str
    stamp: Callable[[dt.datetime], Any]


@functools.lru_cache(maxsize=16)
def _append_sql(dialect: Dialect) -> _AppendSql:
    statements = [
        raw_sql(dialect, sql)
        for sql in (
            "UPDATE ledger_log SET size = size + ? WHERE id = ? RETURNING size",
            "INSERT INTO ledger_entry (log_id, idx, entry, leaf_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            "INSERT INTO ledger_node (log_id, level, idx, hash) VALUES (?, ?, ?, ?)",
        )
    ]
    # Store timestamps exactly as SQLAlchemy's DateTime would on this backend.
    processor = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    advance, entry, node = statements
    return _AppendSql(advance, entry, node, stamp=processor or (lambda value: value))


class Appender:
    """Writes appends: lock and advance the log, store the entries, store the new nodes."""

    def __init__(self, session: Session) -> None:
        raw = raw_cursor(session)  # the transaction's own, kept open until it ends
        self._sql = _append_sql(raw.dialect)
        self._cursor = raw.cursor

    def advance_log(self, log_id: int, count: int = 1) -> int:
        """Lock the log row for this transaction and add `count` to its size; return the new size.

        The UPDATE is the append's first write, so it takes the lock before anything is read:
        PostgreSQL's row lock (what SELECT ... FOR UPDATE takes, in one round trip) or SQLite's
        database write lock, which pysqlite's implicit BEGIN defers to this very statement.
        """
        self._cursor.execute(self._sql.advance, (count, log_id))
        row = _only_row(self._cursor)
        if row is None:
            raise LookupError(f"no log with id {log_id}")
        return int(row[0])

    def insert_entries(
        self,
        log_id: int,
        first: int,
        entries: Sequence[bytes],
        leaf_hashes: Sequence[bytes],
        at: dt.datetime,
    ) -> None:
        """Store entries' exact bytes, from index `first` on."""
        stamp = self._sql.stamp(at)
        rows = [
            (log_id, first + i, entry, leaf, stamp)
            for i, (entry, leaf) in enumerate(zip(entries, leaf_hashes, strict=True))
        ]
        if len(rows) == 1:
            self._cursor.execute(self._sql.entry, rows[0])
        else:
            self._cursor.executemany(self._sql.entry, rows)

    def insert_nodes(self, log_id: int, nodes: Sequence[Node]) -> None:
        """Store newly completed perfect subtrees."""
        rows = [(log_id, n.level, n.index, n.hash) for n in nodes]
        if len(rows) == 1:
            self._cursor.execute(self._sql.node, rows[0])
        else:
            self._cursor.executemany(self._sql.node, rows)


def _only_row(cursor: Any) -> Any:
    """The one row a RETURNING statement gives, read to the statement's end: the transaction's
    cursor stays open, and pysqlite keeps an unfinished statement alive, which a later
    ROLLBACK TO SAVEPOINT then does not undo."""
    rows = cursor.fetchall()
    return rows[0] if rows else None


def lock_log(session: Session, log_id: int) -> int:
    """Lock the log row against appends for this transaction; return its size."""
    if session.get_bind().dialect.name == "postgresql":
        query: Any = select(_LOG.c.size).where(_LOG.c.id == log_id).with_for_update()
    else:  # a no-op write is how SQLite takes its write lock
        query = (
            update(_LOG).where(_LOG.c.id == log_id).values(size=_LOG.c.size).returning(_LOG.c.size)
        )
    return int(session.execute(query).scalar_one())


def log_size(session: Session, log_id: int) -> int:
    """The committed size of the log (no lock)."""
    return int(session.execute(select(_LOG.c.size).where(_LOG.c.id == log_id)).scalar_one())


def entry_at(session: Session, log_id: int, index: int) -> LedgerEntry | None:
    """The entry at `index`, if stored."""
    return session.get(LedgerEntry, (log_id, index))


def entries_at(session: Session, log_id: int, indices: Collection[int]) -> dict[int, bytes]:
    """Entry bytes of the stored entries among `indices`, in one query per 5,000."""
    wanted = sorted(set(indices))
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(_ENTRY.c.idx, _ENTRY.c.entry).where(
            _ENTRY.c.log_id == log_id, _ENTRY.c.idx.in_(wanted[start : start + _CHUNK])
        )
        found.update((row[0], bytes(row[1])) for row in session.execute(query))
    return found


def entries_between(session: Session, log_id: int, start: int, end: int) -> list[tuple[int, bytes]]:
    """(index, entry bytes) for indices in [start, end), in order."""
    query = (
        select(_ENTRY.c.idx, _ENTRY.c.entry)
        .where(_ENTRY.c.log_id == log_id, _ENTRY.c.idx >= start, _ENTRY.c.idx < end)
        .order_by(_ENTRY.c.idx)
    )
    return [(row[0], bytes(row[1])) for row in session.execute(query)]


def entry_leaf_hashes(
    session: Session, log_id: int, start: int, end: int
) -> list[tuple[int, bytes]]:
    """(index, stored leaf hash) of the entries in [start, end), in order."""
    query = (
        select(_ENTRY.c.idx, _ENTRY.c.leaf_hash)
        .where(_ENTRY.c.log_id == log_id, _ENTRY.c.idx >= start, _ENTRY.c.idx < end)
        .order_by(_ENTRY.c.idx)
    )
    return [(row[0], bytes(row[1])) for row in session.execute(query)]


def nodes_between(
    session: Session, log_id: int, level: int, start: int, end: int
) -> list[tuple[int, bytes]]:
    """(index, hash) of the stored nodes of one level with index in [start, end), in order."""
    query = (
        select(_NODE.c.idx, _NODE.c.hash)
        .where(
            _NODE.c.log_id == log_id,
            _NODE.c.level == level,
            _NODE.c.idx >= start,
            _NODE.c.idx < end,
        )
        .order_by(_NODE.c.idx)
    )
    return [(row[0], bytes(row[1])) for row in session.execute(query)]


def count_entries(session: Session, log_id: int) -> int:
    """How many entries the log holds."""
    query = select(func.count()).select_from(_ENTRY).where(_ENTRY.c.log_id == log_id)
    return int(session.execute(query).scalar_one())


def count_nodes(session: Session, log_id: int, level: int | None = None) -> int:
    """How many nodes the log holds, at one level or in all."""
    query = select(func.count()).select_from(_NODE).where(_NODE.c.log_id == log_id)
    if level is not None:
        query = query.where(_NODE.c.level == level)
    return int(session.execute(query).scalar_one())


def all_logs(session: Session) -> list[LedgerLog]:
    """Every log, oldest first."""
    return list(session.scalars(select(LedgerLog).order_by(LedgerLog.id)))


def log_by_origin(session: Session, origin: str) -> LedgerLog | None:
    """The log with this origin line."""
    return session.scalars(select(LedgerLog).where(LedgerLog.origin == origin)).one_or_none()


def log_for(session: Session, election: str, province_code: str) -> LedgerLog | None:
    """The log of one election in one province."""
    query = select(LedgerLog).where(
        LedgerLog.election == election, LedgerLog.province_code == province_code
    )
    return session.scalars(query).one_or_none()


def checkpoint_by_id(session: Session, checkpoint_id: int) -> LedgerCheckpoint | None:
    """One checkpoint."""
    return session.get(LedgerCheckpoint, checkpoint_id)


def checkpoint_at(session: Session, log_id: int, size: int) -> LedgerCheckpoint | None:
    """The checkpoint signed at exactly this size."""
    query = select(LedgerCheckpoint).where(
        LedgerCheckpoint.log_id == log_id, LedgerCheckpoint.size == size
    )
    return session.scalars(query).one_or_none()


def latest_checkpoint(session: Session, log_id: int) -> LedgerCheckpoint | None:
    """The checkpoint with the largest size."""
    query = (
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def checkpoints(session: Session, log_id: int) -> list[LedgerCheckpoint]:
    """Every checkpoint of the log, smallest first."""
    query = (
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id)
        .order_by(LedgerCheckpoint.size)
    )
    return list(session.scalars(query))


def best_checkpoint_covering(session: Session, log_id: int, index: int) -> LedgerCheckpoint | None:
    """Of the checkpoints that include leaf `index`, the most cosigned, then the largest.

    Two indexed lookups rather than one ordered scan: a busy log signs a checkpoint per
    synced batch (thousands), while only the few a witness cosigned can beat the largest.
    """
    count = func.count(LedgerCosignature.witness_id)
    cosigned = session.execute(
        select(LedgerCheckpoint.id)
        .join(LedgerCosignature, LedgerCosignature.checkpoint_id == LedgerCheckpoint.id)
        .where(LedgerCheckpoint.log_id == log_id, LedgerCheckpoint.size > index)
        .group_by(LedgerCheckpoint.id, LedgerCheckpoint.size)
        .order_by(count.desc(), LedgerCheckpoint.size.desc())
        .limit(1)
    ).scalar_one_or_none()
    if cosigned is not None:
        return session.get(LedgerCheckpoint, cosigned)
    query = (
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log_id, LedgerCheckpoint.size > index)
        .order_by(LedgerCheckpoint.size.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def cosignature_lines(session: Session, checkpoint_id: int) -> list[str]:
    """The stored cosignature lines of a checkpoint, in the order witnesses were registered."""
    query = (
        select(LedgerCosignature.signature)
        .where(LedgerCosignature.checkpoint_id == checkpoint_id)
        .order_by(LedgerCosignature.witness_id)
    )
    return list(session.scalars(query))


def cosignature(session: Session, checkpoint_id: int, witness_id: int) -> LedgerCosignature | None:
    """One witness's cosignature on one checkpoint."""
    return session.get(LedgerCosignature, (checkpoint_id, witness_id))


def witnesses(session: Session) -> list[LedgerWitness]:
    """Every registered witness."""
    return list(session.scalars(select(LedgerWitness).order_by(LedgerWitness.id)))


def witness_by_vkey(session: Session, vkey: str) -> LedgerWitness | None:
    """The witness with this verifier key."""
    return session.scalars(select(LedgerWitness).where(LedgerWitness.vkey == vkey)).one_or_none()
