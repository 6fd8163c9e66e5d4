"""Unit tests for offline receipts in the c2sp.org/tlog-proof@v1 format."""

from __future__ import annotations

import base64

import pytest
from ledger_fixtures import (
    COSIGNED_AT,
    LOG_ORIGIN,
    WITNESS_NAMES,
    build_log,
    entries,
    log_signer,
    signed_checkpoint,
    witness_signers,
)

from salur.ledger.checkpoint import Checkpoint, CheckpointError, sign_checkpoint
from salur.ledger.cosignature import CosignatureSigner, add_cosignature
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import (
    MalformedProofError,
    ProofError,
    RootMismatchError,
    hash_leaf,
)
from salur.ledger.note import InvalidSignatureError, UnverifiedNoteError
from salur.ledger.tlogproof import (
    MalformedReceiptError,
    Receipt,
    ReceiptError,
    WitnessQuorumError,
    issue_receipt,
    parse_receipt,
    verify_receipt,
)

H1 = hash_leaf(b"hash1")
H2 = hash_leaf(b"hash2")
B64 = {h: base64.b64encode(h).decode() for h in (H1, H2)}

# The example of c2sp.org/tlog-proof, down to the checkpoint, whose signatures it elides.
SPEC_PROOF_LINES = (
    "c2sp.org/tlog-proof@v1\n"
    "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
    "index 73894\n"
    "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
    "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
    "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
    "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
    "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
    "\n"
)
SPEC_CHECKPOINT_TEXT = (
    "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
)
SPEC_ELIDED_SIGNATURES = (
    "\n\u2014 example.com/fancylog hI2DJw[...]1roloI=\n"
    "\u2014 witness1.example mJirIklj[...]qY9v2B/5bg==\n"
)


def log_vkey() -> str:
    return log_signer().verifier().vkey


def witness_vkeys() -> list[str]:
    return [w.verifier().vkey for w in witness_signers()]


def receipt_for(index: int, count: int = 13, *, witnesses: int = 3) -> Receipt:
    store, tree = build_log(count)
    return issue_receipt(store, index, signed_checkpoint(tree, witnesses=witnesses))


def test_the_wire_format_is_header_index_hashes_blank_line_checkpoint() -> None:
    """Serialisation is exactly the layout the spec and the Go implementations produce."""
    _, tree = build_log(3)
    note = signed_checkpoint(tree)
    plain = Receipt(5, (H1, H2), note)
    assert plain.to_bytes() == (
        f"c2sp.org/tlog-proof@v1\nindex 5\n{B64[H1]}\n{B64[H2]}\n\n".encode() + note
    )
    extra = Receipt(10, (H1,), note, extra=b"extra information")
    expected_extra = base64.b64encode(b"extra information").decode()
    assert extra.to_bytes() == (
        f"c2sp.org/tlog-proof@v1\nextra {expected_extra}\nindex 10\n{B64[H1]}\n\n".encode() + note
    )
    assert Receipt(0, (), note).to_bytes() == b"c2sp.org/tlog-proof@v1\nindex 0\n\n" + note


@pytest.mark.parametrize("extra", [None, b"", b"\x00kotak-17"])
def test_receipts_round_trip(extra: bytes | None) -> None:
    """Parsing a serialised receipt gives it back, the checkpoint byte for byte."""
    receipt = Receipt(7, (H1, H2), receipt_for(7).checkpoint, extra)
    assert parse_receipt(receipt.to_bytes()) == receipt


def test_the_spec_example_parses_once_its_checkpoint_is_really_signed() -> None:
    """The example's proof lines parse exactly; its elided signatures are rightly refused."""
    with pytest.raises(MalformedReceiptError):
        parse_receipt((SPEC_PROOF_LINES + SPEC_CHECKPOINT_TEXT + SPEC_ELIDED_SIGNATURES).encode())
    signer = Ed25519Signer.from_seed("example.com/fancylog", b"\x05" * 32)
    note = sign_checkpoint(
        Checkpoint(
            "example.com/fancylog", 109482, base64.b64decode(SPEC_CHECKPOINT_TEXT.split("\n")[2])
        ),
        [signer],
    )
    assert note.startswith(SPEC_CHECKPOINT_TEXT.encode())
    data = SPEC_PROOF_LINES.encode() + note
    receipt = parse_receipt(data)
    assert receipt.index == 73894
    assert receipt.extra is not None and receipt.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert [base64.b64encode(h).decode() for h in receipt.inclusion_proof] == (
        SPEC_PROOF_LINES.split("\n")[3:8]
    )
    assert receipt.checkpoint == note
    assert receipt.to_bytes() == data


