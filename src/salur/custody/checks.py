"""Every check of one custody event against the rules and its packages, as pure functions:
where its parties stand, which province it belongs to, its tepat findings and lateness, the
reconciliation of a sealed return, the custody move it asks for and what it does to seals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from salur.custody.config import CustodyRules
from salur.custody.events import (
    EventInvalidError,
    HandoverBody,
    Item,
    PackageBody,
    ReceiptBody,
    ReportedIncidentBody,
)
from salur.custody.packages import SealChanges
from salur.custody.reconcile import Tally, reconcile
from salur.custody.states import (
    HOPS,
    CheckSeals,
    Dispatch,
    HandOver,
    Level,
    Move,
    Open,
    Place,
    Receive,
    SealForReturn,
)
from salur.custody.tepat import (
    SEAL_USED,
    Finding,
    Observation,
    PackageInfo,
    check_contents,
    check_target,
    check_witnesses,
    is_late,
)

CONTENT_CHECKED = ("dispatch", "handover", "receipt", "seal_check", "opening")
SEALS_CHECKED = ("dispatch", "handover", "receipt", "seal_check")
_REGION_LEVEL = {2: Level.WAREHOUSE, 3: Level.PPK, 4: Level.PPS}
Body = PackageBody | ReportedIncidentBody


@dataclass
class Assessment:
    """What the checks found: refusals, discrepancies, reconciliation mismatches, lateness."""

    refusals: list[Finding] = field(default_factory=list)
    discrepancies: list[Finding] = field(default_factory=list)
    mismatches: list[Finding] = field(default_factory=list)
    late: bool | None = None
    deadline: dt.datetime | None = None


def province(body: Body, infos: Mapping[str, PackageInfo]) -> str:
    """The one province whose log the event belongs to."""
    provinces = {info.province_code for info in infos.values()}
    if not provinces and isinstance(body, ReportedIncidentBody):  # a report on no package
        provinces = {body.reporter.region.replace(".", "")[:2]}
    if len(provinces) > 1:
        raise EventInvalidError("custody.mixed_provinces", provinces=", ".join(sorted(provinces)))
    return provinces.pop()


def party_places(body: Body, rules: CustodyRules) -> dict[str, Place]:
    """The holder places of the event's parties, checked against roles, regions and hop."""
    for party in body.witnesses:
        known_role(party.role, rules)
    if isinstance(body, ReportedIncidentBody):
        known_role(body.reporter.role, rules)
        if body.category not in rules.election.incident_categories:
            raise EventInvalidError("custody.unknown_category", category=body.category)
        return {}
    found = {
        name: place(who.role, who.region, rules)
        for name in ("giver", "receiver", "by", "to")
        if (who := getattr(body, name, None)) is not None
    }
    hop_id = getattr(body, "hop", None)
    if hop_id is not None:
        hop = HOPS[hop_id]
        giver, receiver = found.get("giver"), found.get("receiver") or found.get("to")
        if (giver is not None and giver.level != hop.giver) or (
            receiver is not None and receiver.level != hop.receiver
        ):
            raise EventInvalidError("custody.hop_mismatch", hop=hop_id)
    return found


def known_role(role: str, rules: CustodyRules) -> None:
    if role not in rules.election.roles:
        raise EventInvalidError("custody.unknown_role", role=role)


def place(role: str, region: str, rules: CustodyRules) -> Place:
    known_role(role, rules)
    level = rules.level_of(role)
    if level is None:
        raise EventInvalidError("custody.not_a_holder", role=role)
    region_level = Level.KPPS if "." not in region else _REGION_LEVEL.get(region.count(".") + 1)
    if region_level is not level:
        raise EventInvalidError("custody.region_level", region=region, level=level.value)
    return Place(level, region)


