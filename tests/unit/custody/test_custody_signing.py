"""Event schemas, their canonical form, device signatures and pseudonyms (no store)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from salur.custody.events import (
    EventInvalidError,
    body_dict,
    canonical,
    entry_payload,
    parse_submission,
)
from salur.custody.signing import (
    DeviceKey,
    SignatureRejectedError,
    check_signatures,
    pseudonym,
    sign,
    verify_ahead,
    within,
)
from salur.ledger.keys import Ed25519Signer

SECRET = b"kpu-kab-meranti-pseudonym-key-01"
GIVER = Ed25519Signer.from_seed("D-PPK-01", bytes(range(32)))
RECEIVER = Ed25519Signer.from_seed("D-PPS-01", bytes(range(1, 33)))
PEOPLE = {"ppk": pseudonym(SECRET, "3210987654321001"), "pps": pseudonym(SECRET, "1234")}
DEVICES = {
    "D-PPK-01": DeviceKey("D-PPK-01", "ppk", "14.10.01", PEOPLE["ppk"], GIVER.public_key),
    "D-PPS-01": DeviceKey("D-PPS-01", "pps", "14.10", PEOPLE["pps"], RECEIVER.public_key),
}
AT = dt.datetime(2024, 2, 12, 3, 0, tzinfo=dt.UTC)


def handover_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "v": 1,
        "type": "handover",
        "election": "pemilu-2024",
        "at": "2024-02-12T03:00:00Z",
        "hop": "ppk_pps",
        "giver": {
            "role": "ppk",
            "region": "14.10.01",
            "person": PEOPLE["ppk"],
            "device": "D-PPK-01",
        },
        "receiver": {
            "role": "pps",
            "region": "14.10.01.2001",
            "person": PEOPLE["pps"],
            "device": "D-PPS-01",
        },
        "items": [{"package": "K-1410012001001-DPR-7K2QX", "seals": [101, 102]}],
        "gps": {"lat": 1.0123, "lon": 102.71},
    }
    body.update(changes)
    return body


def signed(body: dict[str, Any], signers: dict[str, Ed25519Signer]) -> dict[str, Any]:
    canonical_body = body_dict(parse_submission({"event": body}).event)
    return {
        "event": body,
        "signatures": [sign(key, canonical_body, party, AT) for party, key in signers.items()],
    }


def test_the_canonical_body_is_jcs_and_drops_only_null_fields() -> None:
    """Keys sorted, no spaces, lists kept; what devices and the server both compute."""
    body = body_dict(parse_submission({"event": handover_body()}).event)
    text = canonical(body)
    assert text.startswith(b'{"at":"2024-02-12T03:00:00Z","election":"pemilu-2024","giver":')
    assert b" " not in text and b"null" not in text and b'"witnesses":[]' in text


def test_a_submission_with_unknown_fields_or_coerced_types_is_refused() -> None:
    """Strict schemas: an extra field or a count given as text never reaches the log."""
    with pytest.raises(EventInvalidError) as extra:
        parse_submission({"event": handover_body(note="diserahkan oleh Budi")})
    assert extra.value.params["field"].endswith("note")
    item = {"package": "K-1410012001001-DPR-7K2QX", "count": "245"}
    with pytest.raises(EventInvalidError):
        parse_submission({"event": handover_body(items=[item])})


def test_a_name_where_a_pseudonym_belongs_is_refused() -> None:
    """The log carries p-<hex> pseudonyms only: a person's name cannot be entered."""
    giver = dict(handover_body()["giver"], person="Budi Santoso")
    with pytest.raises(EventInvalidError) as refused:
        parse_submission({"event": handover_body(giver=giver)})
    assert "person" in refused.value.params["field"]


def test_times_must_be_utc() -> None:
    """A local time with an offset is not a custody time: the canonical form is UTC 'Z'."""
    with pytest.raises(EventInvalidError):
        parse_submission({"event": handover_body(at="2024-02-12T10:00:00+07:00")})


def test_both_signatures_of_a_handover_verify() -> None:
    """Giver and receiver sign the canonical body with their registered devices."""
    sub = parse_submission(signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER}))
    check_signatures(sub.event, sub.signatures, DEVICES)


def test_a_forged_signature_is_refused() -> None:
    """A signature made with another key under the giver's device id does not verify."""
    forger = Ed25519Signer.from_seed("D-PPK-01", bytes(range(2, 34)))
    sub = parse_submission(signed(handover_body(), {"giver": forger, "receiver": RECEIVER}))
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(sub.event, sub.signatures, DEVICES)
    assert refused.value.key == "custody.signature_invalid"


def test_a_small_order_key_does_not_let_one_signature_fit_every_event() -> None:
    """Under the identity point as public key, (R = identity, S = 0) satisfies the plain
    RFC 8032 equation for any message (OpenSSL accepts it); salur's check refuses it."""
    identity = bytes([1]) + bytes(31)
    weak = DEVICES | {"D-PPK-01": DeviceKey("D-PPK-01", "ppk", "14.10.01", PEOPLE["ppk"], identity)}
    data = signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER})
    data["signatures"][0]["sig"] = base64.b64encode(identity + bytes(32)).decode()
    sub = parse_submission(data)
    vouched = verify_ahead(sub.signatures, weak, canonical(body_dict(sub.event)))
    assert {v[0] for v in vouched} == {"receiver"}
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(sub.event, sub.signatures, weak)
    assert refused.value.key == "custody.signature_invalid"


