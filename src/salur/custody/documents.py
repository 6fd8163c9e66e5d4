"""The paper record of a handover: gather its BAST from the log entry (what was signed), the
incidents it caused, the package manifests, region names and the receipt, then render it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody import repository as repo
from salur.custody.bast import BastRecord, ItemLine, PartyLine, SignatureLine, render_bast
from salur.custody.config import CustodyRules, load_rules
from salur.custody.events import parse_entry, parse_time
from salur.custody.incidents import describe
from salur.custody.models import CustodyFinding
from salur.custody.packages import KitsPackageSource, PackageSource
from salur.custody.receipts import event, event_log
from salur.custody.tepat import Finding, PackageInfo
from salur.errors import NotFoundError, SalurError
from salur.geo.models import Tps
from salur.geo.repository import region_name
from salur.i18n import t
from salur.ledger import service as ledger
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.merkle import hash_leaf
from salur.ledger.models import LedgerLog
from salur.ledger.note import parse_note
from salur.ledger.tlogproof import Receipt
from salur.norms.loader import load_norm
from salur.uow import UnitOfWork


def bast_pdf(
    uow: UnitOfWork,
    event_id: int,
    *,
    names: Mapping[str, str] | None = None,
    packages: PackageSource | None = None,
    rules: CustodyRules | None = None,
    keys: Path | None = None,
    lang: str = "id",
) -> bytes:
    """The BAST of a handover as PDF. Signs a checkpoint first if none covers the event yet
    (commits). `names` maps pseudonyms to names for the paper only: they never reach the log."""
    rules = rules or load_rules()
    s = uow.session
    found = event(s, event_id)
    if found.kind != "handover":
        raise SalurError("custody.bast_not_handover", kind=found.kind)
    log = event_log(s, found)
    receipt = _receipt_signing_if_needed(uow, log, found.log_index, keys)
    raw = ledger.entry_bytes(s, log, found.log_index)
    entry = parse_entry(raw)
    body = entry["event"]
    incidents = repo.incidents_caused_by(s, found.id)
    findings = repo.findings_of(s, [i.id for i in incidents])
    infos = (packages or KitsPackageSource()).packages(s, [i["package"] for i in body["items"]])
    people = _People(s, rules, names or {}, lang)
    at = parse_time(body["at"]).astimezone(rules.tz)
    record = BastRecord(
        number=f"{log.province_code}/{log.election}/{found.log_index:06d}",
        election=load_norm(rules.election.norm).norm.name,
        hop=t(f"custody.bast.hop_{body['hop']}", lang),
        at=at,
        timezone=rules.election.timezone,
        giver=people.line(body["giver"]),
        receiver=people.line(body["receiver"]),
        witnesses=[people.line(w) for w in body.get("witnesses", [])],
        items=_item_lines(body["items"], infos, findings, rules, lang),
        signatures=[people.signature(sig, body, rules) for sig in entry["signatures"]],
        notes=_notes(body, entry.get("recorded", {}), findings, rules, lang),
        origin=log.origin,
        log_index=found.log_index,
        checkpoint_size=parse_checkpoint(parse_note(receipt.checkpoint).text).size,
        leaf_hash=hash_leaf(raw).hex(),
        receipt=receipt.to_bytes(),
    )
    return render_bast(record, lang)


def _receipt_signing_if_needed(
    uow: UnitOfWork, log: LedgerLog, index: int, keys: Path | None
) -> Receipt:
    try:
        return ledger.receipt_for(uow.session, log, index, with_entry=False)
    except NotFoundError as missing:
        if missing.key != "ledger.no_checkpoint_covers":
            raise
    ledger.sign_checkpoint(uow, log, keys=keys)
    return ledger.receipt_for(uow.session, log, index, with_entry=False)


class _People:
    """Names of roles, regions and (on paper only) people, and devices' key IDs."""

    def __init__(
        self, session: Session, rules: CustodyRules, names: Mapping[str, str], lang: str
    ) -> None:
        self.session, self.rules, self.names, self.lang = session, rules, names, lang
        self.key_ids: dict[str, str] = {}

    def role(self, role: str) -> str:
        names = self.rules.election.roles.get(role)
        return (names.id if self.lang == "id" else names.en) if names else role

    def key_id(self, device: str | None) -> str | None:
        if device is None:
            return None
        if device not in self.key_ids:
            found = repo.device(self.session, device)
            self.key_ids[device] = found.key_id if found else "-"
        return self.key_ids[device]

    def line(self, party: Mapping[str, Any]) -> PartyLine:
        return PartyLine(
            role=self.role(party["role"]),
            region=_region_label(self.session, party["region"]),
            person=party["person"],
            name=self.names.get(party["person"]),
            device=party.get("device"),
            key_id=self.key_id(party.get("device")),
        )

    def signature(
        self, sig: Mapping[str, Any], body: Mapping[str, Any], rules: CustodyRules
    ) -> SignatureLine:
        party = sig["party"]
        if party == "witness":
            role = next(
                (w["role"] for w in body.get("witnesses", []) if w.get("device") == sig["device"]),
                "",
            )
        else:
            role = body[party]["role"]
        return SignatureLine(
            party=t(f"custody.bast.party_{party}", self.lang),
            role=self.role(role),
            device=sig["device"],
            key_id=self.key_id(sig["device"]) or "-",
            signed_at=parse_time(sig["signed_at"]).astimezone(rules.tz),
        )


