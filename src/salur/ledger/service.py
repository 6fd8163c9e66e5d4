"""Use cases of the custody log: create a log, append entries inside the caller's transaction,
sign checkpoints, hand out entries, proofs and receipts (witnesses: see `cosigning.py`).

`append_entry` never commits, so a custody event and its leaf commit together or not at all;
the use cases that take a `UnitOfWork` are whole transactions of their own and commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from salur.canonical import canonical_json
from salur.errors import ConflictError, NotFoundError, SalurError
from salur.ledger import repository as repo
from salur.ledger.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from salur.ledger.checkpoint import sign_checkpoint as sign_checkpoint_note
from salur.ledger.errors import KeyFileError, StoreMismatchError
from salur.ledger.keyfile import key_dir, log_key_path, read_key_file, write_key_file
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import ProofError, hash_leaf, verify_consistency, verify_inclusion
from salur.ledger.models import LedgerCheckpoint, LedgerLog
from salur.ledger.note import is_valid_key_name, parse_note
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tlogproof import Receipt, ReceiptError
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    MissingNodeError,
    inclusion_addresses,
    perfect_subtrees,
)
from salur.ledger.tree import consistency_proof as tree_consistency_proof
from salur.ledger.tree import inclusion_proof as tree_inclusion_proof
from salur.ledger.tree import root_hash as tree_root_hash
from salur.uow import UnitOfWork

DEFAULT_ORIGIN_PREFIX = "salur.kpu.go.id"
_FRONTIERS = "salur.ledger.frontiers"
_SIGNED_HERE = "salur.ledger.signed_here"  # checkpoint ids this transaction signed
_LISTENING = "salur.ledger.frontiers.listening"


def default_origin(election: str, province_code: str) -> str:
    """`<prefix>/<election>/<province>`, the prefix from `SALUR_LOG_ORIGIN_PREFIX`."""
    prefix = os.environ.get("SALUR_LOG_ORIGIN_PREFIX", "").strip() or DEFAULT_ORIGIN_PREFIX
    return f"{prefix.rstrip('/')}/{election}/{province_code}"


def canonical_entry(payload: Mapping[str, Any]) -> bytes:
    """The bytes the log commits to: RFC 8785 (JCS) canonical JSON of the payload."""
    return canonical_json(payload)


def create_log(
    uow: UnitOfWork,
    *,
    election: str,
    province_code: str,
    origin: str | None = None,
    keys: Path | None = None,
    now: dt.datetime | None = None,
) -> LedgerLog:
    """Create the log of one election in one province and its key file; commits."""
    origin = origin or default_origin(election, province_code)
    if not is_valid_key_name(origin) or origin != origin.strip():
        raise SalurError("ledger.bad_origin", origin=origin)
    s = uow.session
    if repo.log_by_origin(s, origin) or repo.log_for(s, election, province_code):
        raise ConflictError("ledger.log_exists", origin=origin)
    signer = Ed25519Signer.generate(origin)
    log = LedgerLog(
        origin=origin,
        election=election,
        province_code=province_code,
        vkey=signer.verifier().vkey,
        size=0,
        created_at=now or _now(),
    )
    s.add(log)
    s.flush()
    path = log_key_path(keys or key_dir(), origin)
    write_key_file(path, signer.skey)
    try:
        uow.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return log


def find_log(session: Session, origin: str | None = None) -> LedgerLog:
    """The log named by `origin`, or the only log when none is named."""
    if origin is not None:
        log = repo.log_by_origin(session, origin)
        if log is None:
            raise NotFoundError("ledger.log_unknown", origin=origin)
        return log
    logs = repo.all_logs(session)
    if not logs:
        raise NotFoundError("ledger.no_log")
    if len(logs) > 1:
        raise ConflictError("ledger.choose_log", origins=", ".join(log.origin for log in logs))
    return logs[0]


def load_signer(log: LedgerLog, keys: Path | None = None) -> Ed25519Signer:
    """The log's signing key from its key file, checked against the public key in the store."""
    path = log_key_path(keys or key_dir(), log.origin)
    try:
        seen = path.stat()
    except OSError:
        signer = _read_signer(path)  # raises the key file's error
    else:
        signer = _cached_signer(str(path), seen.st_ino, seen.st_mtime_ns, seen.st_size)
    if signer.verifier().vkey != log.vkey:
        raise KeyFileError("ledger.key_mismatch", path=str(path), origin=log.origin)
    return signer


