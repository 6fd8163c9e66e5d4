"""Ballot reconciliation at the TPS, per ballot type: what was issued must be accounted for.

issued = used + unused + damaged, and the ballots used must equal the voters who used their
right to vote (pengguna hak pilih) for that ballot type. Mismatches here caused the recounts in
Meranti and the re-votes in Dumai in 2024.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from salur.custody.tepat import ATTENDANCE_MISMATCH, BALANCE_MISMATCH, Finding


@dataclass(frozen=True, slots=True)
class Tally:
    """The KPPS's figures for one ballot type at one TPS, and the ballots it was issued."""

    tps_code: str
    ballot_type: str
    issued: int
    used: int
    unused: int
    damaged: int
    voters: int
    package: str | None = None

    @property
    def accounted(self) -> int:
        return self.used + self.unused + self.damaged


def reconcile(tallies: Iterable[Tally]) -> list[Finding]:
    """Every balance and attendance mismatch, in the order the tallies come."""
    findings = []
    for tally in tallies:
        if tally.accounted != tally.issued:
            findings.append(_finding(BALANCE_MISMATCH, tally, tally.issued, tally.accounted))
        if tally.used != tally.voters:
            findings.append(_finding(ATTENDANCE_MISMATCH, tally, tally.voters, tally.used))
    return findings


def _finding(code: str, tally: Tally, expected: int, found: int) -> Finding:
    return Finding(
        code, tally.package, tally.tps_code, tally.ballot_type, str(expected), str(found)
    )
