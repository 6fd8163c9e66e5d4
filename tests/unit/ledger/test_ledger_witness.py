"""The witness's state rules (c2sp.org/tlog-witness add-checkpoint), without HTTP or a database."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
from ledger_fixtures import COSIGNED_AT, LOG_ORIGIN, build_log, log_signer

from salur.ledger.checkpoint import Checkpoint, sign_checkpoint
from salur.ledger.cosignature import CosignatureVerifier, cosignature_timestamp
from salur.ledger.errors import KeyFileError, WitnessRefusedError
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import hash_leaf
from salur.ledger.note import open_note
from salur.ledger.tree import MemoryNodeStore, MerkleTree, consistency_proof
from salur.ledger.witness import (
    ConsistencyProof,
    Witness,
    parse_add_checkpoint,
    parse_proof,
)

WITNESS = "bawaslu.example/riau"


def checkpoint(size: int, *, signer: Ed25519Signer | None = None, history: str = "") -> bytes:
    """The log's signed checkpoint at `size`; another `history` gives another tree."""
    if history:
        store, tree = MemoryNodeStore(), MerkleTree()
        for i in range(size):
            store.write_nodes(tree.append(hash_leaf(f"{history}{i}".encode())))
    else:
        _, tree = build_log(size)
    note = Checkpoint(LOG_ORIGIN, size, tree.root())
    return sign_checkpoint(note, [signer or log_signer()])


def proof(old: int, new: int) -> ConsistencyProof:
    """The honest consistency proof from `old` to `new`."""
    if not 0 < old < new:
        return ConsistencyProof(old)
    store, _ = build_log(new)
    return ConsistencyProof(old, tuple(consistency_proof(store, old, new)))


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    """A witness that trusts the test log and reads a fixed clock."""
    created = Witness.create(tmp_path / "witness", WITNESS)
    created.clock = lambda: COSIGNED_AT
    created.trust(log_signer().verifier().vkey)
    return created


def refusal(witness: Witness, note: bytes, request: ConsistencyProof) -> tuple[str, int]:
    """(message key, HTTP status) of a refused request."""
    with pytest.raises(WitnessRefusedError) as refused:
        witness.cosign(note, request)
    return refused.value.key, refused.value.status


def test_the_first_checkpoint_is_cosigned_and_recorded(witness: Witness) -> None:
    """From old size 0 the witness cosigns, with its clock's time, and records size and root."""
    cosigned = witness.cosign(checkpoint(5), ConsistencyProof(0))
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    note = open_note(cosigned, [log_signer().verifier(), verifier])
    (cosignature,) = (sig for sig in note.verified if sig.name == WITNESS)
    assert cosignature_timestamp(cosignature) == COSIGNED_AT
    state = witness.logs()[LOG_ORIGIN]
    assert (state.size, state.root) == (5, build_log(5)[1].root())


def test_consistent_growth_and_the_same_checkpoint_again_are_cosigned(witness: Witness) -> None:
    """5 -> 13 with a valid proof, then 13 again with an empty proof, are both accepted."""
    witness.cosign(checkpoint(5), ConsistencyProof(0))
    witness.cosign(checkpoint(13), proof(5, 13))
    witness.cosign(checkpoint(13), ConsistencyProof(13))
    assert witness.logs()[LOG_ORIGIN].size == 13


def test_a_smaller_checkpoint_is_refused_as_a_rollback(witness: Witness) -> None:
    """Whatever old size is claimed, a checkpoint below the cosigned size is refused, with the
    spec's status: 400 if the old size exceeds the checkpoint, else 409."""
    witness.cosign(checkpoint(13), ConsistencyProof(0))
    assert refusal(witness, checkpoint(8), ConsistencyProof(13)) == ("ledger.witness_rollback", 400)
    assert refusal(witness, checkpoint(8), proof(5, 8)) == ("ledger.witness_rollback", 409)
    assert witness.logs()[LOG_ORIGIN].size == 13


def test_the_same_size_with_another_root_is_refused_as_a_fork_and_kept(witness: Witness) -> None:
    """A second log-signed history of the same size is refused and kept as evidence."""
    witness.cosign(checkpoint(13), ConsistencyProof(0))
    forked = checkpoint(13, history="lain")
    assert refusal(witness, forked, ConsistencyProof(13)) == ("ledger.witness_fork", 409)
    (evidence,) = (witness.directory / "evidence").iterdir()
    assert forked in evidence.read_bytes() and checkpoint(13) in evidence.read_bytes()
    assert witness.logs()[LOG_ORIGIN].root == build_log(13)[1].root()


