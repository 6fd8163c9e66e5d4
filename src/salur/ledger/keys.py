"""Ed25519 note keys (signed-note type 0x01) and their text forms.

A log operator configures its signer from a `PRIVATE+KEY+name+id+key` string and publishes the
matching `name+id+key` verifier key; observers and KPU auditors load verifier keys from that text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import ClassVar, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from salur.ledger.cosignature import COSIGNATURE_ED25519, CosignatureVerifier
from salur.ledger.note import (
    NamedEd25519Key,
    NoteVerifier,
    compute_key_id,
    is_valid_key_name,
    parse_key_string,
    split_vkey,
)

NOTE_ED25519: Final = 0x01
ED25519_KEY_SIZE: Final = 32
ED25519_SIGNATURE_SIZE: Final = 64
_SKEY_PREFIX: Final = "PRIVATE+KEY+"


@dataclass(frozen=True, slots=True)
class Ed25519Verifier(NamedEd25519Key):
    """Checks plain Ed25519 note signatures (type 0x01) by one named key."""

    SIGNATURE_TYPE: ClassVar[int] = NOTE_ED25519
    KIND: ClassVar[str] = "note"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's Ed25519 signature over `text`."""
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


class Ed25519Signer:
    """Signs notes with one named Ed25519 key (type 0x01)."""

    __slots__ = ("_private_key", "name", "public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_key_name(name):
            raise ValueError(f"invalid key name {name!r}")
        self.name = name
        self._private_key = private_key
        self.public_key = private_key.public_key().public_bytes_raw()

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Ed25519Signer:
        """A signer from the 32-byte RFC 8032 private key seed."""
        if len(seed) != ED25519_KEY_SIZE:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        """A signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Load a `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || seed)` signer key."""
        if not skey.startswith(_SKEY_PREFIX):
            raise ValueError("malformed signer key")
        name, key_id, signature_type, seed = parse_key_string(skey[len(_SKEY_PREFIX) :])
        if signature_type != NOTE_ED25519 or len(seed) != ED25519_KEY_SIZE:
            raise ValueError("malformed signer key")
        signer = cls.from_seed(name, seed)
        if signer.key_id != key_id:  # the ID hashes the public key, so check after deriving it
            raise ValueError("signer key ID does not match its name and key")
        return signer

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID that signature lines carry."""
        return compute_key_id(self.name, NOTE_ED25519, self.public_key)

    @property
    def skey(self) -> str:
        """This key as a signer key string; it is secret."""
        seed = self._private_key.private_bytes_raw()
        material = base64.b64encode(bytes([NOTE_ED25519]) + seed).decode("ascii")
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id.hex()}+{material}"

    def verifier(self) -> Ed25519Verifier:
        """The matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Ed25519 signature over the note text."""
        return self._private_key.sign(text)

    def __repr__(self) -> str:
        return f"Ed25519Signer({self.name!r}, key_id={self.key_id.hex()})"


def load_verifier(vkey: str) -> NoteVerifier:
    """A verifier for a vkey string: a note key (type 0x01) or a witness cosigner (type 0x04)."""
    _, _, signature_type, _ = split_vkey(vkey)
    if signature_type == NOTE_ED25519:
        return Ed25519Verifier.from_vkey(vkey)
    if signature_type == COSIGNATURE_ED25519:
        return CosignatureVerifier.from_vkey(vkey)
    raise ValueError(f"unsupported signature type {signature_type:#04x}")
