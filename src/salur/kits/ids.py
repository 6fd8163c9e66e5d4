"""Package ids: printable, scannable, hard to guess, and checked for typos on input.

`K-1410011001001-DPR-7K2QH` reads: kind (K kotak, B bilik bundle, P support set), the 13-digit
TPS code, the content (the ballot type for a kotak), 4 random characters and a check character.
The check is ISO/IEC 7064 MOD 37-2 over every letter and digit, which catches any single wrong
character and any swap of two different neighbours. Random and check characters use Crockford's
base-32 alphabet (no I, L, O, U), so a label read aloud or retyped cannot mix up 0/O or 1/I/L.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from salur.errors import SalurError

KOTAK, BILIK, SUPPORT = "kotak", "bilik", "support"
KIND_LETTER = {KOTAK: "K", BILIK: "B", SUPPORT: "P"}
FIXED_SEGMENT = {BILIK: "BILIK", SUPPORT: "SET"}
# Short codes of the ballot types on ids and labels; other norms fall back to their code.
BALLOT_SEGMENT = {
    "ppwp": "PPWP",
    "dpr": "DPR",
    "dpd": "DPD",
    "dprd_prov": "DPRDP",
    "dprd_kab": "DPRDK",
    "gubernur": "GUB",
    "bupati_walikota": "BUP",
}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
RANDOM_LENGTH = 4
PATTERN = re.compile(
    r"^(?P<kind>[KBP])-(?P<tps>[0-9]{13})-(?P<segment>[A-Z0-9]{1,8})-"
    rf"(?P<random>[{CROCKFORD}]{{{RANDOM_LENGTH}}})(?P<check>[{CROCKFORD}])$"
)

Draw = Callable[[int], str]  # n random characters of CROCKFORD (tests pass a seeded one)


class InvalidPackageIdError(SalurError):
    """A typed or scanned package id that cannot be one of salur's."""

    code = "invalid_package_id"


@dataclass(frozen=True)
class PackageId:
    """A package id taken apart."""

    kind: str
    tps_code: str
    segment: str
    text: str

    def __str__(self) -> str:
        return self.text


def segment_for(kind: str, ballot_type: str | None) -> str:
    """The content part of an id: the ballot type of a kotak, or the kind of other packages."""
    if kind != KOTAK:
        return FIXED_SEGMENT[kind]
    assert ballot_type
    fallback = re.sub(r"[^A-Z0-9]", "", ballot_type.upper())[:8]
    return BALLOT_SEGMENT.get(ballot_type, fallback)


def random_characters(count: int) -> str:
    """`count` characters of Crockford's alphabet from the operating system's CSPRNG."""
    return "".join(CROCKFORD[byte & 31] for byte in secrets.token_bytes(count))


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37-2 (pure system) check character of the letters and digits.

    Each character is weighted by a power of 2 modulo the prime 37, so changing one character,
    or swapping two different neighbours, always changes the sum. The check may be any of 37
    symbols ('*' included); `make_package_id` only keeps ids whose check is in CROCKFORD.
    """
    total = 0
    for char in body:
        if char != "-":
            total = (2 * total + ALPHANUMERIC.index(char)) % 37
    return (ALPHANUMERIC + "*")[(1 - 2 * total) % 37]


def make_package_id(
    kind: str, tps_code: str, ballot_type: str | None = None, draw: Draw = random_characters
) -> str:
    """A new id for a package of a TPS; random characters are drawn until the check character
    is one of Crockford's (so every character of an id avoids I, L, O and U)."""
    if not re.fullmatch(r"[0-9]{13}", tps_code):
        raise ValueError(f"TPS code {tps_code!r} is not 13 digits")
    head = f"{KIND_LETTER[kind]}-{tps_code}-{segment_for(kind, ballot_type)}-"
    while True:
        body = head + draw(RANDOM_LENGTH)
        check = check_character(body)
        if check in CROCKFORD:
            return body + check


@functools.lru_cache(maxsize=1 << 16)
def parse_package_id(text: str) -> PackageId:
    """Validate a typed or scanned id (case and surrounding spaces do not matter). Cached: the
    result is immutable, and custody parses the same ids on every handover of a kit."""
    value = text.strip().upper()
    match = PATTERN.match(value)
    if match is None:
        raise InvalidPackageIdError("kits.id_format", value=text.strip())
    kind = {letter: kind for kind, letter in KIND_LETTER.items()}[match["kind"]]
    if kind != KOTAK and match["segment"] != FIXED_SEGMENT[kind]:
        raise InvalidPackageIdError("kits.id_format", value=text.strip())
    if check_character(value[:-1]) != value[-1]:
        raise InvalidPackageIdError("kits.id_check", value=text.strip())
    return PackageId(kind, match["tps"], match["segment"], value)
