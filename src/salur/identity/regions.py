"""Region codes as scopes: which level a code names, whether one lies inside another, and the
smallest region holding a set of TPS.

Kemendagri/KPU codes have a fixed width per level (province 2 digits, regency 2, kecamatan 2,
desa 4, TPS 3), so comparing their digits as prefixes is exact: "14.10" holds "14.10.01.2001"
and the TPS "1410012001001", and never "14.1" anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

REGION_PATTERN = r"^([0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?|[0-9]{13})$"
_REGION = re.compile(REGION_PATTERN)
# Digits that end each level, province to TPS.
_BOUNDARIES = (2, 4, 6, 10, 13)


class RegionLevel(StrEnum):
    """The level a region code names."""

    COUNTRY = "country"
    PROVINCE = "province"
    REGENCY = "regency"
    DISTRICT = "district"
    VILLAGE = "village"
    TPS = "tps"


_LEVELS = (
    RegionLevel.PROVINCE,
    RegionLevel.REGENCY,
    RegionLevel.DISTRICT,
    RegionLevel.VILLAGE,
    RegionLevel.TPS,
)


def is_region(code: str) -> bool:
    """Whether `code` is a well-formed region code (dotted, or a 13-digit TPS code)."""
    return bool(_REGION.fullmatch(code))


def digits(code: str) -> str:
    """The code without its dots: what prefixes are compared on."""
    return code.replace(".", "")


def level_of(code: str) -> RegionLevel:
    """The level of a well-formed code ('' is the whole country)."""
    if not code:
        return RegionLevel.COUNTRY
    return _LEVELS[_BOUNDARIES.index(len(digits(code)))]


def within(region: str, scope: str) -> bool:
    """Whether `region` lies in `scope` (a scope of '' holds everything)."""
    return digits(region).startswith(digits(scope))


def from_digits(value: str) -> str:
    """The dotted code of a level's digits; a TPS stays 13 digits, as KPU writes it."""
    if len(value) == _BOUNDARIES[-1]:
        return value
    parts, start = [], 0
    for end in _BOUNDARIES:
        if end > len(value):
            break
        parts.append(value[start:end])
        start = end
    return ".".join(parts)


def common_region(codes: Iterable[str]) -> str:
    """The smallest region holding every code ('' when they span provinces or none is given)."""
    found = [digits(code) for code in codes]
    if not found:
        return ""
    shared = min(found, key=len)
    for other in found:
        while not other.startswith(shared):
            shared = shared[:-1]
    level_end = max((end for end in _BOUNDARIES if end <= len(shared)), default=0)
    return from_digits(shared[:level_end])


def parent_regions(code: str) -> list[str]:
    """The code and every region above it, province first."""
    value = digits(code)
    return [from_digits(value[:end]) for end in _BOUNDARIES if end <= len(value)]