@pytest.mark.parametrize(
    "head",
    [
        "index 0\n\n",
        "c2sp.org/tlog-proof@v2\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\n\n",
        "c2sp.org/tlog-proof@v1\nindex 00\n\n",
        "c2sp.org/tlog-proof@v1\nindex -1\n\n",
        "c2sp.org/tlog-proof@v1\nindex notanumber\n\n",
        f"c2sp.org/tlog-proof@v1\nindex {2**64}\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nextra AAAA\n\n",
        "c2sp.org/tlog-proof@v1\nextra AAAA\nextra AAAA\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nextra not-valid-base64!!!\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nnot-valid-base64!!!\n\n",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{base64.b64encode(bytes(16)).decode()}\n\n",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{B64[H1]} \n\n",
        "c2sp.org/tlog-proof@v1\r\nindex 0\r\n\r\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n",
    ],
    ids=[
        "missing-header",
        "wrong-version",
        "missing-index",
        "index-leading-zero",
        "negative-index",
        "index-not-a-number",
        "index-over-uint64",
        "duplicated-index",
        "extra-after-index",
        "duplicated-extra",
        "extra-not-base64",
        "hash-not-base64",
        "short-hash",
        "trailing-space",
        "crlf",
        "no-blank-line",
    ],
)
def test_malformed_proof_sections_are_rejected(head: str) -> None:
    """Every deviation from the line layout is a MalformedReceiptError."""
    note = receipt_for(0).checkpoint
    data = head.encode() + (note if head.endswith("\n\n") else b"")
    with pytest.raises(MalformedReceiptError):
        parse_receipt(data)


def test_a_malformed_checkpoint_is_rejected_at_parse_time() -> None:
    """The embedded checkpoint must at least be a well-formed signed checkpoint note."""
    with pytest.raises(MalformedReceiptError):
        parse_receipt(b"c2sp.org/tlog-proof@v1\nindex 0\n\nnot a note\n")
    with pytest.raises(MalformedReceiptError):
        parse_receipt(b"c2sp.org/tlog-proof@v1\nindex 0\n\n")


@pytest.mark.parametrize("index", [0, 5, 8, 12])
def test_a_receipt_verifies_offline_with_the_entry(index: int) -> None:
    """Log signature, every witness cosignature and inclusion of the entry all check out."""
    data = receipt_for(index).to_bytes()
    result = verify_receipt(
        data, entry=entries(13)[index], log_vkey=log_vkey(), witness_vkeys=witness_vkeys()
    )
    assert result.index == index
    assert result.checkpoint.size == 13
    assert result.checkpoint.origin == LOG_ORIGIN
    assert result.witnesses == WITNESS_NAMES


def test_a_receipt_verifies_with_a_leaf_hash_and_verifier_objects() -> None:
    """Callers may pass the leaf hash instead of the entry, and loaded keys instead of strings."""
    result = verify_receipt(
        receipt_for(3),
        leaf_hash=hash_leaf(entries(13)[3]),
        log_vkey=log_signer().verifier(),
        witness_vkeys=[w.verifier() for w in witness_signers()],
    )
    assert result.index == 3


def test_the_wrong_entry_or_index_fails() -> None:
    """A receipt proves one entry at one position, nothing else."""
    receipt = receipt_for(4)
    with pytest.raises(RootMismatchError):
        verify_receipt(receipt, entry=entries(13)[5], log_vkey=log_vkey())
    moved = Receipt(5, receipt.inclusion_proof, receipt.checkpoint)
    with pytest.raises(ProofError):
        verify_receipt(moved, entry=entries(13)[4], log_vkey=log_vkey())
    beyond = Receipt(13, receipt.inclusion_proof, receipt.checkpoint)
    with pytest.raises(MalformedProofError):
        verify_receipt(beyond, entry=entries(13)[4], log_vkey=log_vkey())


def test_a_tampered_inclusion_proof_fails() -> None:
    """Flipping one bit of any proof hash breaks verification."""
    receipt = receipt_for(6)
    for position in range(len(receipt.inclusion_proof)):
        proof = list(receipt.inclusion_proof)
        proof[position] = bytes([proof[position][0] ^ 1]) + proof[position][1:]
        bad = Receipt(6, tuple(proof), receipt.checkpoint)
        with pytest.raises(RootMismatchError):
            verify_receipt(bad, entry=entries(13)[6], log_vkey=log_vkey())


def test_the_wrong_log_key_or_origin_fails() -> None:
    """The checkpoint must be signed by the trusted log key, for the expected origin."""
    receipt = receipt_for(2)
    other_log = Ed25519Signer.from_seed(LOG_ORIGIN, b"\x09" * 32).verifier().vkey
    with pytest.raises(UnverifiedNoteError):
        verify_receipt(receipt, entry=entries(13)[2], log_vkey=other_log)
    with pytest.raises(CheckpointError):
        verify_receipt(
            receipt, entry=entries(13)[2], log_vkey=log_vkey(), origin="other.example/log"
        )


def test_witness_quorum_is_enforced() -> None:
    """Without enough trusted cosignatures the receipt fails; a quorum below all is allowed."""
    receipt = receipt_for(1, witnesses=2)
    entry = entries(13)[1]
    with pytest.raises(WitnessQuorumError):
        verify_receipt(receipt, entry=entry, log_vkey=log_vkey(), witness_vkeys=witness_vkeys())
    result = verify_receipt(
        receipt, entry=entry, log_vkey=log_vkey(), witness_vkeys=witness_vkeys(), witness_quorum=2
    )
    assert result.witnesses == WITNESS_NAMES[:2]
    with pytest.raises(ValueError, match="impossible"):
        verify_receipt(
            receipt, entry=entry, log_vkey=log_vkey(), witness_vkeys=[], witness_quorum=1
        )


