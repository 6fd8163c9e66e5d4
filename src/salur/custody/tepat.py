"""Bawaslu's "tepat" checks on what a handover shows: right target, right dapil, right quantity,
intact seals, required witnesses, on time.

Each check returns findings. A finding whose code is in `REFUSING` refuses the event (the kit
must not change hands: a wrong TPS or another dapil's ballots caused re-votes in 2024); every
other finding lets the event through and becomes a discrepancy incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from salur.custody.states import Level, Place

WRONG_TARGET = "wrong_target"
WRONG_DAPIL = "wrong_dapil"
WRONG_BALLOT_TYPE = "wrong_ballot_type"
COUNT_MISMATCH = "count_mismatch"
SEAL_BROKEN = "seal_broken"
SEAL_MISSING = "seal_missing"
SEAL_UNKNOWN = "seal_unknown"
SEAL_USED = "seal_used"
WITNESS_MISSING = "witness_missing"
BALANCE_MISMATCH = "balance_mismatch"
ATTENDANCE_MISMATCH = "attendance_mismatch"
REFUSING = frozenset({WRONG_TARGET, WRONG_DAPIL})


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What custody must know of a packed package (the kits feature supplies it).

    `tps_dapil` is the dapil the package's TPS votes in for each ballot type, so ballots of any
    type can be checked against it; `dapil` is the one of the package's own ballot type.
    """

    package_id: str
    kind: str  # kotak | bilik | support
    tps_code: str
    village_code: str
    district_code: str
    regency_code: str
    ballot_type: str  # '' unless kotak
    dapil: str  # '' unless kotak
    count: int
    seals: frozenset[int] = frozenset()
    tps_dapil: Mapping[str, str] = field(default_factory=dict)

    @property
    def province_code(self) -> str:
        return self.regency_code.split(".")[0]

    def region_at(self, level: Level) -> str:
        """The region of the holder this package must pass through at `level`."""
        return {
            Level.WAREHOUSE: self.regency_code,
            Level.PPK: self.district_code,
            Level.PPS: self.village_code,
            Level.KPPS: self.tps_code,
        }[level]


@dataclass(frozen=True, slots=True)
class Observation:
    """What the parties saw of one package: `None` means not checked (a sealed kotak's count)."""

    package_id: str
    ballot_type: str | None = None
    dapil: str | None = None
    count: int | None = None
    seals: tuple[int, ...] = ()
    broken_seals: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing not right: a code, the package and TPS it concerns, expected and found."""

    code: str
    package: str | None = None
    tps: str | None = None
    ballot_type: str | None = None
    expected: str | None = None
    found: str | None = None

    @property
    def refuses(self) -> bool:
        return self.code in REFUSING


def check_target(package: PackageInfo, place: Place) -> Finding | None:
    """Whether `place` lies on the package's own chain (its TPS, desa, kecamatan, regency)."""
    expected = package.region_at(place.level)
    if place.region == expected:
        return None
    return Finding(
        WRONG_TARGET,
        package.package_id,
        package.tps_code,
        package.ballot_type or None,
        f"{place.level.value} {expected}",
        f"{place.level.value} {place.region}",
    )


def check_contents(
    package: PackageInfo, seen: Observation, expected_seals: Collection[int] | None = None
) -> list[Finding]:
    """Compare what was seen with the manifest and seal registry of one package.

    Ballots of a dapil other than the TPS's own for that ballot type refuse the event; another
    ballot type, another count, or a seal broken, missing or unknown are discrepancies. Seals
    are compared only when the observation reports some or the package should carry some.
    """
    findings: list[Finding] = []

    def add(code: str, expected: object, found: object) -> None:
        findings.append(
            Finding(
                code,
                package.package_id,
                package.tps_code,
                package.ballot_type or None,
                None if expected is None else str(expected),
                None if found is None else str(found),
            )
        )

    ballot_type = seen.ballot_type if seen.ballot_type is not None else package.ballot_type
    if seen.ballot_type is not None and seen.ballot_type != package.ballot_type:
        add(WRONG_BALLOT_TYPE, package.ballot_type, seen.ballot_type)
    if seen.dapil is not None and ballot_type:
        right = package.tps_dapil.get(ballot_type, package.dapil)
        if seen.dapil != right:
            add(WRONG_DAPIL, right, seen.dapil)
    if seen.count is not None and seen.count != package.count:
        add(COUNT_MISMATCH, package.count, seen.count)
    expected = set(package.seals if expected_seals is None else expected_seals)
    for number in sorted(set(seen.broken_seals)):
        add(SEAL_BROKEN, None, number)
    for number in sorted(expected - set(seen.seals) - set(seen.broken_seals)):
        add(SEAL_MISSING, number, None)
    for number in sorted(set(seen.seals) - expected):
        add(SEAL_UNKNOWN, None, number)
    return findings


def check_witnesses(required: Sequence[Sequence[str]], roles: Iterable[str]) -> list[Finding]:
    """One finding per required group of roles with no witness present."""
    present = set(roles)
    return [
        Finding(WITNESS_MISSING, expected=" | ".join(group))
        for group in required
        if not present.intersection(group)
    ]


def is_late(at: dt.datetime, deadline: dt.datetime | None) -> bool:
    """Whether an arrival at `at` misses `deadline` (no deadline: never late)."""
    return deadline is not None and at > deadline
