"""A full audit of one stored log: entries, every tree node, checkpoints and cosignatures.

Recomputes the tree from the entries' bytes level by level in bounded chunks (one ordered scan
per level, so memory stays flat on a million-entry log) and checks each stored row against it,
then each checkpoint's signature and root. Any edit to an entry, node or note shows up here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from salur.ledger import repository as repo
from salur.ledger.checkpoint import open_checkpoint
from salur.ledger.cosignature import CosignatureVerifier
from salur.ledger.errors import StoreMismatchError
from salur.ledger.keys import Ed25519Verifier
from salur.ledger.merkle import hash_children, hash_leaf
from salur.ledger.models import LedgerLog
from salur.ledger.note import NoteError, open_note
from salur.ledger.repository import SqlNodeStore
from salur.ledger.tree import MissingNodeError, root_hash

MAX_PROBLEMS = 20


@dataclass
class AuditReport:
    """What was checked and every disagreement found (at most MAX_PROBLEMS)."""

    size: int
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    problems: list[StoreMismatchError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, key: str, **params: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(StoreMismatchError(key, **params))


def audit_log(session: Session, log: LedgerLog, *, chunk: int = 50_000) -> AuditReport:
    """Check every stored row of `log`; `chunk` bounds the rows held in memory at once."""
    report = AuditReport(size=repo.log_size(session, log.id))
    _audit_entries(session, log.id, report, chunk)
    _audit_levels(session, log.id, report, chunk)
    if report.ok:  # roots are only meaningful once the nodes are known good
        _audit_checkpoints(session, log, report)
    return report


def _audit_entries(session: Session, log_id: int, report: AuditReport, chunk: int) -> None:
    counted = repo.count_entries(session, log_id)
    if counted != report.size:
        report.add("ledger.audit_count_entries", found=counted, expected=report.size)
    for start in range(0, report.size, chunk):
        end = min(start + chunk, report.size)
        entries = repo.entries_between(session, log_id, start, end)
        stored = dict(repo.entry_leaf_hashes(session, log_id, start, end))
        leaves = dict(repo.nodes_between(session, log_id, 0, start, end))
        expected_index = start
        for index, entry in entries:
            if index != expected_index:
                report.add("ledger.audit_gap", index=expected_index)
            expected_index = index + 1
            leaf = hash_leaf(entry)
            if stored.get(index) != leaf:
                report.add("ledger.audit_entry_hash", index=index)
            elif leaves.get(index) != leaf:
                report.add("ledger.audit_leaf", index=index)
        report.entries += len(entries)


def _audit_levels(session: Session, log_id: int, report: AuditReport, chunk: int) -> None:
    size, level = report.size, 0
    report.nodes = repo.count_nodes(session, log_id)
    expected_total = sum(size >> lv for lv in range(size.bit_length()))
    if report.nodes != expected_total:
        report.add("ledger.audit_count_nodes", found=report.nodes, expected=expected_total)
    while size >> (level + 1):
        level += 1
        for start in range(0, size >> level, chunk):
            end = min(start + chunk, size >> level)
            children = dict(repo.nodes_between(session, log_id, level - 1, 2 * start, 2 * end))
            for index, stored in repo.nodes_between(session, log_id, level, start, end):
                left, right = children.get(2 * index), children.get(2 * index + 1)
                if left is None or right is None or hash_children(left, right) != stored:
                    report.add("ledger.audit_node", level=level, index=index)


def _audit_checkpoints(session: Session, log: LedgerLog, report: AuditReport) -> None:
    verifier = Ed25519Verifier.from_vkey(log.vkey)
    cosigners = [CosignatureVerifier.from_vkey(w.vkey) for w in repo.witnesses(session)]
    store = SqlNodeStore(session, log.id)
    for checkpoint in repo.checkpoints(session, log.id):
        report.checkpoints += 1
        try:
            opened = open_checkpoint(checkpoint.note.encode(), log_verifier=verifier)
        except NoteError:
            report.add("ledger.audit_checkpoint_signature", size=checkpoint.size)
            continue
        if opened.checkpoint.origin != log.origin or opened.checkpoint.size != checkpoint.size:
            report.add("ledger.audit_checkpoint_signature", size=checkpoint.size)
            continue
        try:
            if opened.checkpoint.size > report.size or (
                root_hash(store, opened.checkpoint.size) != opened.checkpoint.root_hash
            ):
                report.add("ledger.audit_checkpoint_root", size=checkpoint.size)
        except MissingNodeError:
            report.add("ledger.audit_checkpoint_root", size=checkpoint.size)
        lines = repo.cosignature_lines(session, checkpoint.id)
        if lines:
            note = checkpoint.note + "".join(f"{line}\n" for line in lines)
            try:
                open_note(note, [verifier, *cosigners])
            except NoteError:
                report.add("ledger.audit_cosignature", size=checkpoint.size)
