"""A deliberately naive RFC 9162 §2.1.1 Merkle tree, for property tests only.

MTH, PATH and PROOF/SUBPROOF are the RFC's recursive definitions over a list of entries, written
with hashlib alone so they share no code with salur.ledger. MTH is memoised on (start, end)
only to keep the suite fast; the recursion is the RFC's, unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class ReferenceTree:
    """MTH, PATH and PROOF over D[0:n] for a fixed list of entries D."""

    def __init__(self, entries: Sequence[bytes]) -> None:
        self.entries = tuple(entries)
        self._mth = lru_cache(maxsize=None)(self._mth_uncached)

    def mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        return self._mth(start, end)

    def _mth_uncached(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.entries[start]).digest()
        k = _k(n)
        left = self.mth(start, start + k)
        right = self.mth(start + k, end)
        return hashlib.sha256(b"\x01" + left + right).digest()

    def leaf_hash(self, index: int) -> bytes:
        """MTH({d(index)})."""
        return self.mth(index, index + 1)

    def root(self, size: int) -> bytes:
        """MTH(D[0:size])."""
        return self.mth(0, size)

    def path(self, m: int, size: int) -> list[bytes]:
        """PATH(m, D[0:size])."""
        return self._path(m, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _k(n)
        if m < k:
            return [*self._path(m, start, start + k), self.mth(start + k, end)]
        return [*self._path(m - k, start + k, end), self.mth(start, start + k)]

    def proof(self, m: int, size: int) -> list[bytes]:
        """PROOF(m, D[0:size]) = SUBPROOF(m, D[0:size], true)."""
        return self._subproof(m, 0, size, True)

    def _subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = _k(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, b), self.mth(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.mth(start, start + k)]
