"""Known-answer hashes and proofs for the RFC 6962 test tree used by the reference implementations.

The eight leaves, roots and proofs are those of certificate-transparency and
transparency-dev/merkle (proof/verify_test.go); salur's generator must reproduce them exactly.
"""

from __future__ import annotations

import hashlib

import pytest

from salur.ledger.merkle import (
    EMPTY_ROOT,
    hash_children,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from salur.ledger.tree import (
    MemoryNodeStore,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    root_hash,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]


def _hashes(*hex_values: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hex_values]


# (leaf index, tree size, audit path)
INCLUSION_PROOFS = [
    (0, 1, []),
    (
        0,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (old size, new size, consistency proof)
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


@pytest.fixture(scope="module")
def store() -> MemoryNodeStore:
    """The eight-leaf test tree, built by appending."""
    nodes = MemoryNodeStore()
    tree = MerkleTree()
    for leaf in LEAVES:
        nodes.write_nodes(tree.append(hash_leaf(leaf)))
    return nodes


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    """RFC 9162 §2.1.1: MTH({}) = SHA-256() = e3b0c442..."""
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert EMPTY_ROOT.hex() == expected
    assert root_hash(MemoryNodeStore(), 0) == EMPTY_ROOT
    assert MerkleTree().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_use_domain_separation_prefixes() -> None:
    """Leaves hash under prefix 0x00 and interior nodes under 0x01, so they cannot collide."""
    assert hash_leaf(b"") == ROOTS[0]
    assert hash_leaf(b"ab") == hashlib.sha256(b"\x00ab").digest()
    assert (
        hash_children(b"a" * 32, b"b" * 32)
        == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert hash_children(ROOTS[0], hash_leaf(LEAVES[1])) == ROOTS[1]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_test_tree(store: MemoryNodeStore, size: int) -> None:
    """The stored tree reproduces the published root for every prefix size 1..8."""
    assert root_hash(store, size) == ROOTS[size - 1]


def test_appending_tree_tracks_the_published_roots() -> None:
    """The in-memory frontier gives the published root after each append."""
    tree = MerkleTree()
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append(hash_leaf(leaf))
        assert tree.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_PROOFS)
def test_inclusion_proofs_of_the_test_tree(
    store: MemoryNodeStore, index: int, size: int, expected: list[bytes]
) -> None:
    """Generated audit paths equal the published ones, and they verify."""
    assert inclusion_proof(store, index, size) == expected
    verify_inclusion(
        hash_leaf(LEAVES[index]), index=index, size=size, proof=expected, root=ROOTS[size - 1]
    )


@pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY_PROOFS)
def test_consistency_proofs_of_the_test_tree(
    store: MemoryNodeStore, old: int, new: int, expected: list[bytes]
) -> None:
    """Generated consistency proofs equal the published ones, and they verify."""
    assert consistency_proof(store, old, new) == expected
    verify_consistency(
        old_size=old, new_size=new, old_root=ROOTS[old - 1], new_root=ROOTS[new - 1], proof=expected
    )