@functools.lru_cache(maxsize=64)
def _cached_signer(path: str, inode: int, modified_ns: int, size: int) -> Ed25519Signer:
    """The key file as last read, while it stays the same file (a sync upload signs a checkpoint
    each time; reading and parsing the file was a tenth of that)."""
    return _read_signer(Path(path))


def _read_signer(path: Path) -> Ed25519Signer:
    try:
        return Ed25519Signer.from_skey(read_key_file(path))
    except ValueError:
        raise KeyFileError("ledger.key_unreadable", path=str(path)) from None


def append_entry(
    session: Session,
    log: LedgerLog,
    payload: Mapping[str, Any] | bytes,
    *,
    now: dt.datetime | None = None,
) -> tuple[int, bytes]:
    """Append one event to the log in the caller's transaction; return (index, leaf hash).

    Canonicalises the payload (bytes are taken as already canonical: a caller that built them
    from canonical parts), then appends it as `append_entries` does. Never commits: the caller's
    unit of work does, with the event.
    """
    entry = payload if isinstance(payload, bytes) else canonical_entry(payload)
    return append_entries(session, log, [entry], now=now)[0]


def append_entries(
    session: Session, log: LedgerLog, entries: Sequence[bytes], *, now: dt.datetime | None = None
) -> list[tuple[int, bytes]]:
    """Append entries (canonical bytes), in order, in the caller's transaction; return the
    (index, leaf hash) of each. Locks the log row and grows it by all of them at once, then
    writes the entries, their leaves and every perfect subtree they complete, a statement
    each (a synced batch appends dozens). Never commits."""
    if not entries:
        return []
    leaves = [hash_leaf(entry) for entry in entries]
    writer = repo.Appender(session)
    first = writer.advance_log(log.id, len(entries)) - len(entries)
    tree = _frontier(session, log.id, first)
    try:
        nodes = [node for leaf in leaves for node in tree.append(leaf)]
        writer.insert_entries(log.id, first, entries, leaves, now or _now())
        writer.insert_nodes(log.id, nodes)
    except BaseException:
        # The transaction must now roll back; never reuse a frontier that ran ahead of it.
        session.info.get(_FRONTIERS, {}).pop(log.id, None)
        raise
    return [(first + i, leaf) for i, leaf in enumerate(leaves)]


def _frontier(session: Session, log_id: int, size: int) -> MerkleTree:
    """The tree's right edge at `size`, read once per transaction and then kept up to date.

    Valid only while this transaction holds the log lock and keeps what it appended, so it is
    dropped when the transaction ends and when any savepoint rolls back (its appends are undone,
    and a lock taken inside it is released on PostgreSQL); a released savepoint keeps both. The
    size check is a second guard. Saves one query per append in a batch.
    """
    frontiers: dict[int, MerkleTree] = _transaction_info(session, _FRONTIERS, dict)
    tree = frontiers.get(log_id)
    if tree is None or tree.size != size:
        try:
            tree = MerkleTree.load(SqlNodeStore(session, log_id), size)
        except MissingNodeError:
            raise StoreMismatchError("ledger.frontier_missing", size=size) from None
        frontiers[log_id] = tree
    return tree


def _transaction_info(session: Session, key: str, make: Callable[[], Any]) -> Any:
    """What this module keeps about the session's current transaction under `key`: dropped
    when the transaction ends and when a savepoint rolls back."""
    if not session.info.get(_LISTENING):
        event.listen(session, "after_transaction_end", _forget_at_end)
        event.listen(session, "after_soft_rollback", _forget_frontiers)
        session.info[_LISTENING] = True
    return session.info.setdefault(key, make())


def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if not transaction.nested:
        _forget_frontiers(session, transaction)


def _forget_frontiers(session: Session, _transaction: object) -> None:
    session.info.pop(_FRONTIERS, None)
    session.info.pop(_SIGNED_HERE, None)


def sign_checkpoint(
    uow: UnitOfWork, log: LedgerLog, *, keys: Path | None = None, now: dt.datetime | None = None
) -> LedgerCheckpoint:
    """Sign a checkpoint for the log's current size (or return the one already signed); commits.

    Refuses to sign a tree that is not consistent with the last checkpoint, so a damaged or
    rewritten store can never get a second, conflicting history signed.
    """
    row = sign_checkpoint_in(uow.session, log, keys=keys, now=now)
    uow.commit()
    return row


