"""The simulated field: officers with phones that sign custody events.

Each officer (a role in a region) has a pseudonym and a device whose Ed25519 key is derived from
the season's seed, so a run is reproducible and keys never leave this process. Events are built
exactly as a phone would send them (`custody.events` bodies, signed per `custody.signing`), then
travel through the real sync API. The field knows the kits as the warehouse packed them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salur.custody.config import CustodyRules
from salur.custody.events import body_dict, canonical, format_time, parse_submission
from salur.custody.signing import REQUIRED_SIGNERS, pseudonym, signed_message
from salur.custody.tepat import PackageInfo
from salur.ledger.keys import Ed25519Signer

# Who holds kits at each level, and the region a role's officer answers for.
HOLDER = {"warehouse": "kpu_kab", "ppk": "ppk", "pps": "pps", "kpps": "kpps"}
LEVEL_OF_ROLE = {
    "kpu_kab": "regency",
    "bawaslu_kab": "regency",
    "polisi": "regency",
    "ppk": "district",
    "panwascam": "district",
    "pps": "village",
    "pkd": "village",
    "kpps": "tps",
    "ptps": "tps",
    "linmas": "tps",
}
# Witnesses who sign with a phone; the others are named on the BAST and sign on paper.
SIGNING_WITNESSES = frozenset({"bawaslu_kab", "panwascam", "pkd", "polisi"})


@dataclass(frozen=True)
class Officer:
    role: str
    region: str
    person: str
    signer: Ed25519Signer

    @property
    def device(self) -> str:
        return self.signer.name

    def party(self, *, device: bool = True) -> dict[str, Any]:
        out = {"role": self.role, "region": self.region, "person": self.person}
        return out | {"device": self.device} if device else out


@dataclass(frozen=True)
class Kit:
    """One TPS kit as packed: its packages and where it goes."""

    tps: str
    packages: tuple[PackageInfo, ...]
    return_seals: Mapping[str, int] = field(default_factory=dict)  # kotak -> seal for the return

    @property
    def village(self) -> str:
        return self.packages[0].village_code

    @property
    def district(self) -> str:
        return self.packages[0].district_code

    @property
    def regency(self) -> str:
        return self.packages[0].regency_code

    def region(self, level: str) -> str:
        return {
            "warehouse": self.regency,
            "ppk": self.district,
            "pps": self.village,
            "kpps": self.tps,
        }[level]


class Field:
    """Officers and their devices for a season; builds signed submissions."""

    def __init__(self, seed: int, rules: CustodyRules) -> None:
        self.seed = seed
        self.rules = rules
        self.secret = hashlib.sha256(b"salur-season-office-secret:%d" % seed).digest()
        self._officers: dict[tuple[str, str], Officer] = {}

    def officer(self, role: str, region: str) -> Officer:
        """The officer of `role` for `region` (created on first use, deterministically)."""
        key = (role, region)
        found = self._officers.get(key)
        if found is None:
            name = f"hp-{role.replace('_', '')}-{region.replace('.', '')}"
            seed = hashlib.sha256(b"%d:" % self.seed + name.encode()).digest()
            person = pseudonym(self.secret, f"{role}:{region}")
            found = Officer(role, region, person, Ed25519Signer.from_seed(name, seed))
            self._officers[key] = found
        return found

    def officers(self) -> list[Officer]:
        return list(self._officers.values())

    def enlist(self, kits: Iterable[Kit]) -> None:
        """Every officer the kits' events name: the holders of each level and the supervisors
        and police who witness them (so all can be onboarded before the first event)."""
        for kit in kits:
            for role, region in (
                ("kpu_kab", kit.regency),
                ("bawaslu_kab", kit.regency),
                ("polisi", kit.regency),
                ("ppk", kit.district),
                ("panwascam", kit.district),
                ("pps", kit.village),
                ("pkd", kit.village),
                ("kpps", kit.tps),
            ):
                self.officer(role, region)

    # --- events ---------------------------------------------------------------------------

    def handover(
        self,
        hop: str,
        kits: Sequence[Kit],
        at: dt.datetime,
        *,
        items: list[dict[str, Any]] | None = None,
        gps: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """A BAST of `kits` from the hop's giver to its receiver, witnessed as the hop requires."""
        giver_level, receiver_level = hop.split("_")
        first = kits[0]
        giver = self.officer(HOLDER[giver_level], first.region(giver_level))
        receiver = self.officer(HOLDER[receiver_level], first.region(receiver_level))
        place = first.region(receiver_level if hop in OUTBOUND else giver_level)
        body: dict[str, Any] = {
            "v": 1,
            "type": "handover",
            "election": self.rules.election.election,
            "at": format_time(at),
            "hop": hop,
            "giver": giver.party(),
            "receiver": receiver.party(),
            "witnesses": self._witnesses(hop, first, place),
            "items": items if items is not None else self.items(kits, outbound=hop in OUTBOUND),
        }
        if gps is not None:
            body["gps"] = {"lat": round(gps[0], 5), "lon": round(gps[1], 5), "accuracy_m": 10.0}
        return self.signed(body)

    def at_tps(
        self, kind: str, kit: Kit, at: dt.datetime, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """An event of the KPPS at its TPS (opening, sealed_return), the PTPS watching."""
        body = {
            "v": 1,
            "type": kind,
            "election": self.rules.election.election,
            "at": format_time(at),
            "by": self.officer("kpps", kit.tps).party(),
            "witnesses": [self.officer("ptps", kit.tps).party(device=False)],
            "items": items,
        }
        return self.signed(body)

    def items(self, kits: Iterable[Kit], *, outbound: bool = True) -> list[dict[str, Any]]:
        """Every package as seen intact: the kotak's ballot type and dapil read off the sampul;
        on the way back, under the seals applied after counting."""
        out = []
        for kit in kits:
            for p in kit.packages:
                if not outbound:
                    seal = kit.return_seals.get(p.package_id)
                    out.append({"package": p.package_id, "seals": [seal] if seal else []})
                    continue
                item: dict[str, Any] = {"package": p.package_id, "seals": sorted(p.seals)}
                if p.kind == "kotak":
                    item |= {"ballot_type": p.ballot_type, "dapil": p.dapil}
                out.append(item)
        return out

    def signed(self, body: dict[str, Any]) -> dict[str, Any]:
        """The submission: the body with a signature by every required party and every
        witness who carries a device."""
        data = canonical(body_dict(parse_submission({"event": body}).event))  # once per event
        signed_at = body["at"]
        signatures = []
        signers = [(party, body[party]) for party in REQUIRED_SIGNERS[body["type"]]]
        signers += [("witness", w) for w in body.get("witnesses", []) if "device" in w]
        for party, who in signers:
            officer = self._officers[(who["role"], who["region"])]
            message = signed_message(data, party=party, device=officer.device, signed_at=signed_at)
            signatures.append(
                {
                    "party": party,
                    "device": officer.device,
                    "signed_at": signed_at,
                    "sig": base64.b64encode(officer.signer.sign(message)).decode("ascii"),
                }
            )
        return {"event": body, "signatures": signatures}

    def _witnesses(self, hop: str, kit: Kit, place: str) -> list[dict[str, Any]]:
        """One witness of each group the hop requires: the first role of the group that
        answers for the place (a Panwascam at a kecamatan, a PKD at a desa, ...)."""
        out = []
        for group in self.rules.hops[hop].witnesses:
            role = _first_fitting(group, place)
            region = _region_for(role, kit)
            out.append(self.officer(role, region).party(device=role in SIGNING_WITNESSES))
        return out


OUTBOUND = ("warehouse_ppk", "ppk_pps", "pps_kpps")


def _first_fitting(group: Sequence[str], place: str) -> str:
    """Prefer the supervisor closest to the place: PKD at a desa or TPS, Panwascam at a
    kecamatan, Bawaslu at the regency."""
    depth = {5: "regency", 8: "district", 13: "village"}.get(len(place), "village")
    for role in group:
        if LEVEL_OF_ROLE.get(role) == depth:
            return role
    return group[0]


def _region_for(role: str, kit: Kit) -> str:
    level = LEVEL_OF_ROLE.get(role, "regency")
    return {
        "regency": kit.regency,
        "district": kit.district,
        "village": kit.village,
        "tps": kit.tps,
    }[level]
