"""Unit tests for C2SP signed notes and Ed25519 note keys.

The PeterNeumann and EnochRoot keys and signatures are the published examples of
golang.org/x/mod/sumdb/note (note.go, note_test.go); matching them byte for byte shows salur
interoperates with the reference implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from salur.ledger.keys import Ed25519Signer, Ed25519Verifier, load_verifier
from salur.ledger.note import (
    MAX_SIGNATURES,
    InvalidSignatureError,
    MalformedNoteError,
    NoteSignature,
    UnverifiedNoteError,
    add_signatures,
    compute_key_id,
    is_valid_key_name,
    open_note,
    parse_note,
    sign_note,
)

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
# The example note of c2sp.org/signed-note: its text contains a blank line of its own.
SPEC_EXAMPLE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \u00e8 subito sera.\n"
    "\n"
    "\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONr"
    "MouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)


def peter() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(PETER_VKEY)


def enoch() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(ENOCH_VKEY)


def test_signing_reproduces_the_reference_note_byte_for_byte() -> None:
    """Ed25519 is deterministic, so the Go example note must come out identical."""
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    assert sign_note(TEXT, [signer]).to_bytes() == (TEXT + "\n" + PETER_SIG).encode()


def test_signer_key_derives_the_reference_verifier_key() -> None:
    """Key ID = SHA-256(name || 0x0A || 0x01 || pubkey)[:4], and both key strings round-trip."""
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.verifier().vkey == PETER_VKEY
    assert signer.skey == PETER_SKEY
    assert compute_key_id("PeterNeumann", 0x01, signer.public_key) == signer.key_id
    assert peter().vkey == PETER_VKEY


def test_opening_verifies_known_keys_and_sets_unknown_ones_aside() -> None:
    """Signatures from unknown keys are ignored, not errors, as the spec requires."""
    note = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [peter()])
    assert note.text == TEXT
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == ["EnochRoot"]
    both = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [peter(), enoch()])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    assert both.signed_by(enoch())


def test_a_note_without_any_known_signature_is_rejected() -> None:
    """Without a verified signature the text must be ignored; the parsed note stays inspectable."""
    with pytest.raises(UnverifiedNoteError) as caught:
        open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [])
    assert [s.name for s in caught.value.note.signatures] == ["PeterNeumann", "EnochRoot"]


def test_a_bad_signature_from_a_known_key_rejects_the_whole_note() -> None:
    """A corrupted signature or altered text under a known key is an error, not ignored."""
    corrupted = PETER_SIG[:60] + "ABCD" + PETER_SIG[64:]
    with pytest.raises(InvalidSignatureError):
        open_note((TEXT + "\n" + corrupted).encode(), [peter()])
    altered = TEXT.replace("problem,", "problems,")
    with pytest.raises(InvalidSignatureError):
        open_note((altered + "\n" + PETER_SIG).encode(), [peter()])


def test_the_same_known_key_counts_once_and_every_copy_is_checked() -> None:
    """A repeated signature neither adds weight nor escapes verification."""
    note = open_note((TEXT + "\n" + PETER_SIG + PETER_SIG).encode(), [peter()])
    assert len(note.verified) == 1
    corrupted = PETER_SIG[:60] + "ABCD" + PETER_SIG[64:]
    with pytest.raises(InvalidSignatureError):
        open_note((TEXT + "\n" + PETER_SIG + corrupted).encode(), [peter()])


def test_the_wrong_key_is_unknown_rather_than_accepted() -> None:
    """A different key with the same name has another key ID, so it never verifies the note."""
    impostor = Ed25519Signer.from_seed("PeterNeumann", b"\x07" * 32)
    forged = sign_note(TEXT, [impostor]).to_bytes()
    with pytest.raises(UnverifiedNoteError):
        open_note(forged, [peter()])


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("\u2014", "-"),
        TEXT + "\n" + PETER_SIG.replace("\u2014 ", "\u2014"),
        TEXT + "\n" + PETER_SIG.replace(" x08go", "  x08go"),
        TEXT + "\n" + PETER_SIG.replace("nAM=", "nAN="),
        TEXT + "\n" + PETER_SIG.replace("nAM=", "nAM"),
        TEXT + "\n\u2014 PeterNeumann x08g\n",
        (TEXT + "\n" + PETER_SIG).replace("\n", "\r\n"),
        "",
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "truncated-last-line",
        "control-character",
        "space-in-name",
        "trailing-garbage",
        "hyphen-not-em-dash",
        "no-space-after-dash",
        "double-space",
        "non-canonical-base64",
        "unpadded-base64",
        "signature-without-bytes",
        "crlf",
        "empty",
    ],
)
def test_malformed_notes_are_rejected(message: str) -> None:
    """Anything that is not text, blank line, and well-formed signature lines is malformed."""
    with pytest.raises(MalformedNoteError):
        open_note(message.encode(), [peter()])


def test_invalid_utf8_is_rejected() -> None:
    """Signed notes MUST be valid UTF-8."""
    with pytest.raises(MalformedNoteError):
        parse_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode())


def test_at_least_sixteen_signatures_are_accepted_and_more_than_a_hundred_are_not() -> None:
    """The spec requires accepting 16 signatures; we cap at 100 like the Go reference."""
    many = [Ed25519Signer.from_seed(f"k{i}.example", bytes([i]) * 32) for i in range(16)]
    note = sign_note(TEXT, many).to_bytes()
    assert len(open_note(note, [s.verifier() for s in many]).verified) == 16
    with pytest.raises(MalformedNoteError):
        parse_note((TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1)).encode())


def test_the_spec_example_splits_at_the_last_blank_line() -> None:
    """The note text may contain blank lines; the signatures start after the last one."""
    note = parse_note(SPEC_EXAMPLE.encode())
    assert note.text.endswith("\n\ned \u00e8 subito sera.\n")
    (signature,) = note.signatures
    assert signature.name == "quasimodo.example/salvatore"
    assert len(signature.signature) == 64
    assert note.to_bytes() == SPEC_EXAMPLE.encode()


def test_replacing_a_signature_by_the_same_key() -> None:
    """Re-signing keeps one signature per key, with the newest last."""
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    stale = NoteSignature("PeterNeumann", signer.key_id, b"stale")
    other = NoteSignature("EnochRoot", enoch().key_id, b"kept")
    note = sign_note(TEXT, [signer])
    resigned = add_signatures(
        add_signatures(note, [other, stale]), sign_note(TEXT, [signer]).signatures
    )
    assert [s.name for s in resigned.signatures] == ["EnochRoot", "PeterNeumann"]
    assert open_note(resigned.to_bytes(), [peter()]).verified[0].signature != b"stale"


def test_signing_requires_text_ending_in_a_newline() -> None:
    """Note text always ends with a newline."""
    with pytest.raises(MalformedNoteError):
        sign_note("abc", [Ed25519Signer.from_skey(PETER_SKEY)])


def test_two_different_verifiers_for_one_key_id_are_ambiguous() -> None:
    """If a name and key ID map to two keys, opening refuses instead of guessing."""

    @dataclass(frozen=True)
    class Colliding:
        name: str
        key_id: bytes
        secret: int

        def verify(self, text: bytes, signature: bytes) -> bool:
            return True

    first = Colliding("PeterNeumann", peter().key_id, 1)
    second = Colliding("PeterNeumann", peter().key_id, 2)
    with pytest.raises(ValueError, match="two different verifiers"):
        open_note((TEXT + "\n" + PETER_SIG).encode(), [first, second])
    assert open_note((TEXT + "\n" + PETER_SIG).encode(), [peter(), peter()]).verified


def _manglings(key: str) -> list[str]:
    """Every proper substring and every single-character increment, as the Go tests do."""
    variants = {key[i:j] for i in range(len(key) + 1) for j in range(i, len(key) + 1)}
    variants |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    variants.discard(key)
    return sorted(variants)


def test_every_mangled_verifier_key_is_rejected() -> None:
    """No truncation or one-character change of a verifier key still loads."""
    for mangled in _manglings(PETER_VKEY):
        with pytest.raises(ValueError):
            Ed25519Verifier.from_vkey(mangled)


def test_every_mangled_signer_key_is_rejected() -> None:
    """No truncation or one-character change of a signer key still loads."""
    for mangled in _manglings(PETER_SKEY):
        with pytest.raises(ValueError):
            Ed25519Signer.from_skey(mangled)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
    ids=["wrong-key-length", "unknown-algorithm", "hex-prefix"],
)
def test_verifier_keys_with_a_valid_id_but_bad_contents_are_rejected(vkey: str) -> None:
    """A self-consistent key ID does not rescue a wrong key size, algorithm or ID syntax."""
    with pytest.raises(ValueError):
        Ed25519Verifier.from_vkey(vkey)
    with pytest.raises(ValueError):
        load_verifier(vkey)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("log.salur.example/pemilu", True),
        ("oid/1.3.6.1.4.1", True),
        ("", False),
        ("a+b", False),
        ("a b", False),
        ("a\u00a0b", False),
        ("a\u3000b", False),
        ("a\tb", False),
    ],
)
def test_key_name_rules(name: str, valid: bool) -> None:
    """Key names are non-empty with no Unicode spaces and no plus signs."""
    assert is_valid_key_name(name) is valid


def test_load_verifier_reads_note_keys() -> None:
    """A type 0x01 verifier key loads as an Ed25519 note verifier."""
    assert load_verifier(PETER_VKEY) == peter()
