"""The browser's cryptography against salur's Python: receipts the ledger issues verify in the
browser's `tlog.js` exactly when `salur verify` accepts them, and events the browser signs with
`custody.js` are what `salur.custody.signing` checks."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import rfc8785
from playwright.sync_api import BrowserContext, Page

from salur.custody.events import body_dict, parse_submission
from salur.custody.signing import DeviceKey, SignatureRejectedError, check_signatures
from salur.errors import SalurError
from salur.ledger.keys import Ed25519Signer
from salur.ledger.verify import check_receipt
from salur.uow import UnitOfWork
from tests.web.world import FIELD_VILLAGE, WebWorld

TLOG = "/assets/web/js/tlog.js"


@pytest.fixture
def verifier_page(desk: BrowserContext, live: str) -> Page:
    page = desk.new_page()
    page.goto(f"{live}/public/verify")
    return page


def browser_verify(page: Page, receipts: list[str], leaf: str = "") -> list[dict[str, Any]]:
    """tlog.js's verdict on each receipt, with the keys the verify page serves."""
    return list(
        page.evaluate(
            """async ([receipts, leaf, tlog]) => {
                const m = await import(tlog);
                const trust = JSON.parse(document.getElementById('trust').textContent);
                const out = [];
                for (const r of receipts) {
                    const v = await m.verifyReceipt(r, trust, {leafHash: leaf});
                    out.push({ok: v.ok, code: v.code, witnesses: v.witnesses.map(w => w.name),
                              index: v.index === null ? null : Number(v.index)});
                }
                return out;
            }""",
            [receipts, leaf, TLOG],
        )
    )


def python_accepts(world: WebWorld, receipt: bytes, entry: bytes | None = None) -> bool:
    try:
        check_receipt(receipt, log_vkey=world.log_vkey, witness_vkeys=[world.witness_vkey],
                      quorum=0, entry=entry)  # fmt: skip
    except SalurError:
        return False
    return True


def tampered(receipt: bytes) -> dict[str, str]:
    """Ways a receipt can be altered, each named by the code the verifier must give."""
    text = receipt.decode()
    head, checkpoint = text.split("\n\n", 1)
    lines = head.split("\n")
    extra = base64.b64decode(lines[1].removeprefix("extra "))
    changed_entry = extra.replace(b'"v":1', b'"v":2') if b'"v":1' in extra else extra + b" "
    proof_at = next(i for i, line in enumerate(lines) if line.startswith("index ")) + 1
    flipped = (
        lines[proof_at][:-3] + ("A" if lines[proof_at][-3] != "A" else "B") + lines[proof_at][-2:]
    )
    origin, size, root, rest = checkpoint.split("\n", 3)
    other_root = base64.b64encode(bytes(32)).decode()
    signatures = rest.strip("\n").split("\n")
    signed_by_log = signatures[0]
    cosigned = signatures[1] if len(signatures) > 1 else ""
    bad_cosig = _flip(cosigned)
    forger = Ed25519Signer.generate(origin)
    forged_line = (
        "— "
        + origin
        + " "
        + base64.b64encode(
            forger.key_id + forger.sign(f"{origin}\n{size}\n{root}\n".encode())
        ).decode()
    )
    extra_line = "extra " + base64.b64encode(changed_entry).decode()
    index_line = lines[proof_at - 1]
    other_index = f"index {int(index_line.removeprefix('index ')) + 1}"
    proof_lines = [*lines[:proof_at], flipped, *lines[proof_at + 1 :]]
    forged_note = "\n".join([origin, size, root, "", forged_line, cosigned]) + "\n"
    return {
        "entry": "\n".join([lines[0], extra_line, *lines[2:]]) + "\n\n" + checkpoint,
        "index": text.replace(index_line, other_index, 1),
        "proof": "\n".join(proof_lines) + "\n\n" + checkpoint,
        "root": head + "\n\n" + "\n".join([origin, size, other_root, rest]),
        "log_signature": text.replace(signed_by_log, _flip(signed_by_log)),
        "forged": head + "\n\n" + forged_note,
        "cosignature": text.replace(cosigned, bad_cosig),
        "truncated": text.split("\n\n")[0],
    }


def _flip(line: str) -> str:
    """A signature line with one byte of its Ed25519 signature changed (key ID kept)."""
    name, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01
    return f"{name} {base64.b64encode(bytes(raw)).decode()}"


EXPECTED = {
    "entry": "not_included",
    "index": "not_included",
    "proof": "not_included",
    "root": "bad_log_signature",
    "log_signature": "bad_log_signature",
    "forged": "not_signed",
    "cosignature": "bad_cosignature",
    "truncated": "malformed",
}


