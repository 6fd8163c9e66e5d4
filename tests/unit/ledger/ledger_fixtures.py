"""Deterministic keys and a small log shared by the ledger unit tests."""

from __future__ import annotations

import hashlib

from salur.ledger.checkpoint import Checkpoint, sign_checkpoint
from salur.ledger.cosignature import CosignatureSigner, add_cosignature
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import hash_leaf
from salur.ledger.tree import MemoryNodeStore, MerkleTree

LOG_ORIGIN = "log.salur.example/pemilu-2029"
WITNESS_NAMES = ("bawaslu.example/w1", "pemantau.example/w2", "partai.example/w3")
COSIGNED_AT = 1_865_000_000  # a POSIX time in 2029


def seed(label: str) -> bytes:
    """A fixed 32-byte Ed25519 seed derived from a label."""
    return hashlib.sha256(label.encode()).digest()


def log_signer(name: str = LOG_ORIGIN) -> Ed25519Signer:
    """The log's note-signing key."""
    return Ed25519Signer.from_seed(name, seed("log:" + name))


def witness_signers() -> list[CosignatureSigner]:
    """Three witnesses' cosigning keys."""
    return [CosignatureSigner.from_seed(name, seed("witness:" + name)) for name in WITNESS_NAMES]


def entries(count: int) -> list[bytes]:
    """Custody events, as the bytes the log commits to."""
    return [f'{{"event":"serah-terima","kotak":{i}}}'.encode() for i in range(count)]


def build_log(count: int) -> tuple[MemoryNodeStore, MerkleTree]:
    """A store and tree holding `count` entries."""
    store = MemoryNodeStore()
    tree = MerkleTree()
    for entry in entries(count):
        store.write_nodes(tree.append(hash_leaf(entry)))
    return store, tree


def signed_checkpoint(tree: MerkleTree, *, witnesses: int = 3) -> bytes:
    """The log's checkpoint for `tree`, cosigned by the first `witnesses` witnesses."""
    checkpoint = Checkpoint(LOG_ORIGIN, tree.size, tree.root())
    note = sign_checkpoint(checkpoint, [log_signer()])
    for signer in witness_signers()[:witnesses]:
        note = add_cosignature(note, signer, COSIGNED_AT)
    return note
