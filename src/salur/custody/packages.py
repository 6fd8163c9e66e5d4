"""What custody needs to know of packages, and the adapter that reads it from the kits feature.

Custody depends on kits only through `PackageSource`: package id -> its TPS and that TPS's
chain, ballot type, dapil, expected count and seals. `KitsPackageSource` is the one adapter;
tests and other deployments may plug in their own.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Protocol

from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.tepat import PackageInfo
from salur.needs.formula import NATIONAL
from salur.norms.loader import load_norm


class PackageSource(Protocol):
    """Where custody learns what a package is and where it must go."""

    def packages(self, session: Session, ids: Collection[str]) -> dict[str, PackageInfo]:
        """The known packages among `ids` (unknown ids are simply absent)."""
        ...


class KitsPackageSource:
    """Packages as the kits feature packed them, with the seals its registry has on them."""

    def packages(self, session: Session, ids: Collection[str]) -> dict[str, PackageInfo]:
        seals = repo.kit_seals(session, ids)
        out = {}
        for row in repo.kit_packages(session, ids):
            (pid, kind, ballot_type, dapil, count, norm_id, tps, village, district, regency) = row[
                :10
            ]
            dapil_of_level = {
                "national": NATIONAL,
                "province": str(regency).split(".")[0],
                "regency": str(regency),
                "dpr_ri": row[10] or "",
                "dprd_prov": row[11] or "",
                "dprd_kab": row[12] or "",
            }
            out[str(pid)] = PackageInfo(
                package_id=str(pid),
                kind=str(kind),
                tps_code=str(tps),
                village_code=str(village),
                district_code=str(district),
                regency_code=str(regency),
                ballot_type=str(ballot_type),
                dapil=str(dapil),
                count=int(count),
                seals=frozenset(seals.get(str(pid), ())),
                tps_dapil={bt: dapil_of_level[level] for bt, level in _districts(norm_id)},
            )
        return out


@cache
def _districts(norm_id: str) -> tuple[tuple[str, str], ...]:
    """(ballot type, kind of district that decides its content) of a norm."""
    return tuple((bt.code, bt.district) for bt in load_norm(norm_id).norm.ballot_types)
