"""The distribution days, H-21 to H+2, as the field lives them: kits handed over where and when
the plan in force says (later when it rains), disruptions re-planned the morning they strike,
the injected custody cases caught where they were caught in 2024, voting day with opening and
counting, and the sealed kotak carried back. Phones queue signed events and upload them to the
real service; what the service answers decides what happens next.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from salur.custody.packages import KitsPackageSource
from salur.incidents.entries import Actor
from salur.incidents.service import acknowledge, resolve
from salur.season.client import Api, Phone
from salur.season.facts import LOCAL
from salur.season.field import Field, Kit
from salur.season.office import Office
from salur.season.scenario import Case, Scenario
from salur.season.timeline import Handover, due, planned_handovers
from salur.uow import UnitOfWork


@dataclass
class Cases:
    """Where the seed put each custody case: the TPS it strikes."""

    wrong_dapil: str | None = None
    broken_seal: str | None = None
    short_count: str | None = None
    mismatch: str | None = None
    short_by: int = 83

    @classmethod
    def place(cls, cases: Sequence[Case], kits: Mapping[str, Kit], rng: random.Random) -> Cases:
        """Distinct TPS for the cases, drawn from kits whose kotak carry a DPRD Kab dapil."""
        eligible = sorted(
            tps
            for tps, kit in kits.items()
            if any(p.ballot_type == "dprd_kab" and p.dapil for p in kit.packages)
        )
        chosen = rng.sample(eligible, k=min(len(cases), len(eligible)))
        out = cls()
        for case, tps in zip(cases, chosen, strict=False):
            match case.kind:
                case "wrong_dapil":
                    out.wrong_dapil = tps
                case "broken_seal":
                    out.broken_seal = tps
                case "short_count":
                    out.short_count, out.short_by = tps, case.short
                case "reconciliation_mismatch":
                    out.mismatch = tps
        return out


@dataclass
class Outcome:
    """What the field saw the service answer (the report reads the database, not this)."""

    accepted: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    late: int = 0
    receipts: dict[int, str] = field(default_factory=dict)  # event id -> receipt text
    handover_ids: list[int] = field(default_factory=list)
    done: set[tuple[str, str]] = field(default_factory=set)  # (hop, TPS) handed over
    days: int = 0


@dataclass
class FieldDay:
    """One day's work queued on the phones, with what each queued event was."""

    phones: dict[str, Phone]
    meaning: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # key -> hop, TPS

    def queue(
        self, device: str, submission: Mapping[str, Any], hop: str, tps: Iterable[str]
    ) -> None:
        key = self.phones[device].queue(submission)
        self.meaning[key] = (hop, tuple(tps))


