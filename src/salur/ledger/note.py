"""C2SP signed notes (c2sp.org/signed-note): strict parsing, formatting, signing and opening.

Checkpoints and witness cosignatures travel as signed notes, so this is the envelope every
published tree head of the custody log is wrapped in. Key material lives in `keys.py`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final, Protocol, Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_ID_SIZE: Final = 4
# The spec says verifiers MUST accept at least 16 signatures and SHOULD cap them; 100 is the
# cap of golang.org/x/mod/sumdb/note, the reference implementation.
MAX_SIGNATURES: Final = 100
SIGNATURE_PREFIX: Final = "\u2014 "  # em dash, space

_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
# One regex scan instead of a Python loop per character: same sets as str.isspace() (which is
# what `\s` matches in a str pattern) and `ch < " "`; receipt checks parse several notes each.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A signed note was rejected."""


class MalformedNoteError(NoteError):
    """The bytes are not a well-formed signed note."""


class InvalidSignatureError(NoteError):
    """A signature from a known key failed to verify, so the whole note is rejected."""


class UnverifiedNoteError(NoteError):
    """No signature from a known key is on the note."""

    def __init__(self, note: SignedNote) -> None:
        super().__init__("note has no signature from a known key")
        self.note = note


class NoteSigner(Protocol):
    """Anything that can sign note text under a key name and key ID."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes:
        """Signature bytes (without the key ID) over the note text."""
        ...


class NoteVerifier(Protocol):
    """Anything that can check a signature made under a key name and key ID."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without the key ID) is valid over the note text."""
        ...


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature proper."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise MalformedNoteError(f"invalid key name {self.name!r}")
        if len(self.key_id) != KEY_ID_SIZE or not self.signature:
            raise MalformedNoteError("a signature is a 4-byte key ID and at least one byte")

    @property
    def key(self) -> tuple[str, bytes]:
        """The (name, key ID) pair that identifies the signing key."""
        return (self.name, self.key_id)

    def to_line(self) -> str:
        """The signature line, newline included."""
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """Note text (ending in a newline) and its signatures, in order, none of them checked."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if not self.signatures:
            raise MalformedNoteError("a signed note has at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")

    def to_bytes(self) -> bytes:
        """The wire form: text, a blank line, then one line per signature."""
        lines = "".join(sig.to_line() for sig in self.signatures)
        return (self.text + "\n" + lines).encode("utf-8")


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """A note whose text is vouched for by at least one known key."""

    text: str
    verified: tuple[NoteSignature, ...]  # one per known key, in note order
    unverified: tuple[NoteSignature, ...]  # from unknown keys, ignored as the spec requires

    def signed_by(self, verifier: NoteVerifier) -> bool:
        """Whether this key's signature is among the verified ones."""
        return any(sig.key == (verifier.name, verifier.key_id) for sig in self.verified)


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces, plus signs or control characters."""
    return (
        bool(name)
        and "+" not in name
        and not _SPACE_OR_CONTROL.search(name)
        and _is_utf8_encodable(name)
    )


def compute_key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || signature type || public key)[:4], as signed-note recommends."""
    material = name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def decode_base64(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4), padded and canonical, else ValueError."""
    # binascii directly: a receipt carries ~30 base64 fields and this runs on every one of them.
    try:
        encoded = text.encode("ascii")
        raw = binascii.a2b_base64(encoded, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"not standard base64: {text!r}") from exc
    if binascii.b2a_base64(raw, newline=False) != encoded:
        raise ValueError(f"not canonical base64: {text!r}")
    return raw


def check_note_text(text: str) -> None:
    """Note text is non-empty UTF-8 ending in a newline, with no other control characters."""
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end with a newline")
    _check_characters(text)


def parse_note(data: bytes | str) -> SignedNote:
    """Split a signed note into text and signatures, rejecting anything malformed."""
    message = _decode(data)
    _check_characters(message)
    split = message.rfind("\n\n")  # the text ends at the last blank line
    if split < 0:
        raise MalformedNoteError("no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNoteError("the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature_line(line) for line in lines))


def sign_note(text: str, signers: Sequence[NoteSigner]) -> SignedNote:
    """Sign `text` with every signer, in order."""
    check_note_text(text)
    if not signers:
        raise ValueError("a note needs at least one signer")
    message = text.encode("utf-8")
    signatures = tuple(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    return SignedNote(text, signatures)


def add_signatures(note: SignedNote, signatures: Iterable[NoteSignature]) -> SignedNote:
    """Append signatures; an old signature by the same key is replaced, not kept twice."""
    new = tuple(signatures)
    replaced = {sig.key for sig in new}
    kept = tuple(sig for sig in note.signatures if sig.key not in replaced)
    return SignedNote(note.text, kept + new)


def open_note(data: bytes | str | SignedNote, verifiers: Iterable[NoteVerifier]) -> VerifiedNote:
    """Parse a note and check it against known keys.

    Signatures from unknown keys are ignored (the spec says MUST). Every signature from a known
    key is verified and one failure rejects the whole note (the spec allows this; we choose it).
    A known key that signed twice is listed once. No verified signature at all rejects the note.
    """
    note = data if isinstance(data, SignedNote) else parse_note(data)
    known = _index_verifiers(verifiers)
    message = note.text.encode("utf-8")
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    unverified: dict[NoteSignature, None] = {}
    for sig in note.signatures:
        verifier = known.get(sig.key)
        if verifier is None:
            unverified.setdefault(sig)
            continue
        if not verifier.verify(message, sig.signature):
            raise InvalidSignatureError(f"bad signature by {sig.name}+{sig.key_id.hex()}")
        verified.setdefault(sig.key, sig)
    if not verified:
        raise UnverifiedNoteError(note)
    return VerifiedNote(note.text, tuple(verified.values()), tuple(unverified))


def parse_key_string(text: str) -> tuple[str, bytes, int, bytes]:
    """Split `name+hex(key ID)+base64(type || key material)` without checking the key ID.

    Returns (name, key ID, signature type, key material); raises ValueError if malformed.
    """
    name, _, rest = text.partition("+")
    key_id_hex, _, material_b64 = rest.partition("+")
    if not is_valid_key_name(name) or not _HEX_KEY_ID.fullmatch(key_id_hex):
        raise ValueError("malformed key string")
    try:
        material = decode_base64(material_b64)
    except ValueError:
        raise ValueError("malformed key string") from None
    if len(material) < 2:
        raise ValueError("malformed key string")
    return name, bytes.fromhex(key_id_hex), material[0], material[1:]


def split_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """Split a verifier key `name+hex(key ID)+base64(type || key)`, checking the key ID.

    Returns (name, key ID, signature type, public key). The key ID must be the one
    compute_key_id gives, as golang.org/x/mod/sumdb/note checks.
    """
    name, key_id, signature_type, public_key = parse_key_string(vkey)
    if compute_key_id(name, signature_type, public_key) != key_id:
        raise ValueError("verifier key ID does not match its name and key")
    return name, key_id, signature_type, public_key


def format_vkey(name: str, signature_type: int, public_key: bytes) -> str:
    """The verifier key string for a public key: `name+hex(key ID)+base64(type || key)`."""
    if not is_valid_key_name(name):
        raise ValueError(f"invalid key name {name!r}")
    key_id = compute_key_id(name, signature_type, public_key)
    material = base64.b64encode(bytes([signature_type]) + public_key).decode("ascii")
    return f"{name}+{key_id.hex()}+{material}"


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError(f"not a signature line: {line!r}")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not is_valid_key_name(name):
        raise MalformedNoteError(f"malformed signature line: {line!r}")
    try:
        raw = decode_base64(encoded)
    except ValueError:
        raise MalformedNoteError(f"signature is not base64: {line!r}") from None
    if len(raw) <= KEY_ID_SIZE:
        raise MalformedNoteError(f"signature too short: {line!r}")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def _index_verifiers(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, bytes], NoteVerifier]:
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        key = (verifier.name, verifier.key_id)
        if known.setdefault(key, verifier) != verifier:
            raise ValueError(f"two different verifiers for {key[0]}+{key[1].hex()}")
    return known


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        if not _is_utf8_encodable(data):
            raise MalformedNoteError("note is not valid UTF-8")
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNoteError("note is not valid UTF-8") from None


def _check_characters(text: str) -> None:
    if not _is_utf8_encodable(text):
        raise MalformedNoteError("note is not valid UTF-8")
    if _CONTROL_BUT_NEWLINE.search(text):
        raise MalformedNoteError("note contains a control character")


def _is_utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class NamedEd25519Key:
    """A named Ed25519 public key of one signature type: its key ID, its vkey text and the loaded
    key. Note signers (0x01) and witness cosigners (0x04) differ only in what they verify."""

    SIGNATURE_TYPE: ClassVar[int]
    KIND: ClassVar[str]

    name: str
    public_key: bytes
    key_id: bytes = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        key_id = compute_key_id(self.name, self.SIGNATURE_TYPE, self.public_key)
        object.__setattr__(self, "key_id", key_id)
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Load a `name+hex(key ID)+base64(type || key)` verifier key of this key's type."""
        name, _, signature_type, public_key = split_vkey(vkey)
        if signature_type != cls.SIGNATURE_TYPE:
            raise ValueError(f"not an Ed25519 {cls.KIND} key: type {signature_type:#04x}")
        try:
            return cls(name, public_key)
        except ValueError:
            raise ValueError("malformed verifier key") from None

    @property
    def vkey(self) -> str:
        """This key as a verifier key string."""
        return format_vkey(self.name, self.SIGNATURE_TYPE, self.public_key)