def _region_label(session: Session, code: str) -> str:
    """ "Name (code)" when the geography is loaded, else the code."""
    try:
        if "." in code or len(code) == 2:
            return f"{region_name(session, code)} ({code})"
        name = session.scalar(select(Tps.name).where(Tps.code == code))
        return f"{name} ({code})" if name else code
    except NotFoundError:
        return code


def _item_lines(
    items: Sequence[Mapping[str, Any]],
    infos: Mapping[str, PackageInfo],
    findings: Sequence[CustodyFinding],
    rules: CustodyRules,
    lang: str,
) -> list[ItemLine]:
    ballots = {b.code: b.name for b in load_norm(rules.election.norm).norm.ballot_types}
    lines = []
    for item in items:
        pid = item["package"]
        info = infos.get(pid)
        ballot_type = item.get("ballot_type") or (info.ballot_type if info else "")
        name = ballots.get(ballot_type)
        count = item.get("count", info.count if info else None)
        seals = ", ".join(str(n) for n in item.get("seals", []))
        if item.get("broken_seals"):
            broken = ", ".join(str(n) for n in item["broken_seals"])
            seals += "; " + t("custody.bast.broken", lang, seals=broken)
        remarks = "; ".join(
            t(f"custody.remark.{f.code}", lang, expected=f.expected or "-", found=f.found or "-")
            for f in findings
            if f.package_id == pid
        )
        kind = t(f"custody.bast.kind_{info.kind if info else 'kotak'}", lang)
        ballot = (name.id if lang == "id" else name.en) if name else ""
        lines.append(
            ItemLine(
                package=pid,
                content=f"{kind} {ballot}".strip(),
                dapil=item.get("dapil") or (info.dapil if info else "") or "-",
                count="-" if count is None else str(count),
                seals=seals or "-",
                remarks=remarks or t("custody.bast.in_order", lang),
            )
        )
    return lines


def _notes(
    body: Mapping[str, Any],
    recorded: Mapping[str, Any],
    findings: Sequence[CustodyFinding],
    rules: CustodyRules,
    lang: str,
) -> list[str]:
    notes = []
    if "deadline" in recorded:
        deadline = parse_time(recorded["deadline"]).astimezone(rules.tz)
        key = "custody.bast.late" if recorded.get("late") else "custody.bast.on_time"
        shown = f"{deadline:%Y-%m-%d %H:%M} {rules.election.timezone}"
        notes.append(t(key, lang, deadline=shown))
    general = [_as_finding(f) for f in findings if f.package_id is None]
    if general:
        notes.append(describe(general, lang=lang))
    if "gps" in body:
        gps = body["gps"]
        accuracy = f" (±{gps['accuracy_m']:g} m)" if "accuracy_m" in gps else ""
        notes.append(
            t("custody.bast.gps", lang, lat=f"{gps['lat']:.6f}", lon=f"{gps['lon']:.6f}") + accuracy
        )
    if "photo_sha256" in body:
        notes.append(t("custody.bast.photo", lang, sha256=body["photo_sha256"]))
    return notes


def _as_finding(row: CustodyFinding) -> Finding:
    return Finding(row.code, row.package_id, row.tps_code, row.ballot_type, row.expected, row.found)