def test_cosignatures_from_untrusted_witnesses_do_not_count() -> None:
    """An unknown cosigner is ignored: it neither fails the note nor fills the quorum."""
    store, tree = build_log(13)
    stranger = CosignatureSigner.from_seed("stranger.example/w", b"\x03" * 32)
    note = add_cosignature(signed_checkpoint(tree, witnesses=1), stranger, COSIGNED_AT)
    receipt = issue_receipt(store, 0, note)
    trusted = witness_vkeys()[:2]
    with pytest.raises(WitnessQuorumError):
        verify_receipt(receipt, entry=entries(13)[0], log_vkey=log_vkey(), witness_vkeys=trusted)
    result = verify_receipt(
        receipt, entry=entries(13)[0], log_vkey=log_vkey(), witness_vkeys=trusted, witness_quorum=1
    )
    assert result.witnesses == WITNESS_NAMES[:1]


def test_a_bad_cosignature_from_a_trusted_witness_fails() -> None:
    """A trusted witness whose line does not verify rejects the receipt outright."""
    store, tree = build_log(13)
    note = signed_checkpoint(tree, witnesses=0)
    impostor = CosignatureSigner.from_seed(WITNESS_NAMES[0], b"\x04" * 32)
    sig = impostor.cosign(note.decode().split("\n\n")[0] + "\n", COSIGNED_AT)
    wrong_key_id = witness_signers()[0].key_id
    forged = note + f"\u2014 {sig.name} ".encode() + base64.b64encode(wrong_key_id + sig.signature)
    receipt = issue_receipt(store, 0, forged + b"\n")
    with pytest.raises(InvalidSignatureError):
        verify_receipt(
            receipt, entry=entries(13)[0], log_vkey=log_vkey(), witness_vkeys=witness_vkeys()[:1]
        )


def test_cosignatures_dated_in_the_future_do_not_count_when_now_is_given() -> None:
    """With the caller's clock, a cosignature claiming a later time is left out of the quorum."""
    receipt = receipt_for(0)
    entry, keys = entries(13)[0], witness_vkeys()
    verify_receipt(receipt, entry=entry, log_vkey=log_vkey(), witness_vkeys=keys, now=COSIGNED_AT)
    with pytest.raises(WitnessQuorumError):
        verify_receipt(
            receipt, entry=entry, log_vkey=log_vkey(), witness_vkeys=keys, now=COSIGNED_AT - 1
        )


def test_the_log_cannot_witness_itself() -> None:
    """Passing the log key as a witness would let one party fake the quorum."""
    with pytest.raises(ValueError, match="witness"):
        verify_receipt(
            receipt_for(0), entry=entries(13)[0], log_vkey=log_vkey(), witness_vkeys=[log_vkey()]
        )


def test_a_witness_listed_twice_cannot_fill_the_quorum_twice() -> None:
    """Repeating one trusted key in the policy is refused rather than counted double."""
    receipt = receipt_for(0, witnesses=1)
    twice = [witness_vkeys()[0], witness_vkeys()[0]]
    with pytest.raises(ValueError, match="twice"):
        verify_receipt(receipt, entry=entries(13)[0], log_vkey=log_vkey(), witness_vkeys=twice)


def test_exactly_one_of_entry_or_leaf_hash_is_required() -> None:
    """The receipt does not carry the entry, so the verifier must say what it checks."""
    receipt = receipt_for(0)
    with pytest.raises(ValueError):
        verify_receipt(receipt, log_vkey=log_vkey())
    with pytest.raises(ValueError):
        verify_receipt(
            receipt, entry=entries(13)[0], leaf_hash=hash_leaf(entries(13)[0]), log_vkey=log_vkey()
        )


def test_extra_data_is_returned_but_not_authenticated() -> None:
    """Anyone can change the extra line without breaking the receipt: it proves nothing."""
    receipt = receipt_for(3)
    relabelled = Receipt(3, receipt.inclusion_proof, receipt.checkpoint, b"anything at all")
    result = verify_receipt(relabelled, entry=entries(13)[3], log_vkey=log_vkey())
    assert result.extra == b"anything at all"


def test_truncated_receipts_fail() -> None:
    """Cutting a receipt at any byte makes it unparseable or short of its witnesses."""
    data = receipt_for(9).to_bytes()
    for cut in range(len(data)):
        with pytest.raises(ValueError):  # ReceiptError, NoteError and ProofError are ValueErrors
            verify_receipt(
                data[:cut], entry=entries(13)[9], log_vkey=log_vkey(), witness_vkeys=witness_vkeys()
            )


def test_issuing_refuses_a_store_that_disagrees_with_the_checkpoint() -> None:
    """A damaged store cannot hand out a receipt for a checkpoint it does not match."""
    store, tree = build_log(13)
    note = signed_checkpoint(tree)
    store.nodes[(3, 0)] = hash_leaf(b"rewritten history")  # leaves 0-7, part of the root
    with pytest.raises(ReceiptError):
        issue_receipt(store, 5, note)