class Season:
    """Drives the field through the days against the service."""

    def __init__(
        self,
        *,
        engine: Engine,
        api: Api,
        field_: Field,
        phones: dict[str, Phone],
        kits: dict[str, Kit],
        scenario: Scenario,
        cases: Cases,
        rng: random.Random,
        voting_day: dt.date,
        on_day_end: Callable[[dt.date], None],
        office: Office,
    ) -> None:
        self.engine = engine
        self.api = api
        self.field = field_
        self.phones = phones
        self.kits = kits
        self.scenario = scenario
        self.cases = cases
        self.rng = rng
        self.voting_day = voting_day
        self.on_day_end = on_day_end
        self.office = office
        self.outcome = Outcome()
        self.held: set[str] = set()  # packages held back at a PPK (wrong dapil) until swapped
        self._delays: dict[tuple[int, str, str, str], dt.timedelta] = {}  # rain, per stop
        self._torn: tuple[str, int] = ("", 0)  # the kotak whose seal was found torn, and the seal

    # --- outbound -------------------------------------------------------------------------

    def outbound(self, plan_id: int, day: dt.date) -> list[Handover]:
        """Handovers still to do from the plan in force, due by the end of `day` (local), rain
        delays added. A stop's delay is drawn once: one that rain pushed past midnight is
        handed over the next day, never lost between two days."""
        with Session(self.engine) as s:
            planned = planned_handovers(s, plan_id)
        todo = []
        for h in planned:
            tps = tuple(t for t in h.tps if (h.hop, t) not in self.outcome.done and t in self.kits)
            if not tps:
                continue
            key = (plan_id, h.route_id, h.site, h.hop)
            if key not in self._delays:
                self._delays[key] = self._rain()
            todo.append((replace(h, tps=tps), self._delays[key]))
        return due(todo, day, LOCAL)

    def _rain(self) -> dt.timedelta:
        odds = self.scenario.field
        if self.rng.random() >= odds.rain_delay_share:
            return dt.timedelta(0)
        low, high = odds.rain_delay_hours
        return dt.timedelta(hours=self.rng.uniform(low, high))

    def hand_over(self, handovers: Sequence[Handover]) -> None:
        """Queue and upload one day's outbound handovers; handle what the service refuses."""
        day = FieldDay(self.phones)
        for h in handovers:
            kits = [self.kits[t] for t in h.tps]
            items = self.field.items(kits)
            items = [i for i in items if i["package"] not in self.held]
            if h.hop == "ppk_pps" and self.cases.wrong_dapil in h.tps:
                items = self._wrong_dapil(items, self.kits[self.cases.wrong_dapil])
            if h.hop == "pps_kpps" and self.cases.broken_seal in h.tps:
                items = self._broken_seal(items, self.kits[self.cases.broken_seal])
            submission = self.field.handover(h.hop, kits, h.at, items=items)
            uploader = _uploader(h.hop, submission)
            day.queue(uploader, submission, h.hop, h.tps)
        refused = self._upload(day)
        wrong = [
            (hop, tps)
            for result, (hop, tps) in refused
            if result.get("code") == "tepat_refused" and self.cases.wrong_dapil in tps
        ]
        if handovers:
            self._office_work(max(h.at for h in handovers), wrong, handovers)

    def _office_work(
        self,
        at: dt.datetime,
        wrong: list[tuple[str, tuple[str, ...]]],
        handovers: Sequence[Handover],
    ) -> None:
        """The offices open and work the day's incidents; a wrong-dapil kotak is replaced
        from the PSU reserve and the kits handed over again."""
        views = self.office.open_new(at)
        swaps = [v for v in views if v.kind == "wrong_dapil" and v.tps == self.cases.wrong_dapil]
        self.office.work([v for v in views if v not in swaps], at)
        for view in swaps:
            for hop, tps in wrong:
                self._replace_and_resend(view.id, hop, tps, handovers)

    def _wrong_dapil(self, items: list[dict[str, Any]], kit: Kit) -> list[dict[str, Any]]:
        """The PPS opens the sampul of the DPRD Kab kotak: ballots of a neighbouring dapil."""
        out = []
        for item in items:
            mine = next((p for p in kit.packages if p.package_id == item["package"]), None)
            if mine is not None and mine.ballot_type == "dprd_kab":
                item = item | {"dapil": _other_dapil(mine.dapil)}
            out.append(item)
        return out

    def _broken_seal(self, items: list[dict[str, Any]], kit: Kit) -> list[dict[str, Any]]:
        """The KPPS find one seal of the first kotak torn."""
        first = next(p for p in kit.packages if p.kind == "kotak" and p.seals)
        torn = sorted(first.seals)[0]
        self._torn = (first.package_id, torn)
        out = []
        for item in items:
            if item["package"] == first.package_id:
                item = item | {
                    "seals": [n for n in item["seals"] if n != torn],
                    "broken_seals": [torn],
                }
            out.append(item)
        return out

    def _replace_and_resend(
        self, incident: int, hop: str, tps: tuple[str, ...], handovers: Sequence[Handover]
    ) -> None:
        """The regency office takes the PSU reserve of the TPS's own dapil out of stock as a
        new DPRD Kab kotak, sends it to the PPK, and the PPK hands the kits over again without
        the wrong sampul (held at the PPK, never opened)."""
        original = next(h for h in handovers if h.hop == hop and set(h.tps) == set(tps))
        tps_code = self.cases.wrong_dapil
        assert tps_code is not None
        kit = self.kits[tps_code]
        wrong = next(p for p in kit.packages if p.ballot_type == "dprd_kab")
        who = Actor("kpu_kab", kit.regency)
        with UnitOfWork(self.engine) as uow:
            acknowledge(uow, incident, who, at=original.at, now=original.at)
        issued_at = original.at + dt.timedelta(hours=1)
        package = self.office.replace_from_psu(tps_code, "dprd_kab", incident, issued_at)
        with Session(self.engine) as s:
            psu = KitsPackageSource().packages(s, [package])[package]
        seals = dict(kit.return_seals)
        seals[package] = seals.pop(wrong.package_id, 0)
        packages = tuple(p for p in kit.packages if p.package_id != wrong.package_id)
        self.kits[tps_code] = replace(kit, packages=(*packages, psu), return_seals=seals)
        self.held.add(wrong.package_id)
        day = FieldDay(self.phones)
        psu_kit = replace(kit, packages=(psu,), return_seals={})
        sent = self.field.handover("warehouse_ppk", [psu_kit], original.at + dt.timedelta(hours=2))
        day.queue(_uploader("warehouse_ppk", sent), sent, "psu", (tps_code,))
        again = original.at + dt.timedelta(hours=3)
        kits = [self.kits[t] for t in tps]
        submission = self.field.handover(hop, kits, again)
        day.queue(_uploader(hop, submission), submission, hop, tps)
        self._upload(day)
        with UnitOfWork(self.engine) as uow:
            resolve(uow, incident, who, "replaced", at=again, now=again)

    # --- voting day and return --------------------------------------------------------------

    def voting_day_events(self) -> None:
        """Opening at 07:00 and the sealed return after counting, per TPS (PPS phones upload)."""
        day = FieldDay(self.phones)
        opening = dt.datetime.combine(self.voting_day, dt.time(7, 0), LOCAL)
        counted = dt.datetime.combine(self.voting_day, dt.time(21, 0), LOCAL)
        for tps, kit in sorted(self.kits.items()):
            if ("pps_kpps", tps) not in self.outcome.done:
                continue  # never reached its TPS: its incident says why
            pps = self.field.officer("pps", kit.village).device
            items = []
            for p in kit.packages:
                item: dict[str, Any] = {"package": p.package_id, "seals": sorted(p.seals)}
                if tps == self.cases.broken_seal and p.package_id == self._torn[0]:
                    # the torn seal is on record since the handover: not listed again
                    item |= {"seals": [n for n in sorted(p.seals) if n != self._torn[1]]}
                if p.kind == "kotak":
                    short = tps == self.cases.short_count and p.ballot_type == "dpr"
                    count = p.count - self.cases.short_by if short else p.count
                    item |= {"ballot_type": p.ballot_type, "dapil": p.dapil, "count": count}
                items.append(item)
            day.queue(pps, self.field.at_tps("opening", kit, opening, items), "opening", (tps,))
            day.queue(
                pps,
                self.field.at_tps("sealed_return", kit, counted, self._tallies(kit)),
                "sealed_return",
                (tps,),
            )
        self._upload(day)
        self._office_work(counted, [], [])

    def _tallies(self, kit: Kit) -> list[dict[str, Any]]:
        """Each kotak's count after voting: turnout about 80% of the DPT (2024: 81.8%)."""
        turnout = self.rng.uniform(0.74, 0.88)
        items = []
        for p in kit.packages:
            item: dict[str, Any] = {"package": p.package_id}
            seal = kit.return_seals.get(p.package_id)
            if p.kind == "kotak":
                issued = p.count
                if kit.tps == self.cases.short_count and p.ballot_type == "dpr":
                    issued -= self.cases.short_by
                voters = int(issued / 1.02 * turnout)
                damaged = self.rng.randint(0, 2)
                mismatch = kit.tps == self.cases.mismatch and p.ballot_type == "dpr"
                used = voters + (3 if mismatch else 0)  # three more ballots used than voters
                unused = max(0, issued - used - damaged)
                item["tally"] = {
                    "used": used,
                    "unused": unused,
                    "damaged": damaged,
                    "voters": voters,
                }
            item["seals"] = [seal] if seal else []
            items.append(item)
        return items

    def returns(self) -> None:
        """KPPS -> PPS the same night, PPS -> PPK on H+1, PPK -> warehouse on H+2."""
        back = [tps for tps in sorted(self.kits) if ("sealed_return", tps) in self.outcome.done]
        night = dt.datetime.combine(self.voting_day, dt.time(23, 0), LOCAL)
        day = FieldDay(self.phones)
        for tps in back:
            kit = self.kits[tps]
            submission = self.field.handover("kpps_pps", [kit], night)
            day.queue(_uploader("kpps_pps", submission), submission, "kpps_pps", (tps,))
        self._upload(day)
        self.on_day_end(self.voting_day)
        for hop, level, days in (("pps_ppk", "village", 1), ("ppk_warehouse", "district", 2)):
            at = dt.datetime.combine(
                self.voting_day + dt.timedelta(days=days), dt.time(10, 0), LOCAL
            )
            groups: dict[str, list[str]] = defaultdict(list)
            previous = "kpps_pps" if hop == "pps_ppk" else "pps_ppk"
            for tps in back:
                if (previous, tps) in self.outcome.done:
                    kit = self.kits[tps]
                    groups[kit.village if level == "village" else kit.district].append(tps)
            day = FieldDay(self.phones)
            for _, members in sorted(groups.items()):
                kits = [self.kits[t] for t in members]
                submission = self.field.handover(hop, kits, at)
                day.queue(_uploader(hop, submission), submission, hop, members)
            self._upload(day)
            self._office_work(at, [], [])
            self.on_day_end(at.date())

    # --- upload -----------------------------------------------------------------------------

    def _upload(self, day: FieldDay) -> list[tuple[dict[str, Any], tuple[str, tuple[str, ...]]]]:
        """Every phone with work uploads it; returns the refusals with what they were."""
        refused = []
        for device in sorted(self.phones):
            phone = self.phones[device]
            if not phone.outbox:
                continue
            for result in phone.upload(self.api):
                meaning = day.meaning.get(result["idempotency_key"])
                if meaning is None:
                    continue
                hop, tps = meaning
                if result["status"] == "accepted":
                    self.outcome.accepted += 1
                    self.outcome.late += bool(result.get("late"))
                    self.outcome.done.update((hop, t) for t in tps)
                    if result.get("receipt"):
                        self.outcome.receipts[int(result["event_id"])] = result["receipt"]
                    if hop not in ("opening", "sealed_return"):
                        self.outcome.handover_ids.append(int(result["event_id"]))
                else:
                    self.outcome.refused.append(result | {"hop": hop, "tps": list(tps)})
                    refused.append((result, meaning))
        return refused


def _uploader(hop: str, submission: Mapping[str, Any]) -> str:
    """Whose phone uploads: the receiver's, except PPS -> KPPS, which the PPS syncs for its
    TPS (a KPPS has no signal; the PPS office has)."""
    body = submission["event"]
    party = body["giver"] if hop == "pps_kpps" else body["receiver"]
    return str(party["device"])


def _other_dapil(dapil: str) -> str:
    """A neighbouring dapil code of the same level (the next number, or the one before)."""
    head, number = dapil[:-2], int(dapil[-2:])
    return f"{head}{number + 1:02d}" if number < 99 else f"{head}{number - 1:02d}"
