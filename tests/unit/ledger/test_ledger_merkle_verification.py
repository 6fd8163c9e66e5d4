"""Unit tests for RFC 9162 proof verification: malformed inputs fail with typed errors."""

from __future__ import annotations

import pytest

from salur.ledger.merkle import (
    MAX_TREE_SIZE,
    MalformedProofError,
    ProofError,
    RootMismatchError,
    hash_children,
    hash_leaf,
    split_point,
    verify_consistency,
    verify_inclusion,
)

A, B, C, D = (hash_leaf(bytes([i])) for i in range(4))
AB = hash_children(A, B)
CD = hash_children(C, D)
ROOT3 = hash_children(AB, C)
ROOT4 = hash_children(AB, CD)


def test_valid_inclusion_in_a_four_leaf_tree() -> None:
    """Leaf 2 of [A, B, C, D] is proven by the path [D, H(A, B)]."""
    verify_inclusion(C, index=2, size=4, proof=[D, AB], root=ROOT4)


def test_proof_errors_are_value_errors() -> None:
    """Callers can catch one type, ProofError, which is also a ValueError."""
    assert issubclass(MalformedProofError, ProofError)
    assert issubclass(RootMismatchError, ProofError)
    assert issubclass(ProofError, ValueError)


@pytest.mark.parametrize(
    ("leaf", "proof", "root"),
    [
        (C[:31], [D, AB], ROOT4),
        (C, [D, AB[:31]], ROOT4),
        (C, [D, AB], ROOT4 + b"\x00"),
        (C, [b"", D, AB], ROOT4),
    ],
    ids=["short-leaf", "short-path-hash", "long-root", "empty-path-hash"],
)
def test_inclusion_rejects_hashes_of_the_wrong_length(
    leaf: bytes, proof: list[bytes], root: bytes
) -> None:
    """Every hash must be exactly 32 bytes; anything else is malformed, not merely wrong."""
    with pytest.raises(MalformedProofError):
        verify_inclusion(leaf, index=2, size=4, proof=proof, root=root)


@pytest.mark.parametrize(
    ("index", "size"), [(4, 4), (0, 0), (-1, 4), (2, MAX_TREE_SIZE + 1), (2**64, 2**64)]
)
def test_inclusion_rejects_impossible_positions(index: int, size: int) -> None:
    """The index must be below the size and both must be uint64."""
    with pytest.raises(MalformedProofError):
        verify_inclusion(C, index=index, size=size, proof=[D, AB], root=ROOT4)


def test_inclusion_rejects_a_path_that_is_too_long_or_too_short() -> None:
    """The RFC algorithm fails when the path does not end exactly at the root."""
    with pytest.raises(MalformedProofError, match="longer"):
        verify_inclusion(C, index=2, size=4, proof=[D, AB, A], root=ROOT4)
    with pytest.raises(MalformedProofError, match="shorter"):
        verify_inclusion(C, index=2, size=4, proof=[D], root=ROOT4)


def test_inclusion_rejects_the_wrong_leaf_or_root() -> None:
    """A well-formed path to a different root is a root mismatch."""
    with pytest.raises(RootMismatchError):
        verify_inclusion(D, index=2, size=4, proof=[D, AB], root=ROOT4)
    with pytest.raises(RootMismatchError):
        verify_inclusion(C, index=2, size=4, proof=[D, AB], root=ROOT3)


def test_inclusion_of_the_last_leaf_of_an_odd_tree() -> None:
    """On the right edge the lone leaf is promoted, so its path skips a level."""
    verify_inclusion(C, index=2, size=3, proof=[AB], root=ROOT3)
    with pytest.raises(ProofError):
        verify_inclusion(C, index=2, size=3, proof=[D, AB], root=ROOT3)


def test_valid_consistency_from_three_to_four_leaves() -> None:
    """PROOF(3, D[4]) = [C, D, H(A, B)] links the two roots."""
    verify_consistency(old_size=3, new_size=4, old_root=ROOT3, new_root=ROOT4, proof=[C, D, AB])


@pytest.mark.parametrize(
    ("old_size", "new_size", "proof"),
    [(4, 3, [C]), (0, 4, []), (0, 4, [ROOT4]), (3, 4, []), (2, 2, [AB])],
    ids=["shrinking", "from-empty", "from-empty-with-proof", "empty-proof", "equal-with-proof"],
)
def test_consistency_rejects_malformed_requests(
    old_size: int, new_size: int, proof: list[bytes]
) -> None:
    """Shrinking logs, proofs from the empty tree and empty or superfluous proofs are malformed."""
    with pytest.raises(MalformedProofError):
        verify_consistency(
            old_size=old_size, new_size=new_size, old_root=ROOT3, new_root=ROOT4, proof=proof
        )


def test_equal_sizes_are_consistent_only_with_equal_roots() -> None:
    """Two heads of the same size must have the same root, or the log has forked."""
    verify_consistency(old_size=4, new_size=4, old_root=ROOT4, new_root=ROOT4, proof=[])
    with pytest.raises(RootMismatchError):
        verify_consistency(old_size=4, new_size=4, old_root=ROOT4, new_root=ROOT3, proof=[])


def test_consistency_rejects_a_forked_history() -> None:
    """A new tree that rewrote leaf C does not extend the old one."""
    forked = hash_children(AB, hash_children(hash_leaf(b"forged"), D))
    with pytest.raises(RootMismatchError):
        verify_consistency(
            old_size=3, new_size=4, old_root=ROOT3, new_root=forked, proof=[C, D, AB]
        )


def test_split_point_is_the_largest_power_of_two_below_n() -> None:
    """k in RFC 9162 §2.1.1 is the largest power of two strictly smaller than n."""
    assert [split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError):
        split_point(1)