SECRET_KEY_PREFIX: Final = "PRIVATE+KEY+"


class NamedEd25519Signer:
    """A named Ed25519 private key of one signature type, with its key ID and the signed-note
    `PRIVATE+KEY+name+hex(key ID)+base64(type || seed)` text form. Note signers (0x01) and witness
    cosigners (0x04) differ only in what they sign; signed-note defines the text form for 0x01,
    salur reuses it for 0x04 so both kinds of key file look alike and name the key they hold."""

    SIGNATURE_TYPE: ClassVar[int]
    KIND: ClassVar[str]
    __slots__ = ("_private_key", "name", "public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_key_name(name):
            raise ValueError(f"invalid key name {name!r}")
        self.name = name
        self._private_key = private_key
        self.public_key = private_key.public_key().public_bytes_raw()

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        """A key from the 32-byte RFC 8032 private key seed."""
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def generate(cls, name: str) -> Self:
        """A key with a fresh random seed."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Load a secret key string of this key's type (see `skey`)."""
        if not skey.startswith(SECRET_KEY_PREFIX):
            raise ValueError(f"malformed {cls.KIND} key")
        name, key_id, signature_type, seed = parse_key_string(skey[len(SECRET_KEY_PREFIX) :])
        if signature_type != cls.SIGNATURE_TYPE or len(seed) != 32:
            raise ValueError(f"malformed {cls.KIND} key")
        signer = cls.from_seed(name, seed)
        if signer.key_id != key_id:  # the ID hashes the public key, so check after deriving it
            raise ValueError(f"{cls.KIND} key ID does not match its name and key")
        return signer

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID that signature lines carry."""
        return compute_key_id(self.name, self.SIGNATURE_TYPE, self.public_key)

    @property
    def skey(self) -> str:
        """This key as a secret key string; it is secret."""
        seed = self._private_key.private_bytes_raw()
        material = base64.b64encode(bytes([self.SIGNATURE_TYPE]) + seed).decode("ascii")
        return f"{SECRET_KEY_PREFIX}{self.name}+{self.key_id.hex()}+{material}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, key_id={self.key_id.hex()})"