def test_a_signature_does_not_survive_a_change_of_the_body() -> None:
    """Changing one seal number after signing breaks both signatures."""
    data = signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER})
    data["event"] = handover_body(items=[{"package": "K-1410012001001-DPR-7K2QX", "seals": [1]}])
    sub = parse_submission(data)
    with pytest.raises(SignatureRejectedError):
        check_signatures(sub.event, sub.signatures, DEVICES)


def test_a_handover_needs_both_signatures() -> None:
    """The giver alone cannot record a handover."""
    sub = parse_submission(signed(handover_body(), {"giver": GIVER}))
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(sub.event, sub.signatures, DEVICES)
    assert (refused.value.key, refused.value.params["party"]) == (
        "custody.signature_missing",
        "receiver",
    )


def test_a_device_signs_only_for_its_role_and_region() -> None:
    """The PPK device of kecamatan 14.10.01 cannot sign as the PPK of 14.10.02."""
    giver = dict(handover_body()["giver"], region="14.10.02")
    sub = parse_submission(signed(handover_body(giver=giver), {"giver": GIVER}))
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(sub.event, sub.signatures, DEVICES)
    assert refused.value.key == "custody.device_out_of_scope"


def test_a_revoked_device_cannot_sign_after_revocation() -> None:
    """Signatures on events after the revocation time are refused."""
    revoked = dict(DEVICES)
    revoked["D-PPK-01"] = DeviceKey(
        "D-PPK-01", "ppk", "14.10.01", PEOPLE["ppk"], GIVER.public_key, AT
    )
    sub = parse_submission(signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER}))
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(sub.event, sub.signatures, revoked)
    assert refused.value.key == "custody.device_revoked"


def test_signatures_verified_ahead_are_vouched_for_under_the_key_that_checked_them() -> None:
    """`verify_ahead` vouches for good signatures only; recording then skips only those."""
    good = parse_submission(signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER}))
    data = canonical(body_dict(good.event))
    vouched = verify_ahead(good.signatures, DEVICES, data)
    assert {v[0] for v in vouched} == {"giver", "receiver"}
    check_signatures(good.event, good.signatures, DEVICES, data, vouched)
    forgery = signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER})
    forgery["signatures"][0]["sig"] = forgery["signatures"][1]["sig"]
    forged = parse_submission(forgery)
    assert {v[0] for v in verify_ahead(forged.signatures, DEVICES, data)} == {"receiver"}
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(forged.event, forged.signatures, DEVICES, data, vouched)
    assert refused.value.key == "custody.signature_invalid"


def test_a_signature_vouched_for_under_an_old_key_is_verified_again_under_the_new_one() -> None:
    """A device re-keyed between checking ahead and recording: the new key decides."""
    submission = parse_submission(signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER}))
    data = canonical(body_dict(submission.event))
    vouched = verify_ahead(submission.signatures, DEVICES, data)
    other = Ed25519Signer.from_seed("D-PPK-01", bytes(range(2, 34)))
    rekeyed = DEVICES | {
        "D-PPK-01": DeviceKey("D-PPK-01", "ppk", "14.10.01", PEOPLE["ppk"], other.public_key)
    }
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(submission.event, submission.signatures, rekeyed, data, vouched)
    assert refused.value.key == "custody.signature_invalid"


def test_a_device_revoked_after_checking_ahead_is_still_refused() -> None:
    """Vouching covers the Ed25519 check only: the device's standing is read at recording."""
    submission = parse_submission(signed(handover_body(), {"giver": GIVER, "receiver": RECEIVER}))
    data = canonical(body_dict(submission.event))
    vouched = verify_ahead(submission.signatures, DEVICES, data)
    revoked = DEVICES | {
        "D-PPK-01": DeviceKey(
            "D-PPK-01", "ppk", "14.10.01", PEOPLE["ppk"], GIVER.public_key, AT - dt.timedelta(1)
        )
    }
    with pytest.raises(SignatureRejectedError) as refused:
        check_signatures(submission.event, submission.signatures, revoked, data, vouched)
    assert refused.value.key == "custody.device_revoked"


def test_pseudonyms_are_stable_keyed_and_hide_the_identity() -> None:
    """Same person, same pseudonym; another secret gives another; the identity is not in it."""
    first = pseudonym(SECRET, "3210987654321001")
    assert first == pseudonym(SECRET, " 3210987654321001 ")
    assert first != pseudonym(b"another-office-secret-key-000001", "3210987654321001")
    assert first.startswith("p-") and len(first) == 34 and "3210987654321001" not in first


def test_region_scopes_compare_dotted_codes_and_tps_codes() -> None:
    """A TPS code lies in its desa, kecamatan and regency; not in the next kecamatan."""
    assert within("1410012001001", "14.10.01.2001")
    assert within("14.10.01.2001", "14.10")
    assert not within("1410022001001", "14.10.01")


def test_the_entry_envelope_names_its_schema() -> None:
    """Every logged custody entry says which format it is in."""
    payload = entry_payload({"v": 1}, [], {"late": False})
    assert payload == {
        "schema": "salur.custody/1",
        "event": {"v": 1},
        "signatures": [],
        "recorded": {"late": False},
    }
