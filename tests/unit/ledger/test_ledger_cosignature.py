"""Unit tests for timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature)."""

from __future__ import annotations

import pytest
from ledger_fixtures import COSIGNED_AT, build_log, log_signer, seed, signed_checkpoint

from salur.ledger.checkpoint import CheckpointError, open_checkpoint
from salur.ledger.cosignature import (
    MAX_TIMESTAMP,
    CosignatureSigner,
    CosignatureVerifier,
    add_cosignature,
    cosignature_timestamp,
    cosigned_message,
)
from salur.ledger.keys import Ed25519Verifier, load_verifier
from salur.ledger.note import (
    InvalidSignatureError,
    NoteSignature,
    add_signatures,
    open_note,
    parse_note,
)

# The example of c2sp.org/tlog-cosignature: a checkpoint with its log signature and one
# cosignature, and the message that cosignature signs.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
    "X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_MESSAGE = (
    "cosignature/v1\n"
    "time 1679315147\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)


def witness() -> CosignatureSigner:
    return CosignatureSigner.from_seed("bawaslu.example/w1", seed("spec-test witness"))


def test_the_spec_example_cosignature_carries_its_timestamp() -> None:
    """The example line is key ID || u64 timestamp || 64-byte signature, dated 1679315147."""
    note = parse_note(SPEC_CHECKPOINT.encode())
    log_sig, witness_sig = note.signatures
    assert len(log_sig.signature) == 64
    assert witness_sig.name == "witness.example.com/w1"
    assert witness_sig.key_id.hex() == "8d66cf3f"
    assert cosignature_timestamp(witness_sig) == 1679315147


def test_the_signed_message_matches_the_spec_example() -> None:
    """Header line, time line, then the whole checkpoint text."""
    text = parse_note(SPEC_CHECKPOINT.encode()).text
    assert cosigned_message(text, 1679315147) == SPEC_MESSAGE.encode()


def test_a_cosignature_verifies_and_binds_text_time_and_key() -> None:
    """Changing the checkpoint, the timestamp or the key makes the cosignature fail."""
    _, tree = build_log(9)
    text = parse_note(signed_checkpoint(tree, witnesses=0)).text
    signer = witness()
    sig = signer.cosign(text, COSIGNED_AT)
    verifier = signer.verifier()
    assert verifier.verify(text.encode(), sig.signature)
    assert cosignature_timestamp(sig) == COSIGNED_AT
    assert not verifier.verify(text.replace("\n9\n", "\n10\n").encode(), sig.signature)
    later = (COSIGNED_AT + 1).to_bytes(8, "big") + sig.signature[8:]
    assert not verifier.verify(text.encode(), later)
    other = CosignatureSigner.from_seed("bawaslu.example/w1", seed("another witness"))
    assert not other.verifier().verify(text.encode(), sig.signature)
    assert not verifier.verify(text.encode(), sig.signature[:-1])


def test_extension_lines_are_part_of_the_signed_message() -> None:
    """Extension lines are cosigned too, so altering one breaks the cosignature."""
    root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    text = f"example.com/log\n5\n{root}\nextension one\n"
    sig = witness().cosign(text, COSIGNED_AT)
    assert witness().verifier().verify(text.encode(), sig.signature)
    assert not witness().verifier().verify(text.replace("one", "two").encode(), sig.signature)


def test_only_canonical_checkpoints_are_cosigned() -> None:
    """A witness refuses to sign text that is not a well-formed checkpoint."""
    with pytest.raises(CheckpointError):
        witness().cosign("not a checkpoint\n", COSIGNED_AT)
    assert not witness().verifier().verify(b"not a checkpoint\n", bytes(72))


@pytest.mark.parametrize("timestamp", [-1, MAX_TIMESTAMP + 1])
def test_timestamps_outside_the_signed_63_bit_range_are_refused(timestamp: int) -> None:
    """The timestamp MUST NOT exceed 2**63 - 1."""
    text = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    with pytest.raises(ValueError):
        witness().cosign(text, timestamp)


def test_a_timestamp_above_the_limit_fails_verification() -> None:
    """A cosignature whose timestamp has the top bit set never verifies."""
    text = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    sig = witness().cosign(text, COSIGNED_AT)
    huge = (2**63).to_bytes(8, "big") + sig.signature[8:]
    assert not witness().verifier().verify(text.encode(), huge)


def test_cosigner_key_ids_use_signature_type_four() -> None:
    """The same name and public key give different key IDs as a note key and as a cosigner."""
    signer = witness()
    as_note_key = Ed25519Verifier(signer.name, signer.public_key)
    assert signer.key_id != as_note_key.key_id
    assert signer.verifier().key_id == signer.key_id


def test_cosigner_verifier_keys_round_trip_and_are_typed() -> None:
    """A type 0x04 vkey loads as a cosigner and is refused as a plain note key."""
    vkey = witness().verifier().vkey
    assert CosignatureVerifier.from_vkey(vkey) == witness().verifier()
    assert load_verifier(vkey) == witness().verifier()
    with pytest.raises(ValueError):
        Ed25519Verifier.from_vkey(vkey)
    with pytest.raises(ValueError):
        CosignatureVerifier.from_vkey(log_signer().verifier().vkey)


def test_adding_a_cosignature_keeps_the_log_signature_valid() -> None:
    """A witness appends its line; re-cosigning replaces the older line from the same witness."""
    _, tree = build_log(4)
    note = signed_checkpoint(tree, witnesses=0)
    once = add_cosignature(note, witness(), COSIGNED_AT)
    twice = add_cosignature(once, witness(), COSIGNED_AT + 60)
    opened = open_checkpoint(
        twice, log_verifier=log_signer().verifier(), other_verifiers=[witness().verifier()]
    )
    assert len(opened.note.verified) == 2
    (cosig,) = [s for s in opened.note.verified if s.name == witness().name]
    assert cosignature_timestamp(cosig) == COSIGNED_AT + 60


def test_a_forged_cosignature_from_a_trusted_witness_rejects_the_note() -> None:
    """A trusted witness's line that does not verify is an error, not silently skipped."""
    _, tree = build_log(4)
    note = parse_note(add_cosignature(signed_checkpoint(tree, witnesses=0), witness(), COSIGNED_AT))
    log_sig, cosig = note.signatures
    flipped = bytearray(cosig.signature)
    flipped[20] ^= 0x40
    forged = add_signatures(note, [NoteSignature(cosig.name, cosig.key_id, bytes(flipped))])
    with pytest.raises(InvalidSignatureError):
        open_note(forged.to_bytes(), [log_signer().verifier(), witness().verifier()])
    assert open_note(forged.to_bytes(), [log_signer().verifier()]).verified == (log_sig,)