def sign_checkpoint_in(
    s: Session, log: LedgerLog, *, keys: Path | None = None, now: dt.datetime | None = None
) -> LedgerCheckpoint:
    """`sign_checkpoint` in the caller's transaction (does not commit): a sync upload signs the
    checkpoint of its batch in the batch's own transaction, so nothing is published unless the
    events it covers commit with it."""
    signer = load_signer(log, keys)
    size = repo.lock_log(s, log.id)
    previous = repo.latest_checkpoint(s, log.id)
    if previous is not None and previous.size == size:  # none is ever larger than the log
        return previous
    store = SqlNodeStore(s, log.id)
    root = _root(s, store, log.id, size)
    if previous is not None:
        _check_extends(store, parse_checkpoint(parse_note(previous.note).text), size, root)
    note = sign_checkpoint_note(Checkpoint(log.origin, size, root), [signer]).decode("utf-8")
    row = LedgerCheckpoint(log_id=log.id, size=size, note=note, created_at=now or _now())
    s.add(row)
    s.flush()
    _transaction_info(s, _SIGNED_HERE, set).add(row.id)
    return row


def _root(s: Session, store: SqlNodeStore, log_id: int, size: int) -> bytes:
    """The tree's root at `size`: from this transaction's frontier if it has appended (a sync
    upload has), else from the stored nodes. Either way the root is checked against the
    stored tree: by the consistency proof from the previous checkpoint, and by every receipt."""
    frontiers: dict[int, MerkleTree] = s.info.get(_FRONTIERS, {})
    tree = frontiers.get(log_id)
    if tree is not None and tree.size == size:
        return tree.root()
    try:
        return tree_root_hash(store, size)
    except MissingNodeError:
        raise StoreMismatchError("ledger.frontier_missing", size=size) from None


def latest_checkpoint(session: Session, log: LedgerLog) -> LedgerCheckpoint:
    """The largest checkpoint the log signed."""
    checkpoint = repo.latest_checkpoint(session, log.id)
    if checkpoint is None:
        raise NotFoundError("ledger.no_checkpoint", origin=log.origin)
    return checkpoint


def checkpoint_at(session: Session, log: LedgerLog, size: int) -> LedgerCheckpoint:
    """The checkpoint signed at exactly `size`."""
    checkpoint = repo.checkpoint_at(session, log.id, size)
    if checkpoint is None:
        raise NotFoundError("ledger.no_checkpoint_at", size=size)
    return checkpoint


def checkpoint_note(session: Session, checkpoint: LedgerCheckpoint) -> bytes:
    """The signed checkpoint with every stored witness cosignature, as receipts carry it."""
    if checkpoint.id in session.info.get(_SIGNED_HERE, ()):
        return checkpoint.note.encode("utf-8")  # signed in this transaction: nobody cosigned yet
    lines = repo.cosignature_lines(session, checkpoint.id)
    return (checkpoint.note + "".join(f"{line}\n" for line in lines)).encode("utf-8")


def entry_bytes(session: Session, log: LedgerLog, index: int) -> bytes:
    """The exact bytes stored for entry `index`."""
    entry = repo.entry_at(session, log.id, index)
    if entry is None:
        raise NotFoundError("ledger.no_entry", index=index, origin=log.origin)
    return bytes(entry.entry)


