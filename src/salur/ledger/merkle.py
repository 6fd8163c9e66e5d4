"""RFC 9162 §2.1 Merkle tree hashing and offline proof verification.

Every custody event is one leaf of salur's append-only log. Anyone holding a signed tree head can
check, with nothing but SHA-256, that an event is in the log and that the log only ever grew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

HASH_SIZE: Final = 32
# RFC 9162 §2.1.1: the hash of an empty list is the hash of the empty string.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
MAX_TREE_SIZE: Final = 2**64 - 1  # tree sizes and indices are uint64 on the wire

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


class ProofError(ValueError):
    """A Merkle proof did not verify."""


class MalformedProofError(ProofError):
    """The inputs cannot form a valid proof: sizes, index, hash lengths or path length are wrong."""


class RootMismatchError(ProofError):
    """The proof is well formed but leads to a different root hash."""


def hash_leaf(entry: bytes) -> bytes:
    """Leaf hash of one log entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 §2.1.1 `k`); n must be at least 2."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


def verify_inclusion(
    leaf_hash: bytes, *, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf_hash` is leaf `index` of the tree of `size` leaves with hash `root`.

    The exact algorithm of RFC 9162 §2.1.3.2. Raises MalformedProofError or RootMismatchError.
    """
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root hash", root)
    _check_path(proof)
    _check_size("tree size", size)
    _check_size("leaf index", index)
    if index >= size:
        raise MalformedProofError(f"leaf index {index} is not below tree size {size}")

    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise MalformedProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise MalformedProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise RootMismatchError("inclusion proof leads to a different root")


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (`new_size`, `new_root`) extends the tree (`old_size`, `old_root`).

    The exact algorithm of RFC 9162 §2.1.4.2. Raises MalformedProofError or RootMismatchError.
    """
    _check_size("old size", old_size)
    _check_size("new size", new_size)
    if new_size < old_size:
        raise MalformedProofError(f"new size {new_size} is below old size {old_size}")
    if old_size == 0:
        # Every tree extends the empty tree, so such a proof proves nothing; the reference
        # verifier (transparency-dev/merkle) rejects it and the conformance vectors expect that.
        raise MalformedProofError("a consistency proof from the empty tree is meaningless")
    if old_size == new_size:
        # SUBPROOF(m, D[m], true) is empty: equal trees are consistent iff their roots are equal.
        # Like the reference verifier this is a byte comparison with no length check.
        if proof:
            raise MalformedProofError("equal tree sizes need an empty consistency proof")
        if old_root != new_root:
            raise RootMismatchError("equal tree sizes with different roots")
        return
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    _check_path(proof)
    if not proof:
        raise MalformedProofError("consistency proof is empty")

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MalformedProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise MalformedProofError("consistency proof is shorter than the path to the root")
    if fr != old_root:
        raise RootMismatchError("consistency proof does not lead to the old root")
    if sr != new_root:
        raise RootMismatchError("consistency proof does not lead to the new root")


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise MalformedProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def _check_path(proof: Sequence[bytes]) -> None:
    for i, node in enumerate(proof):
        _check_hash(f"proof hash {i}", node)


def _check_size(what: str, value: int) -> None:
    if not 0 <= value <= MAX_TREE_SIZE:
        raise MalformedProofError(f"{what} {value} is not a uint64")
