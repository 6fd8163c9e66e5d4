"""What one custody event does to the seal registry, decided without a database."""

from __future__ import annotations

from typing import Any

from salur.custody.checks import return_seals, seal_changes
from salur.custody.events import Item, Party, parse_submission
from salur.custody.packages import SealChanges
from salur.custody.signing import pseudonym
from salur.custody.tepat import PackageInfo

TPS = "1410011001005"
PPWP, DPR = f"K-{TPS}-PPWP-AAAAA", f"K-{TPS}-DPR-BBBBB"
INFOS = {
    pid: PackageInfo(pid, "kotak", TPS, "14.10.01.1001", "14.10.01", "14.10", bt, "", 245, seals)
    for pid, bt, seals in ((PPWP, "ppwp", frozenset({1, 2})), (DPR, "dpr", frozenset({3})))
}


def body(kind: str, items: list[Item]) -> Any:
    by = Party(role="kpps", region=TPS, person=pseudonym(b"s" * 32, "kpps"))
    event = {
        "v": 1,
        "type": kind,
        "election": "pemilu-2024",
        "at": "2024-02-14T15:00:00Z",
        "by": by.model_dump(exclude_none=True),
        "items": [i.model_dump(exclude_none=True) for i in items],
    }
    return parse_submission({"event": event}).event


def test_a_seal_check_checks_only_the_registered_seals_seen() -> None:
    """Seals seen but not registered on the package, and seals not seen, are left alone."""
    event = body("seal_check", [Item(package=PPWP, seals=[1, 9]), Item(package=DPR, seals=[])])
    assert seal_changes(event, INFOS, {}) == SealChanges(checked=((1, PPWP),))


def test_an_opening_breaks_every_registered_seal_of_its_packages() -> None:
    """Opening breaks the package's seals whether or not each was reported."""
    event = body("opening", [Item(package=PPWP, seals=[1]), Item(package=DPR)])
    assert seal_changes(event, INFOS, {}) == SealChanges(broken=((1, PPWP), (2, PPWP), (3, DPR)))


def test_a_seal_listed_on_two_packages_of_a_sealed_return_closes_only_the_first() -> None:
    """One seal closes one package: listed again, it is a `seal_used` finding."""
    event = body("sealed_return", [Item(package=PPWP, seals=[7]), Item(package=DPR, seals=[7, 8])])
    new, again = return_seals(event, INFOS)
    assert new == {7: PPWP, 8: DPR}
    assert [(f.code, f.package, f.found) for f in again] == [("seal_used", DPR, "7")]
    assert seal_changes(event, INFOS, new) == SealChanges(applied=((7, PPWP), (8, DPR)))