def inclusion_proof(
    session: Session, log: LedgerLog, index: int, size: int | None = None
) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf `index` in the tree of `size` (default: current)."""
    size = _check_size(session, log, size)
    if not 0 <= index < size:
        raise NotFoundError("ledger.index_out_of_range", index=index, size=size)
    return _proof(lambda: tree_inclusion_proof(SqlNodeStore(session, log.id), index, size))


def consistency_proof(
    session: Session, log: LedgerLog, old_size: int, new_size: int | None = None
) -> list[bytes]:
    """The RFC 9162 consistency proof from `old_size` to `new_size` (default: current)."""
    new_size = _check_size(session, log, new_size)
    if not 0 < old_size <= new_size:
        raise NotFoundError("ledger.old_size_out_of_range", old_size=old_size, size=new_size)
    store = SqlNodeStore(session, log.id)
    return _proof(lambda: tree_consistency_proof(store, old_size, new_size))


def receipt_for(
    session: Session,
    log: LedgerLog,
    index: int,
    *,
    with_entry: bool = True,
    checkpoint: LedgerCheckpoint | None = None,
) -> Receipt:
    """A c2sp.org/tlog-proof receipt for entry `index` under the best checkpoint covering it,
    or under `checkpoint` when given.

    "Best" is the checkpoint with the most witness cosignatures, then the largest. With
    `with_entry` the entry's bytes ride along as the receipt's extra data, so the receipt is
    self-contained: a verifier hashes them to the leaf, which authenticates them. Checked as
    `receipts_for` checks a batch.
    """
    if checkpoint is None:
        checkpoint = repo.best_checkpoint_covering(session, log.id, index)
        if checkpoint is None:
            raise NotFoundError("ledger.no_checkpoint_covers", index=index, origin=log.origin)
    return receipts_for(session, log, [index], checkpoint=checkpoint, with_entry=with_entry)[index]


def receipts_for(
    session: Session,
    log: LedgerLog,
    indices: Iterable[int],
    *,
    checkpoint: LedgerCheckpoint,
    with_entry: bool = True,
) -> dict[int, Receipt]:
    """The receipts of entries `indices` under one checkpoint (a batch's, just signed).

    Three queries whatever the batch size (the note with its cosignatures, the entries, every
    node the proofs need), then proofs from memory: the sync endpoint's batches stay cheap.
    Every receipt is checked before it is handed out, so a tampered store refuses instead of
    lying: each stored leaf must hash its entry, the stored tree must have the checkpoint's
    root, and each inclusion proof must lead to it.
    """
    wanted = list(dict.fromkeys(indices))
    if not wanted:
        return {}
    size = checkpoint.size
    for index in wanted:
        if index >= size:
            raise NotFoundError("ledger.no_checkpoint_covers", index=index, origin=log.origin)
    entries = repo.entries_at(session, log.id, wanted)
    for index in wanted:
        if index not in entries:
            raise NotFoundError("ledger.no_entry", index=index, origin=log.origin)
    note = checkpoint_note(session, checkpoint)
    root = parse_checkpoint(parse_note(note).text).root_hash
    addresses = dict.fromkeys(perfect_subtrees(0, size))
    for index in wanted:
        addresses[(0, index)] = None
        addresses.update(dict.fromkeys(inclusion_addresses(index, size)))
    store = MemoryNodeStore(repo.read_node_map(session, log.id, list(addresses)))
    leaves = {index: hash_leaf(entries[index]) for index in wanted}
    for index in wanted:
        if store.nodes.get((0, index)) != leaves[index]:
            raise StoreMismatchError("ledger.audit_leaf", index=index)
    receipts: dict[int, Receipt] = {}
    try:
        if tree_root_hash(store, size) != root:
            raise ReceiptError("the stored tree does not match the checkpoint")
        for index in wanted:
            proof = tree_inclusion_proof(store, index, size)
            verify_inclusion(leaves[index], index=index, size=size, proof=proof, root=root)
            extra = entries[index] if with_entry else None
            receipts[index] = Receipt(index, tuple(proof), note, extra)
    except (ReceiptError, ProofError, MissingNodeError):
        raise StoreMismatchError("ledger.tree_disagrees", size=size) from None
    return receipts


def _check_extends(store: SqlNodeStore, previous: Checkpoint, size: int, root: bytes) -> None:
    if size < previous.size:
        raise StoreMismatchError("ledger.log_shrank", size=size, signed=previous.size)
    try:
        if previous.size == 0:
            return
        proof = tree_consistency_proof(store, previous.size, size)
        verify_consistency(
            old_size=previous.size,
            new_size=size,
            old_root=previous.root_hash,
            new_root=root,
            proof=proof,
        )
    except (ProofError, MissingNodeError, CheckpointError):
        raise StoreMismatchError("ledger.fork", signed=previous.size, size=size) from None


def _check_size(session: Session, log: LedgerLog, size: int | None) -> int:
    current = repo.log_size(session, log.id)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise NotFoundError("ledger.size_out_of_range", size=size, current=current)
    return size


def _proof(build: Callable[[], list[bytes]]) -> list[bytes]:
    try:
        return build()
    except MissingNodeError:
        raise StoreMismatchError("ledger.node_missing") from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
