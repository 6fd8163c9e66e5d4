"""Ed25519 note keys (signed-note type 0x01) and their text forms.

A log operator configures its signer from a `PRIVATE+KEY+name+id+key` string and publishes the
matching `name+id+key` verifier key; observers and KPU auditors load verifier keys from that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from cryptography.exceptions import InvalidSignature

from salur.ledger.cosignature import COSIGNATURE_ED25519, CosignatureVerifier
from salur.ledger.note import (
    NamedEd25519Key,
    NamedEd25519Signer,
    NoteVerifier,
    split_vkey,
)

NOTE_ED25519: Final = 0x01
ED25519_SIGNATURE_SIZE: Final = 64


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


class Ed25519Signer(NamedEd25519Signer):
    """Signs notes with one named Ed25519 key (type 0x01)."""

    SIGNATURE_TYPE: ClassVar[int] = NOTE_ED25519
    KIND: ClassVar[str] = "signer"
    __slots__ = ()

    def verifier(self) -> Ed25519Verifier:
        """The matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Ed25519 signature over the note text."""
        return self._private_key.sign(text)


def load_verifier(vkey: str) -> NoteVerifier:
    """A verifier for a vkey string: a note key (type 0x01) or a witness cosigner (type 0x04)."""
    _, _, signature_type, _ = split_vkey(vkey)
    if signature_type == NOTE_ED25519:
        return Ed25519Verifier.from_vkey(vkey)
    if signature_type == COSIGNATURE_ED25519:
        return CosignatureVerifier.from_vkey(vkey)
    raise ValueError(f"unsupported signature type {signature_type:#04x}")
