"""Tepat checks and ballot reconciliation, on hand-made packages (pure functions, no store)."""

from __future__ import annotations

import datetime as dt

from salur.custody.reconcile import Tally, reconcile
from salur.custody.states import Level, Place
from salur.custody.tepat import (
    ATTENDANCE_MISMATCH,
    BALANCE_MISMATCH,
    COUNT_MISMATCH,
    SEAL_BROKEN,
    SEAL_MISSING,
    SEAL_UNKNOWN,
    WITNESS_MISSING,
    WRONG_BALLOT_TYPE,
    WRONG_DAPIL,
    WRONG_TARGET,
    Finding,
    Observation,
    PackageInfo,
    check_contents,
    check_target,
    check_witnesses,
    is_late,
)

DPR = PackageInfo(
    package_id="K-1410012001001-DPR-7K2QX",
    kind="kotak",
    tps_code="1410012001001",
    village_code="14.10.01.2001",
    district_code="14.10.01",
    regency_code="14.10",
    ballot_type="dpr",
    dapil="1402",
    count=245,
    seals=frozenset({101, 102}),
    tps_dapil={"ppwp": "ID", "dpr": "1402", "dpd": "14", "dprd_prov": "140002"},
)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_a_package_on_its_own_chain_is_on_target_at_every_level() -> None:
    """Its regency's warehouse, its kecamatan's PPK, its desa's PPS and its TPS's KPPS."""
    for level in Level:
        assert check_target(DPR, Place(level, DPR.region_at(level))) is None


def test_a_kit_handed_to_another_pps_or_tps_is_off_target_and_refused() -> None:
    """The wrong desa or the TPS next door is a refusal naming both places."""
    wrong_pps = check_target(DPR, Place(Level.PPS, "14.10.01.2002"))
    wrong_tps = check_target(DPR, Place(Level.KPPS, "1410012001002"))
    assert wrong_pps is not None and wrong_tps is not None
    assert (wrong_pps.code, wrong_pps.refuses) == (WRONG_TARGET, True)
    assert (wrong_tps.expected, wrong_tps.found) == ("kpps 1410012001001", "kpps 1410012001002")


def test_ballots_of_another_dapil_are_refused_whatever_their_type() -> None:
    """DPR ballots of dapil 1401 in a TPS of dapil 1402 are the 2024 'surat suara tertukar'."""
    wrong = check_contents(DPR, Observation(DPR.package_id, "dpr", "1401", seals=(101, 102)))
    assert codes(wrong) == [WRONG_DAPIL]
    assert wrong[0].refuses and (wrong[0].expected, wrong[0].found) == ("1402", "1401")
    other_type = check_contents(DPR, Observation(DPR.package_id, "dpd", "13", seals=(101, 102)))
    assert codes(other_type) == [WRONG_BALLOT_TYPE, WRONG_DAPIL]


def test_a_short_count_and_a_broken_seal_are_discrepancies_not_refusals() -> None:
    """83 ballots short, one seal broken: accepted, each found and expected value kept."""
    seen = Observation(DPR.package_id, "dpr", "1402", 162, seals=(101,), broken_seals=(102,))
    found = check_contents(DPR, seen)
    assert codes(found) == [COUNT_MISMATCH, SEAL_BROKEN]
    assert not any(f.refuses for f in found)
    assert (found[0].expected, found[0].found) == ("245", "162")


def test_missing_and_unknown_seals_are_named() -> None:
    """An unsealed kotak shows every registered seal missing; a stray seal is unknown."""
    found = check_contents(DPR, Observation(DPR.package_id, seals=(999,)))
    assert codes(found) == [SEAL_MISSING, SEAL_MISSING, SEAL_UNKNOWN]


def test_after_resealing_the_new_seals_are_the_expected_ones() -> None:
    """On the way back, the seals applied at the TPS replace the registry's."""
    seen = Observation(DPR.package_id, seals=(501, 502))
    assert check_contents(DPR, seen, expected_seals={501, 502}) == []


def test_an_unchecked_count_or_dapil_is_not_a_finding() -> None:
    """A sealed kotak is not counted at a handover; None means 'not checked'."""
    assert check_contents(DPR, Observation(DPR.package_id, seals=(101, 102))) == []


def test_each_required_witness_group_needs_one_witness() -> None:
    """Bawaslu (Panwascam or PKD) and police: a PKD alone leaves the police group missing."""
    required = [["panwascam", "pkd"], ["polisi"]]
    assert check_witnesses(required, ["pkd", "polisi"]) == []
    missing = check_witnesses(required, ["pkd", "saksi"])
    assert codes(missing) == [WITNESS_MISSING] and missing[0].expected == "polisi"


def test_lateness_is_strictly_after_the_deadline() -> None:
    """Arriving at the deadline is on time; a second later is late; no deadline, never late."""
    deadline = dt.datetime(2024, 2, 13, 16, 59, 59, tzinfo=dt.UTC)
    assert not is_late(deadline, deadline)
    assert is_late(deadline + dt.timedelta(seconds=1), deadline)
    assert not is_late(deadline, None)


def test_a_balanced_tally_has_no_findings() -> None:
    """issued = used + unused + damaged and used = voters."""
    assert reconcile([Tally("1410012001001", "dpr", 245, 200, 43, 2, 200)]) == []


def test_unaccounted_ballots_and_used_beyond_attendance_are_mismatches() -> None:
    """Two ballots unaccounted for, and five more ballots used than voters who came."""
    tally = Tally("1410012001001", "dpr", 245, 205, 36, 2, 200, package="K-1")
    found = reconcile([tally])
    assert codes(found) == [BALANCE_MISMATCH, ATTENDANCE_MISMATCH]
    assert (found[0].expected, found[0].found) == ("245", "243")
    assert (found[1].expected, found[1].found, found[1].package) == ("200", "205", "K-1")