def test_every_receipt_the_ledger_issues_verifies_in_the_browser(
    verifier_page: Page, world: WebWorld
) -> None:
    """All receipts of the season verify in tlog.js, cosigned by the witness, at their index."""
    receipts = world.receipts()
    verdicts = browser_verify(verifier_page, [r.decode() for r in receipts])
    assert [v["ok"] for v in verdicts] == [True] * len(receipts)
    assert all(python_accepts(world, r) for r in receipts)
    assert [v["index"] for v in verdicts] == list(range(len(receipts)))


def test_tampered_receipts_fail_in_the_browser_as_in_python(
    verifier_page: Page, world: WebWorld
) -> None:
    """Each alteration is refused by both verifiers, the browser naming what failed."""
    good = world.receipts()[5]
    assert "bawaslu.go.id/riau" in good.decode()  # the receipt carries the cosignature
    variants = tampered(good)
    verdicts = browser_verify(verifier_page, list(variants.values()))
    codes = {name: v["code"] for name, v in zip(variants, verdicts, strict=True)}
    assert codes == EXPECTED
    for name, text in variants.items():
        assert not python_accepts(world, text.encode()), name


def test_a_bast_receipt_without_its_entry_verifies_with_the_printed_leaf_hash(
    verifier_page: Page, world: WebWorld
) -> None:
    """The BAST's QR carries no entry: the leaf hash printed under it completes the proof."""
    from sqlalchemy import select

    from salur.custody.models import CustodyEvent
    from salur.ledger import service as ledger
    from salur.ledger.merkle import hash_leaf
    from salur.ledger.models import LedgerLog

    with UnitOfWork(world.engine) as uow:
        event = uow.session.scalars(
            select(CustodyEvent).where(CustodyEvent.kind == "handover").order_by(CustodyEvent.id)
        ).first()
        assert event is not None
        log = uow.session.get(LedgerLog, event.log_id)
        assert log is not None
        receipt = ledger.receipt_for(uow.session, log, event.log_index, with_entry=False)
        leaf = hash_leaf(ledger.entry_bytes(uow.session, log, event.log_index)).hex()
    text = receipt.to_bytes().decode()
    assert browser_verify(verifier_page, [text])[0]["code"] == "no_entry"
    assert browser_verify(verifier_page, [text], leaf)[0]["ok"] is True
    assert browser_verify(verifier_page, [text], "0" * 64)[0]["code"] == "not_included"


def test_an_event_signed_in_the_browser_is_what_salur_checks(
    verifier_page: Page, world: WebWorld
) -> None:
    """custody.js's canonical body is the server's RFC 8785 text, and its Ed25519 signature with
    a non-extractable WebCrypto key passes `salur.custody.signing.check_signatures`."""
    tps = sorted(world.field_kits)[0]
    infos = world.packages(tps)
    items = [
        {"package": p.package_id, "ballotType": p.ballot_type or None, "dapil": p.dapil or None,
         "count": p.count if p.kind == "kotak" else None, "seals": sorted(p.seals),
         "brokenSeals": []}
        for p in sorted(infos.values(), key=lambda p: p.package_id)
    ]  # fmt: skip
    person = world.persons["pps-lapangan"]
    made = verifier_page.evaluate(
        """async ([items, person, village]) => {
            const c = await import('/assets/web/js/custody.js');
            const keys = await crypto.subtle.generateKey(
                {name: 'Ed25519'}, false, ['sign', 'verify']);
            const pub = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
            const me = {role: 'pps', region: village, person, device: 'WEB-TEST01'};
            const body = c.makeBody({type: 'receipt', election: 'pemilu-2024', at: c.custodyTime(),
                hop: 'ppk_pps', me, items: items.map(c.makeItem),
                gps: {lat: 0.95, lon: 102.7, accuracy_m: 12}});
            const sig = await c.signEvent(body, {party: 'receiver', device: 'WEB-TEST01',
                privateKey: keys.privateKey});
            return {body, jcs: c.jcs(body), sig, pub: btoa(String.fromCharCode(...pub)),
                    extractable: keys.privateKey.extractable};
        }""",
        [items, person, FIELD_VILLAGE],
    )
    assert made["extractable"] is False
    submission = parse_submission({"event": made["body"], "signatures": [made["sig"]]})
    canonical = rfc8785.dumps(body_dict(submission.event)).decode()
    assert made["jcs"] == canonical
    assert json.loads(made["jcs"])["gps"] == {"accuracy_m": 12, "lat": 0.95, "lon": 102.7}
    key = DeviceKey("WEB-TEST01", "pps", FIELD_VILLAGE, person, base64.b64decode(made["pub"]))
    check_signatures(submission.event, list(submission.signatures), {"WEB-TEST01": key})
    forged = dict(made["sig"], sig=base64.b64encode(bytes(64)).decode())
    bad = parse_submission({"event": made["body"], "signatures": [forged]})
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(bad.event, list(bad.signatures), {"WEB-TEST01": key})
    assert refused.value.key == "custody.signature_invalid"
