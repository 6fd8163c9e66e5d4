"""The transparency-dev/merkle RFC 6962 proof vectors, run against salur's verifier.

These are the mutations Trillian's verifier is checked against (see the vectors' PROVENANCE.md):
every `wantErr: false` case must verify and every `wantErr: true` case must raise ProofError.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from salur.ledger.merkle import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[1] / "data" / "rfc6962-vectors"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in case["proof"] or []]


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def test_all_196_vectors_are_present() -> None:
    """The suite runs every published vector: 98 inclusion and 98 consistency cases."""
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert len(INCLUSION) + len(CONSISTENCY) == 196


def test_vectors_include_both_outcomes() -> None:
    """The vector set exercises acceptance as well as rejection, in both proof kinds."""
    for paths in (INCLUSION, CONSISTENCY):
        outcomes = {_load(p)["wantErr"] for p in paths}
        assert outcomes == {True, False}


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path) -> None:
    """An inclusion proof is accepted exactly when the reference verifier accepts it."""
    case = _load(path)

    def verify() -> None:
        verify_inclusion(
            _b64(case["leafHash"]),
            index=case["leafIdx"],
            size=case["treeSize"],
            proof=_proof(case),
            root=_b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path) -> None:
    """A consistency proof is accepted exactly when the reference verifier accepts it."""
    case = _load(path)

    def verify() -> None:
        verify_consistency(
            old_size=case["size1"],
            new_size=case["size2"],
            old_root=_b64(case["root1"]),
            new_root=_b64(case["root2"]),
            proof=_proof(case),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()
