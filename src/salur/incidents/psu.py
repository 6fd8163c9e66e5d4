"""PSU reserve: how much of the right dapil's reserve is left for a TPS, and issuing it.

The norm holds a PSU reserve of each ballot type per district of its `psu_scope` (1,000 DPR
ballots per DPR RI dapil; PPWP per regency), stamped "PSU" and kept above TPS level in the
regency warehouse's stock: the needs engine computes it (its stored run in force is read) and
packing never touches it. Issuing takes the
ballots of the TPS's own dapil (the dapil of its kit's kotak of that type) out of that stock as
a new kotak of the TPS's kit: a stock document and movement, a kit package with its manifest,
and the PSU issue, with its log entry, in one transaction. The new package then travels
warehouse -> PPK -> PPS -> KPPS through custody like any other.

What is available is the smaller of the reserve not yet issued (across all regencies of the
dapil) and the stock on hand at the TPS's regency warehouse: a reserve held for a dapil that
spans regencies (DPR RI, DPD) is drawn from the warehouse of the TPS's own regency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.errors import NotFoundError, SalurError
from salur.geo.models import Village
from salur.incidents import repository as repo
from salur.incidents.entries import Actor, step_payload
from salur.incidents.models import PsuIssue
from salur.incidents.service import Context, check_actor, locked_log, record_step
from salur.incidents.types import IncidentTypes
from salur.incidents.workflow import Step
from salur.kits import repository as kits_repo
from salur.kits.ids import KOTAK, Draw, make_package_id, random_characters
from salur.kits.models import Kit
from salur.ledger import service as ledger
from salur.needs.formula import NATIONAL
from salur.norms.loader import LoadedNorm, load_norm
from salur.stock import repository as stock_repo
from salur.stock.demand import regency_needs
from salur.stock.models import StockDocument
from salur.stock.movements import BALLOT_ITEM, PACKED, StockKey
from salur.uow import UnitOfWork

DOCUMENT_KIND = "psu"
ACTION = "replace_from_psu"


@dataclass(frozen=True)
class PsuReserve:
    """The reserve a TPS may draw on for one ballot type."""

    tps: str
    regency: str
    ballot_type: str
    dapil: str
    """The dapil of the ballots (what the kit's kotak of this type carries)."""
    reserve_district: str
    """Where the reserve is counted (the norm's `psu_scope`: a dapil, or the regency)."""
    reserve: int
    issued: int
    on_hand: int
    kit_count: int
    """Ballots of this type in the TPS's own kit: the default quantity to issue."""

    @property
    def available(self) -> int:
        return max(0, min(self.reserve - self.issued, self.on_hand))

    @property
    def key(self) -> StockKey:
        return StockKey(BALLOT_ITEM, self.ballot_type, self.dapil)


@dataclass(frozen=True)
class PsuIssued:
    issue_id: int
    package_id: str
    quantity: int
    reserve: PsuReserve
    log_index: int
    incident_id: int | None


def psu_reserve(session: Session, tps: str, ballot_type: str) -> PsuReserve:
    """What is left of the reserve of ``tps``'s dapil for ``ballot_type``."""
    kit, village, regency = _kit(session, tps)
    loaded = load_norm(kit.norm_id)
    norm = loaded.norm
    spec = next((b for b in norm.ballot_types if b.code == ballot_type), None)
    if spec is None:
        allowed = ", ".join(b.code for b in norm.ballot_types)
        raise SalurError(
            "incident.psu.unknown_ballot_type", ballot_type=ballot_type, allowed=allowed
        )
    kotak = next(
        (p for p in repo.kit_packages(session, kit.id) if p.ballot_type == ballot_type), None
    )
    if kotak is None:
        raise SalurError("incident.psu.no_kotak", tps=tps, ballot_type=ballot_type)
    district = _district(spec.psu_scope, village, regency)
    key = StockKey(BALLOT_ITEM, ballot_type, kotak.dapil)
    levels = stock_repo.levels(session, regency).get(regency, {})
    on_hand = levels[key].on_hand if key in levels else 0
    return PsuReserve(
        tps=tps,
        regency=regency,
        ballot_type=ballot_type,
        dapil=kotak.dapil,
        reserve_district=district,
        reserve=_reserve_size(session, regency, loaded, ballot_type, district),
        issued=repo.psu_issued(session, ballot_type, district),
        on_hand=on_hand,
        kit_count=kotak.count,
    )


def issue_psu(
    uow: UnitOfWork,
    tps: str,
    ballot_type: str,
    actor: Actor,
    *,
    quantity: int | None = None,
    incident_id: int | None = None,
    at: dt.datetime | None = None,
    draw: Draw = random_characters,
    rules: CustodyRules | None = None,
    types: IncidentTypes | None = None,
    now: dt.datetime | None = None,
) -> PsuIssued:
    """Issue PSU reserve ballots of ``tps``'s dapil as a new kotak of its kit; commits.

    With ``incident_id`` the issue is that incident's action (``replace_from_psu``); its log
    entry is the action's. ``quantity`` defaults to the ballots of the kit's own kotak.
    """
    ctx = Context.of(rules, types, now)
    check_actor(actor, ctx)
    s = uow.session
    at = at or ctx.now
    log = locked_log(s, ctx, tps)
    reserve = psu_reserve(s, tps, ballot_type)
    wanted = reserve.kit_count if quantity is None else quantity
    if wanted <= 0:
        raise SalurError("incident.psu.bad_quantity", quantity=wanted)
    if wanted > reserve.available:
        raise SalurError(
            "incident.psu.not_enough",
            tps=tps,
            ballot_type=ballot_type,
            dapil=reserve.dapil,
            wanted=wanted,
            available=reserve.available,
            reserve=reserve.reserve - reserve.issued,
            on_hand=reserve.on_hand,
        )
    incident = None
    if incident_id is not None:
        incident = repo.incident(s, incident_id, lock=True)
        if incident is None:
            raise NotFoundError("incident.unknown", incident=incident_id)
    kit, _, _ = _kit(s, tps)
    document = _stock_document(s, reserve, wanted, at, ctx.now)
    package_id = _package(s, kit, reserve, wanted, draw)
    refs = {
        "psu": {
            "package": package_id,
            "ballot_type": ballot_type,
            "dapil": reserve.dapil,
            "reserve_district": reserve.reserve_district,
            "quantity": wanted,
        }
    }
    if incident is not None:
        transition = record_step(s, log, ctx, incident, Step.ACT, actor, ACTION, at, refs)
        index = transition.log_index
    else:
        payload = step_payload(
            election=ctx.rules.election.election,
            incident=None,
            step="psu_issue",
            kind="psu",
            region=tps,
            frm=None,
            to=None,
            at=at,
            actor=actor,
            tps=tps,
            package=package_id,
            refs=refs,
        )
        index, _ = ledger.append_entry(s, log, payload, now=ctx.now)
    issue = PsuIssue(
        incident_id=incident_id,
        tps_code=tps,
        ballot_type=ballot_type,
        dapil=reserve.dapil,
        reserve_district=reserve.reserve_district,
        quantity=wanted,
        package_id=package_id,
        stock_document_id=document.id,
        log_id=log.id,
        log_index=index,
        issued_at=at,
    )
    repo.add(s, issue)
    uow.commit()
    return PsuIssued(issue.id, package_id, wanted, reserve, index, incident_id)


def _kit(session: Session, tps: str) -> tuple[Kit, Village, str]:
    found = repo.tps_with_village(session, tps)
    if found is None:
        raise NotFoundError("incident.psu.unknown_tps", tps=tps)
    row, village = found
    kit = repo.kit_of(session, row.id)
    if kit is None:
        raise SalurError("incident.psu.no_kit", tps=tps)
    return kit, village, village.district_code[:5]


def _reserve_size(
    session: Session, regency: str, norm: LoadedNorm, ballot_type: str, district: str
) -> int:
    """The reserve the needs engine holds for ``district`` (its stored run in force, else the
    needs computed now); the norm's figure for a reserve held above the regency."""
    for reserve in regency_needs(session, regency, norm).psu:
        if (reserve.ballot_type, reserve.district) == (ballot_type, district):
            return reserve.quantity
    return norm.norm.ballots.psu_reserve


def _district(scope: str, village: Village, regency: str) -> str:
    """The TPS's district at the level where the reserve is counted."""
    return {
        "national": NATIONAL,
        "province": regency[:2],
        "regency": regency,
        "dpr_ri": village.dapil_dpr_ri or "",
        "dprd_prov": village.dapil_dprd_prov or "",
        "dprd_kab": village.dapil_dprd_kab or "",
    }[scope]


def _stock_document(
    s: Session, reserve: PsuReserve, quantity: int, at: dt.datetime, now: dt.datetime
) -> StockDocument:
    count = len(repo.psu_issues(s, reserve.tps)) + 1
    number = f"PSU-{reserve.tps}-{reserve.ballot_type}-{count}"
    content = [[BALLOT_ITEM, reserve.ballot_type, reserve.dapil, quantity]]
    document = StockDocument(
        regency_code=reserve.regency,
        kind=DOCUMENT_KIND,
        supplier="",
        number=number,
        doc_date=at.date(),
        content_sha256=hashlib.sha256(json.dumps(content).encode()).hexdigest(),
        recorded_at=now,
    )
    stock_repo.add_document(s, document, [(reserve.key, PACKED, quantity)])
    return document


def _package(s: Session, kit: Kit, reserve: PsuReserve, quantity: int, draw: Draw) -> str:
    existing = repo.kit_packages(s, kit.id)
    taken = {p.id for p in existing}
    package_id = make_package_id(KOTAK, reserve.tps, reserve.ballot_type, draw)
    while package_id in taken:
        package_id = make_package_id(KOTAK, reserve.tps, reserve.ballot_type, draw)
    kits_repo.add_packages(
        s,
        [
            {
                "id": package_id,
                "kit_id": kit.id,
                "seq": max((p.seq for p in existing), default=0) + 1,
                "kind": KOTAK,
                "ballot_type": reserve.ballot_type,
                "dapil": reserve.dapil,
                "count": quantity,
            }
        ],
        [
            {
                "package_id": package_id,
                "item": BALLOT_ITEM,
                "ballot_type": reserve.ballot_type,
                "dapil": reserve.dapil,
                "quantity": quantity,
            }
        ],
    )
    return package_id