def assess(
    body: Body,
    infos: Mapping[str, PackageInfo],
    places: Mapping[str, Place],
    rules: CustodyRules,
    *,
    seals: Mapping[str, Collection[int]],
    issued: Mapping[str, int],
) -> Assessment:
    """Tepat findings of an event, split into refusals and discrepancies, and its lateness.

    `seals` overrides the registry's seals of packages sealed again at their TPS; `issued` is
    the count last found at the TPS of each package (for the reconciliation).
    """
    result = Assessment()
    if isinstance(body, ReportedIncidentBody):
        return result
    target = places.get("receiver") or places.get("to")
    found: list[Finding] = []
    for item in body.items:
        info = infos[item.package]
        if target is not None and (wrong := check_target(info, target)) is not None:
            found.append(wrong)
        if body.type in CONTENT_CHECKED:
            found += check_contents(info, _observation(item), seals.get(info.package_id))
    if isinstance(body, HandoverBody | ReceiptBody):
        hop = HOPS[body.hop]
        rule = rules.hops[hop.id]
        missing = check_witnesses(rule.witnesses, [w.role for w in body.witnesses])
        (result.refusals if rule.missing_witness == "refuse" else found).extend(missing)
        result.deadline = rules.deadline(hop)
        result.late = is_late(body.time, result.deadline)
    result.refusals += [f for f in found if f.refuses]
    result.discrepancies = [f for f in found if not f.refuses]
    if body.type == "sealed_return":
        result.mismatches = reconcile(tallies(body.items, infos, issued))
    return result


def _observation(item: Item) -> Observation:
    return Observation(
        item.package,
        item.ballot_type,
        item.dapil,
        item.count,
        tuple(item.seals),
        tuple(item.broken_seals),
    )


def tallies(
    items: Sequence[Item], infos: Mapping[str, PackageInfo], issued: Mapping[str, int]
) -> list[Tally]:
    """The tally of every kotak sealed for return (a kotak without one is refused)."""
    out = []
    for item in items:
        info = infos[item.package]
        if item.tally is None:
            if info.kind == "kotak":
                raise EventInvalidError("custody.tally_required", package=item.package)
            continue
        out.append(
            Tally(
                info.tps_code,
                info.ballot_type,
                issued.get(item.package, info.count),
                item.tally.used,
                item.tally.unused,
                item.tally.damaged,
                item.tally.voters,
                item.package,
            )
        )
    return out


def move(body: Body, places: Mapping[str, Place], rules: CustodyRules) -> Move | None:
    """The custody move an event asks of each of its packages (an incident asks none)."""
    match body.type:
        case "dispatch":
            return Dispatch(places["giver"], places["to"])
        case "handover":
            return HandOver(places["giver"], places["receiver"])
        case "receipt":
            return Receive(places["receiver"])
        case "seal_check":
            return CheckSeals(places["by"])
        case "opening":
            return Open(places["by"], rules.voting_day_reached(body.time))
        case "sealed_return":
            return SealForReturn(places["by"])
    return None


def seal_changes(
    body: Body, infos: Mapping[str, PackageInfo], new_seals: Mapping[int, str]
) -> SealChanges:
    """The registry's seals an event checks (seen intact and registered on the package), breaks
    (seen broken on a check, or all of a package's seals when it is opened) or applies
    (`new_seals`, seal -> package, the usable seals of a sealed return)."""
    if isinstance(body, ReportedIncidentBody):
        return SealChanges()
    if body.type in SEALS_CHECKED:
        seen = [(n, i.package) for i in body.items for n in sorted(set(i.seals))]
        torn = [(n, i.package) for i in body.items for n in sorted(set(i.broken_seals))]
        return SealChanges(
            checked=tuple((n, p) for n, p in seen if n in infos[p].seals),
            broken=tuple((n, p) for n, p in torn if n in infos[p].seals),
        )
    if body.type == "opening":
        broken = [(n, i.package) for i in body.items for n in sorted(infos[i.package].seals)]
        return SealChanges(broken=tuple(broken))
    if body.type == "sealed_return":
        return SealChanges(applied=tuple(sorted(new_seals.items())))
    return SealChanges()


def return_seals(
    body: Body, infos: Mapping[str, PackageInfo]
) -> tuple[dict[int, str], list[Finding]]:
    """The seals a sealed return puts on its packages (seal -> package), and a finding for each
    number listed again after its first package (one seal closes one package)."""
    if body.type != "sealed_return" or isinstance(body, ReportedIncidentBody):
        return {}, []
    first: dict[int, str] = {}
    again = []
    for item in body.items:
        info = infos[item.package]
        for number in item.seals:
            if number in first:
                again.append(seal_finding(SEAL_USED, info, number))
            else:
                first[number] = item.package
    return first, again


def seal_finding(code: str, info: PackageInfo, number: int) -> Finding:
    """A finding on a seal seen on a package."""
    return Finding(
        code, info.package_id, info.tps_code, info.ballot_type or None, None, str(number)
    )