def test_an_inconsistent_proof_or_history_is_refused(witness: Witness) -> None:
    """A flipped proof hash, or a larger tree that does not extend the old one, is a 422."""
    witness.cosign(checkpoint(5), ConsistencyProof(0))
    honest = proof(5, 13)
    flipped = bytes([honest.hashes[0][0] ^ 1]) + honest.hashes[0][1:]
    broken = ConsistencyProof(5, (flipped, *honest.hashes[1:]))
    assert refusal(witness, checkpoint(13), broken) == ("ledger.witness_inconsistent", 422)
    other = checkpoint(13, history="lain")
    assert refusal(witness, other, honest) == ("ledger.witness_inconsistent", 422)
    assert witness.logs()[LOG_ORIGIN].size == 5


def test_requests_that_do_not_match_the_witness_state_are_refused(witness: Witness) -> None:
    """Wrong old size 409; old above size 400; a proof from 0 400/422; unknown log 404;
    a checkpoint not signed by the trusted key 403."""
    witness.cosign(checkpoint(5), ConsistencyProof(0))
    assert refusal(witness, checkpoint(13), proof(7, 13)) == ("ledger.witness_old_mismatch", 409)
    assert refusal(witness, checkpoint(13), ConsistencyProof(14)) == (
        "ledger.witness_old_too_big",
        400,
    )
    fresh = Witness.create(witness.directory.parent / "fresh", "pemantau.example/w")
    fresh.trust(log_signer().verifier().vkey)
    assert refusal(fresh, checkpoint(5), proof(3, 5))[1] == 409
    assert refusal(fresh, checkpoint(5), ConsistencyProof(0, proof(3, 5).hashes)) == (
        "ledger.witness_inconsistent",
        422,
    )
    impostor = Ed25519Signer.generate(LOG_ORIGIN)
    assert refusal(witness, checkpoint(13, signer=impostor), proof(5, 13)) == (
        "ledger.witness_bad_signature",
        403,
    )
    stranger = sign_checkpoint(Checkpoint("other.example/log", 1, b"\0" * 32), [impostor])
    assert refusal(witness, stranger, ConsistencyProof(0))[1] == 404


def test_the_state_is_on_disk_before_the_cosignature_is_returned(witness: Witness) -> None:
    """A new Witness on the same folder sees the cosigned size and root in state.json."""
    witness.cosign(checkpoint(9), ConsistencyProof(0))
    raw = json.loads((witness.directory / "state.json").read_text())
    state = raw["logs"][LOG_ORIGIN]
    assert state["size"] == 9
    assert base64.b64decode(state["root"]) == build_log(9)[1].root()
    assert Witness(witness.directory).logs()[LOG_ORIGIN].size == 9


def test_racing_requests_from_one_old_size_cosign_exactly_one(witness: Witness) -> None:
    """The check of the old size and the write of the new one are atomic (the spec's race)."""
    witness.cosign(checkpoint(4), ConsistencyProof(0))
    outcomes: list[str] = []

    def submit(size: int) -> None:
        try:
            Witness(witness.directory, clock=witness.clock).cosign(checkpoint(size), proof(4, size))
            outcomes.append(f"ok {size}")
        except WitnessRefusedError as refused:
            outcomes.append(refused.key)

    threads = [threading.Thread(target=submit, args=(size,)) for size in range(5, 13)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o.startswith("ok")]
    assert len(winners) == 1 and len(outcomes) == 8
    assert witness.logs()[LOG_ORIGIN].size == int(winners[0].split()[1])


def test_an_add_checkpoint_request_body_is_parsed_strictly() -> None:
    """`old N`, proof lines, a blank line, the checkpoint; non-canonical sizes are refused."""
    honest = proof(5, 13)
    body = honest.to_text().encode() + b"\n" + checkpoint(13)
    parsed, note = parse_add_checkpoint(body)
    assert (parsed, note) == (honest, checkpoint(13))
    for bad in ("old 05\n", "old -1\n", "old 5\nnot base64\n", "5\n", "old 1\n" + "AAAA\n"):
        with pytest.raises(WitnessRefusedError) as refused:
            parse_proof(bad)
        assert refused.value.status == 400
    too_long = "old 1\n" + (base64.b64encode(b"\0" * 32).decode() + "\n") * 64
    with pytest.raises(WitnessRefusedError):
        parse_proof(too_long)


def test_a_witness_key_is_created_once_and_kept_private(tmp_path: Path) -> None:
    """The key file is mode 0600; creating the witness again never replaces its key."""
    witness = Witness.create(tmp_path / "w", WITNESS)
    assert (witness.directory / "witness.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeyFileError):
        Witness.create(tmp_path / "w", WITNESS)
    assert CosignatureVerifier.from_vkey(witness.vkey).name == WITNESS
