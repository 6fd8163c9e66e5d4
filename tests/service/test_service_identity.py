"""Identity: `salur users`, Argon2 hashes, cookie sessions with CSRF (JSON and HTML forms),
bearer tokens, login throttling, disabled users, signing devices, the denial log, and errors
in Bahasa Indonesia or English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from salur.cli.main import app as salur_cli
from salur.custody.models import CustodyDevice, CustodyEvent
from salur.identity.models import Denial, User
from salur.ledger.keys import Ed25519Signer
from salur.uow import UnitOfWork
from tests.service.world import PASSWORD, World, username

runner = CliRunner()


def store_url(world: World) -> str:
    return world.engine.url.render_as_string(hide_password=False)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, Any]:
    answer = client.post("/auth/login", json={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def denials(world: World) -> list[Any]:
    """The denial log's rows, oldest first (plain rows: they outlive the session)."""
    with UnitOfWork(world.engine) as uow:
        return list(uow.session.execute(select(Denial.__table__).order_by(Denial.id)).all())


def test_salur_users_adds_lists_and_disables_users(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI keeps an Argon2id hash, names the bad field, and a disabled user is locked out."""
    monkeypatch.setenv("SALUR_DATABASE_URL", store_url(world))
    added = runner.invoke(
        salur_cli,
        [
            "users",
            "add",
            "pkd-banglas",
            "--role",
            "bawaslu",
            "--region",
            "14.10.01.2005",
            "--name",
            "Siti Aminah",
            "--phone",
            "+62 813 1111 2222",
            "--password-stdin",
        ],
        input="kata-sandi-panjang\n",
    )
    assert added.exit_code == 0, added.output
    with UnitOfWork(world.engine) as uow:
        user = uow.session.scalars(select(User).where(User.username == "pkd-banglas")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert "kata-sandi-panjang" not in user.password_hash
    monkeypatch.setenv("COLUMNS", "250")
    listed = runner.invoke(salur_cli, ["users", "list", "--region", "14.10.01"])
    assert "pkd-banglas" in listed.output and "Siti Aminah" in listed.output
    assert sign_in(client, "pkd-banglas", "kata-sandi-panjang")["user"]["role"] == "bawaslu"
    token = client.post(
        "/auth/token", json={"username": "pkd-banglas", "password": "kata-sandi-panjang"}
    ).json()["token"]
    disabled = runner.invoke(salur_cli, ["users", "disable", "pkd-banglas"])
    assert disabled.exit_code == 0, disabled.output
    assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = client.post(
        "/auth/login", json={"username": "pkd-banglas", "password": "kata-sandi-panjang"}
    )
    assert refused.status_code == 401


@pytest.mark.parametrize(
    ("arguments", "field_named"),
    [
        (["--role", "lurah", "--region", "14.10"], "role"),
        (["--role", "pps", "--region", "14.10"], "region"),
        (["--role", "pps", "--region", "99.99.99.9999"], "99.99.99.9999"),
    ],
)
def test_salur_users_add_refuses_bad_fields_naming_them(
    world: World, monkeypatch: pytest.MonkeyPatch, arguments: list[str], field_named: str
) -> None:
    """An unknown role, a scope of the wrong level, an unknown region: one clear line each."""
    monkeypatch.setenv("SALUR_DATABASE_URL", store_url(world))
    result = runner.invoke(
        salur_cli,
        ["--lang", "en", "users", "add", "someone", *arguments, "--name", "X", "--password-stdin"],
        input="kata-sandi-panjang\n",
    )
    assert result.exit_code == 2
    assert field_named in result.output


def test_a_cookie_session_needs_its_csrf_token_for_every_change(
    world: World, client: TestClient
) -> None:
    """HttpOnly Secure session cookie; a change without X-CSRF-Token is refused and logged."""
    answer = client.post(
        "/auth/login", json={"username": username("bawaslu"), "password": PASSWORD}
    )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("salur_session="))
    assert "HttpOnly" in session and "Secure" in session and "SameSite=lax" in session
    csrf = answer.json()["csrf_token"]
    assert client.get("/me").json()["username"] == username("bawaslu")
    finding = {"category": "late", "description": "Kotak tiba tanpa segel."}
    before = len(denials(world))
    refused = client.post("/findings/14.10.01.1001", json=finding)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert denials(world)[-1].reason == "csrf" and len(denials(world)) == before + 1
    wrong = client.post("/findings/14.10.01.1001", json=finding, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    filed = client.post("/findings/14.10.01.1001", json=finding, headers={"X-CSRF-Token": csrf})
    assert filed.status_code == 201, filed.text
    assert client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/me").status_code == 401


def test_an_html_form_signs_in_with_a_double_submitted_token(client: TestClient) -> None:
    """The form's csrf_token must equal the cookie set by GET /auth/csrf; then off to `next`."""
    form = {"username": username("pps"), "password": PASSWORD, "next": "/dashboard"}
    forged = client.post("/auth/login", data=form | {"csrf_token": "guessed"})
    assert forged.status_code == 403
    token = client.get("/auth/csrf").json()["csrf_token"]
    answer = client.post("/auth/login", data=form | {"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    assert client.get("/me").json()["role"] == "pps"


def test_a_bearer_token_needs_no_csrf_and_binds_to_the_users_own_device(
    world: World, client: TestClient
) -> None:
    """Devices sign in for a token; a token for someone else's device is refused."""
    issued = client.post(
        "/auth/token",
        json={"username": username("ppk"), "password": PASSWORD, "device_id": "D-PPK-141001"},
    )
    assert issued.status_code == 200
    token = issued.json()["token"]
    state = client.get("/devices/D-PPK-141001/sync", headers={"Authorization": f"Bearer {token}"})
    assert state.status_code == 200
    other = client.post(
        "/auth/token",
        json={"username": username("ppk"), "password": PASSWORD, "device_id": "D-PPS-14100110"},
    )
    assert other.status_code == 401


def test_failed_logins_are_throttled_per_username(world: World, client: TestClient) -> None:
    """Five wrong passwords, then even the right one waits (429, Retry-After), and is logged."""
    name = username("police_escort", "out")
    for _ in range(5):
        wrong = client.post("/auth/login", json={"username": name, "password": "salah-salah-1"})
        assert wrong.status_code == 401
        assert wrong.json()["key"] == "identity.bad_credentials"
    throttled = client.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["retry_after"] == int(throttled.headers["Retry-After"])
    assert [d.reason for d in denials(world)[-6:]] == ["bad_credentials"] * 5 + ["throttled"]
    other = client.post("/auth/login", json={"username": username("ppk"), "password": PASSWORD})
    assert other.status_code == 200


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client: TestClient) -> None:
    """Nothing tells which usernames exist."""
    unknown = client.post("/auth/login", json={"username": "nobody-here", "password": "x" * 12})
    wrong = client.post("/auth/login", json={"username": username("kpps"), "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_a_user_registers_a_signing_device_in_their_scope_and_it_is_logged(
    world: World, client: TestClient
) -> None:
    """The device signs as the user's pseudonym; its key is published on the log."""
    signer = Ed25519Signer.from_seed("D-PPS-A-02", bytes([7]) * 32)
    headers = world.auth("pps")
    outside = client.post(
        "/me/devices",
        json={"vkey": signer.verifier().vkey, "region": "14.10.01.1002"},
        headers=headers,
    )
    assert outside.status_code == 422 and outside.json()["field"] == "region"
    bad = client.post("/me/devices", json={"vkey": "not-a-key"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "vkey"
    added = client.post("/me/devices", json={"vkey": signer.verifier().vkey}, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json()["role"] == "pps" and added.json()["region"] == "14.10.01.1001"
    mine = client.get("/me/devices", headers=headers).json()
    assert "D-PPS-A-02" in {d["id"] for d in mine}
    with UnitOfWork(world.engine) as uow:
        device = uow.session.get(CustodyDevice, "D-PPS-A-02")
        assert device is not None
        assert uow.session.get(CustodyEvent, device.event_id) is not None
    again = client.post("/me/devices", json={"vkey": signer.verifier().vkey}, headers=headers)
    assert again.status_code == 409


def test_every_denial_is_logged_with_who_what_where_and_why(
    world: World, client: TestClient
) -> None:
    """A PPS officer reading another desa's kits: one row naming user, route, region, reason."""
    client.get("/kits/14.10.01.1002", headers=world.auth("pps"))
    last = denials(world)[-1]
    assert (last.role, last.scope, last.method, last.route, last.region, last.reason) == (
        "pps",
        "14.10.01.1001",
        "GET",
        "/kits/{region}",
        "14.10.01.1002",
        "scope",
    )
    assert last.user_id is not None and last.at <= dt.datetime.now(dt.UTC)


def test_messages_are_indonesian_unless_english_is_asked_for(client: TestClient) -> None:
    """Default Bahasa Indonesia; English by ?lang=en or Accept-Language; codes never change."""
    indonesian = client.get("/me").json()
    english = client.get("/me", params={"lang": "en"}).json()
    negotiated = client.get("/me", headers={"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}).json()
    assert indonesian["message"] == "silakan masuk terlebih dahulu"
    assert english["message"] == negotiated["message"] == "sign in first"
    assert indonesian["code"] == english["code"] == "unauthenticated"
    bad = client.get("/geography/14.1", params={"lang": "en"}).json()
    assert bad["field"] == "region" and "14.1" in bad["message"]


def test_denials_cannot_be_rewritten(world: World) -> None:
    """The denial log is append-only in the database itself."""
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    with UnitOfWork(world.engine) as uow:
        count = uow.session.scalar(select(func.count()).select_from(Denial))
        assert count
        with pytest.raises(DBAPIError):
            uow.session.execute(update(Denial).values(reason="nothing"))
