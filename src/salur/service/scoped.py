"""Region filters made from a Grant: the only way the service's queries restrict rows to a
region, so what a route reads is what its access rule checked.

TPS codes are 13 digits and lie in a region when they start with its digits; dotted codes
(desa, kecamatan, regency) lie in it when they equal it or continue it with a dot. A grant for
a TPS holds only that TPS.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false

from salur.identity.regions import RegionLevel, digits, level_of, parent_regions
from salur.service.access import Grant


def tps_codes(grant: Grant, column: Any) -> Any:
    """Rows whose 13-digit TPS code lies in the granted region."""
    prefix = digits(grant.region)
    if not prefix:
        return column.is_not(None)
    return column.like(prefix + "%")


def dotted_codes(grant: Grant, column: Any) -> Any:
    """Rows whose dotted region code lies in the granted region (none for a TPS grant)."""
    region = grant.region
    if not region:
        return column.is_not(None)
    if level_of(region) is RegionLevel.TPS:
        return false()  # a TPS holds no desa or kecamatan
    return (column == region) | column.like(region + ".%")


def covering_codes(grant: Grant, column: Any) -> Any:
    """Rows whose dotted region code holds the granted region, or lies in it."""
    holders = parent_regions(grant.region) if grant.region else []
    return column.in_(holders) | dotted_codes(grant, column)


def region_of(grant: Grant) -> str:
    """The granted region's code, for use cases that take one (needs, stock, labels)."""
    return grant.region
