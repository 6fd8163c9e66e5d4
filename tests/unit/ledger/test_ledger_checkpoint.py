"""Unit tests for C2SP checkpoints: strict parsing, formatting and opening signed checkpoints."""

from __future__ import annotations

import base64

import pytest
from ledger_fixtures import LOG_ORIGIN, build_log, log_signer, signed_checkpoint, witness_signers

from salur.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from salur.ledger.keys import Ed25519Signer
from salur.ledger.merkle import EMPTY_ROOT
from salur.ledger.note import (
    InvalidSignatureError,
    MalformedNoteError,
    UnverifiedNoteError,
    parse_note,
)

SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = base64.b64encode(EMPTY_ROOT).decode()


def test_the_spec_example_parses_and_formats_back_identically() -> None:
    """The c2sp.org/tlog-checkpoint example is origin, size and base64 root."""
    checkpoint = parse_checkpoint(SPEC_TEXT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == SPEC_TEXT


def test_extension_lines_are_kept_in_order() -> None:
    """Opaque extension lines after the root survive a round trip."""
    text = f"o.example/log\n0\n{ROOT}\nfirst extension\nsecond\n"
    checkpoint = parse_checkpoint(text)
    assert checkpoint.extensions == ("first extension", "second")
    assert checkpoint.to_text() == text


@pytest.mark.parametrize(
    "text",
    [
        f"o.example/log\n07\n{ROOT}\n",
        f"o.example/log\n+7\n{ROOT}\n",
        f"o.example/log\n-7\n{ROOT}\n",
        f"o.example/log\n 7\n{ROOT}\n",
        f"o.example/log\n\u0667\n{ROOT}\n",
        f"o.example/log\n{2**64}\n{ROOT}\n",
        f"o.example/log\n7\n{ROOT[:-4]}\n",
        f"o.example/log\n7\n{ROOT.rstrip('=')}\n",
        f"o.example/log\n7\n{base64.b64encode(EMPTY_ROOT + b'x').decode()}\n",
        "o.example/log\n7\n",
        f"\n7\n{ROOT}\n",
        f"o.example/log\n7\n{ROOT}\n\n",
        f"o.example/log\n7\n{ROOT}",
        f"o.example/log\n7\n{ROOT}\nbad\textension\n",
    ],
    ids=[
        "leading-zero",
        "plus-sign",
        "negative",
        "space",
        "non-ascii-digit",
        "over-uint64",
        "short-root",
        "unpadded-root",
        "long-root",
        "missing-root",
        "empty-origin",
        "empty-extension",
        "no-final-newline",
        "control-character",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    """Sizes are canonical decimals, roots 32 canonical base64 bytes, lines non-empty."""
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_checkpoints_cannot_be_built_with_bad_fields() -> None:
    """The constructor enforces what the parser enforces."""
    with pytest.raises(CheckpointError):
        Checkpoint("o.example/log", -1, EMPTY_ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint("o.example/log", 1, EMPTY_ROOT[:31])
    with pytest.raises(CheckpointError):
        Checkpoint("o.example/log\n2", 1, EMPTY_ROOT)


def test_a_signed_checkpoint_opens_with_the_log_key() -> None:
    """The log's signature on a checkpoint of its own origin verifies."""
    _, tree = build_log(7)
    opened = open_checkpoint(signed_checkpoint(tree), log_verifier=log_signer().verifier())
    assert opened.checkpoint == Checkpoint(LOG_ORIGIN, 7, tree.root())


def test_a_checkpoint_from_another_origin_is_rejected() -> None:
    """A log key must not vouch for another log's checkpoint, nor a verifier expect another."""
    _, tree = build_log(3)
    note = signed_checkpoint(tree)
    with pytest.raises(CheckpointError, match=r"not 'other\.example/log'"):
        open_checkpoint(note, log_verifier=log_signer().verifier(), origin="other.example/log")
    foreign = sign_checkpoint(Checkpoint("other.example/log", 3, tree.root()), [log_signer()])
    with pytest.raises(CheckpointError):
        open_checkpoint(foreign, log_verifier=log_signer().verifier())


def test_a_checkpoint_signed_by_another_key_is_rejected() -> None:
    """Only the configured log key counts; a look-alike key is unknown and ignored."""
    _, tree = build_log(3)
    impostor = Ed25519Signer.from_seed(LOG_ORIGIN, b"\x01" * 32)
    forged = sign_checkpoint(Checkpoint(LOG_ORIGIN, 3, tree.root()), [impostor])
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(forged, log_verifier=log_signer().verifier())


def test_witness_signatures_alone_do_not_make_a_log_checkpoint() -> None:
    """A checkpoint verified only by witness keys is not signed by the log."""
    _, tree = build_log(3)
    note = parse_note(signed_checkpoint(tree))
    without_log = [s for s in note.signatures if s.name != LOG_ORIGIN]
    stripped = (note.text + "\n" + "".join(s.to_line() for s in without_log)).encode()
    witnesses = [w.verifier() for w in witness_signers()]
    with pytest.raises(CheckpointError, match="not signed by the log"):
        open_checkpoint(stripped, log_verifier=log_signer().verifier(), other_verifiers=witnesses)


def test_tampered_or_truncated_checkpoints_are_rejected() -> None:
    """Changing the size, cutting the note or flipping a signature bit all fail."""
    _, tree = build_log(5)
    note = signed_checkpoint(tree, witnesses=0)
    log = log_signer().verifier()
    with pytest.raises(InvalidSignatureError):
        open_checkpoint(note.replace(b"\n5\n", b"\n6\n", 1), log_verifier=log)
    with pytest.raises(MalformedNoteError):
        open_checkpoint(note[:-10], log_verifier=log)
    with pytest.raises(MalformedNoteError):
        open_checkpoint(note[: note.index(b"\n\n") + 1], log_verifier=log)
    raw = bytearray(note)
    raw[-5] ^= 0x01  # inside the base64 signature
    with pytest.raises((InvalidSignatureError, MalformedNoteError)):
        open_checkpoint(bytes(raw), log_verifier=log)
