"""Acceptance, in Chromium against a real server: a PPS officer signs in on a phone, receives a
kit with no signal, refuses a kit whose ballots are another dapil's, goes back online and sees
both synced (one accepted, one refused with the reason in Bahasa Indonesia); the regency
dashboard and the public portal show the kit arrived; the receipt verifies on the portal.
Screenshots of the main pages go to out/screenshots/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from salur.custody.models import CustodyEvent, CustodyFinding, CustodyPackage
from salur.identity.models import User, UserDevice
from salur.uow import UnitOfWork
from tests.web.conftest import DESK, PHONE
from tests.web.pages import column, fits_phone, number, sign_in, tables
from tests.web.world import DISTRICT, FIELD_VILLAGE, MERANTI, WebWorld

WIB = dt.timezone(dt.timedelta(hours=7))
ON_THE_DAY = dt.datetime(2024, 2, 11, 14, 0, tzinfo=WIB)  # the PPK's kits reach the desa


def holders(world: WebWorld, tps: str) -> set[tuple[str, str, str | None, str | None]]:
    """(holder level, holder region, heading level, heading region) of a kit's packages."""
    with UnitOfWork(world.engine) as uow:
        rows = uow.session.scalars(select(CustodyPackage).where(CustodyPackage.tps_code == tps))
        return {(p.holder_level, p.holder_region, p.to_level, p.to_region) for p in rows}


def open_kit(page: Page, package: str) -> None:
    page.fill("#code", package)
    page.click("#find-button")
    expect(page.locator("#kit")).to_be_visible()


def dashboard_at_pps(browser: Browser, live: str, region: str) -> dict[str, int]:
    """The regency dashboard's "at PPS" count per kecamatan, as KPU Meranti sees it."""
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    sign_in(page, live, "kpu-meranti", f"/dashboard/{region}")
    progress = tables(page.content())["progress"]
    context.close()
    return dict(zip(column(progress, "Kode"), map(number, column(progress, "Di PPS")), strict=True))


def public_at_pps(page: Page, live: str) -> dict[str, int]:
    page.goto(f"{live}/public/{MERANTI}")
    progress = tables(page.content())["progress"]
    return dict(zip(column(progress, "Kode"), map(number, column(progress, "Di PPS")), strict=True))


def test_a_pps_officer_receives_offline_syncs_and_everyone_sees_it(
    browser: Browser, phone: BrowserContext, live: str, world: WebWorld, screenshots: Path
) -> None:
    """The whole field loop, offline first, as the acceptance criteria describe it."""
    received_tps, wrong_tps = world.field_kits[0], world.field_kits[1]
    received = world.packages(received_tps)
    wrong = world.packages(wrong_tps)
    before_dashboard = dashboard_at_pps(browser, live, MERANTI)
    public = phone.new_page()
    before_public = public_at_pps(public, live)

    page = phone.new_page()
    page.clock.install(time=ON_THE_DAY)
    sign_in(page, live, "pps-lapangan", "/field/")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("#device-state")).to_contain_text("WEB-")
    with UnitOfWork(world.engine) as uow:
        owner = uow.session.scalars(select(User).where(User.username == "pps-lapangan")).one()
        devices = uow.session.scalars(
            select(UserDevice).where(UserDevice.user_id == owner.id)
        ).all()
    assert len(devices) == 1

    # No signal: the kit is received before the PKD and a police officer, whose witness codes
    # the officer adds; signed and kept on the phone.
    phone.set_offline(True)
    expect(page.locator("#net-state")).to_have_text("Luring: tersimpan di ponsel")
    kotak = next(p for p in received.values() if p.ballot_type == "dpr")
    open_kit(page, kotak.package_id)
    expect(page.locator("#kit .pkg")).to_have_count(len(received))
    for username, role, region in (
        ("pkd-lapangan", "pkd", FIELD_VILLAGE),
        ("polisi-meranti", "polisi", MERANTI),
    ):
        page.fill("#witness-code", f"salur-saksi:v1:{role}:{region}:{world.persons[username]}")
        page.click("#witness-add")
    expect(page.locator("#witness-list li")).to_have_count(2)
    page.click("#sign")
    expect(page.locator("#kit-check")).to_have_class("alert ok")
    expect(page.locator("#pending")).to_have_attribute("data-count", "1")
    assert holders(world, received_tps) == {("ppk", DISTRICT, "pps", FIELD_VILLAGE)}

    # Another kit: the DPRD Kabupaten envelope shows another dapil's ballots. Refused on the spot.
    kab = next(p for p in wrong.values() if p.ballot_type == "dprd_kab")
    other_dapil = "141002" if kab.tps_dapil["dprd_kab"] != "141002" else "141001"
    open_kit(page, kab.package_id)
    page.locator(f".pkg[data-package='{kab.package_id}'] .dapil").fill(other_dapil)
    page.click("#sign")
    refusal = page.locator("#kit-check")
    expect(refusal).to_have_class("alert bad")
    expect(refusal).to_contain_text("DITOLAK")
    expect(refusal).to_contain_text(f"berisi surat suara dapil {other_dapil}")
    expect(refusal).to_contain_text(f"seharusnya dapil {kab.tps_dapil['dprd_kab']}")
    expect(page.locator("#pending")).to_have_attribute("data-count", "2")
    fits_phone(page)
    page.screenshot(path=str(screenshots / "field-offline-refused-390.png"), full_page=True)

    # Still no signal: the page opens again from the service worker, the queue intact.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#outbox li[data-status='queued']")).to_have_count(2)

    # Signal again: both go up; one accepted (its receipt checked on the phone), one refused.
    phone.set_offline(False)
    expect(page.locator("#outbox li[data-status='accepted']")).to_have_count(1, timeout=20_000)
    refused = page.locator("#outbox li[data-status='refused']")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("ditolak karena tidak tepat")
    expect(refused).to_contain_text(f"dapil {other_dapil}")
    expect(page.locator("#outbox li[data-status='accepted']")).to_contain_text(
        "diverifikasi di ponsel"
    )
    expect(page.locator("#audit")).to_contain_text("Log diaudit")
    expect(page.locator("#pending")).to_have_attribute("data-count", "0")
    fits_phone(page)
    page.screenshot(path=str(screenshots / "field-synced-390.png"), full_page=True)

    # The store: the kit is with the PPS; the refusal is an incident naming the wrong dapil.
    assert holders(world, received_tps) == {("pps", FIELD_VILLAGE, None, None)}
    with UnitOfWork(world.engine) as uow:
        event = uow.session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.kind == "receipt")
            .order_by(CustodyEvent.id.desc())
        ).first()
        assert event is not None
        signed_at = event.at.replace(tzinfo=dt.UTC) if event.at.tzinfo is None else event.at
        assert dt.timedelta(0) <= signed_at - ON_THE_DAY < dt.timedelta(minutes=5)  # phone's clock
        assert not uow.session.scalars(
            select(CustodyEvent).where(CustodyEvent.cause_event_id == event.id)
        ).all()  # witnesses present, seals intact: no discrepancy
        finding = uow.session.scalars(
            select(CustodyFinding).where(CustodyFinding.code == "wrong_dapil")
        ).one()
        assert finding.tps_code == wrong_tps and finding.found == other_dapil
    assert holders(world, wrong_tps) == {("ppk", DISTRICT, "pps", FIELD_VILLAGE)}

    # The regency dashboard and the public portal count the kit at the PPS.
    after_dashboard = dashboard_at_pps(browser, live, MERANTI)
    assert after_dashboard[DISTRICT] == before_dashboard[DISTRICT] + 1
    assert public_at_pps(public, live)[DISTRICT] == before_public[DISTRICT] + 1

    # The PKD's own page lists the receipt it witnessed.
    pkd = browser.new_context(viewport=DESK)
    pkd_page = pkd.new_page()
    sign_in(pkd_page, live, "pkd-lapangan", f"/bawaslu/{FIELD_VILLAGE}")
    witnessed = tables(pkd_page.content())["witnessed"]
    assert [row[1] for row in witnessed[1:]] == ["Penerimaan"]
    pkd.close()

    # Bawaslu's witness cosigns the log; anyone verifies the receipt on the public portal, in
    # their own browser, the witness's cosignature included.
    world.cosign()
    receipt = page.evaluate(
        """async () => {
            const store = await import('/assets/web/js/store.js');
            const item = (await store.outbox.all()).find((i) => i.status === 'accepted');
            return await (await fetch(`/events/${item.event_id}/receipt`)).text();
        }"""
    )
    assert "bawaslu.go.id/riau" in receipt
    verify = public
    verify.goto(f"{live}/public/verify")
    verify.fill("#receipt", receipt)
    verify.click("#verify")
    expect(verify.locator("#verdict")).to_have_attribute("data-code", "ok")
    expect(verify.locator("#verdict")).to_contain_text("ditandatangani saksi")
    expect(verify.locator("#verdict")).to_have_class("alert ok")
    expect(verify.locator("#facts")).to_contain_text("Penerimaan")
    expect(verify.locator("#facts")).not_to_contain_text("p-")  # no pseudonym shown
    fits_phone(verify)
    verify.screenshot(path=str(screenshots / "verify-ok-390.png"), full_page=True)
    verify.fill("#receipt", receipt.replace("index ", "index 1", 1))
    verify.click("#verify")
    expect(verify.locator("#verdict")).to_have_attribute("data-code", "not_included")
    expect(verify.locator("#verdict")).to_contain_text("Tidak terverifikasi")


def test_the_pps_sends_the_kit_on_and_the_kpps_receives_it_at_the_tps(
    browser: Browser, live: str, world: WebWorld
) -> None:
    """The PPS dispatches from its phone, the KPPS receives on its own: the kit is at its TPS."""
    tps = world.field_kits[0]
    package = sorted(world.packages(tps))[0]
    for username, mode, expected in (
        ("pps-lapangan", "#mode-dispatch", {("pps", FIELD_VILLAGE, "kpps", tps)}),
        ("kpps-satu", "#mode-receive", {("kpps", tps, None, None)}),
    ):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.clock.install(time=ON_THE_DAY + dt.timedelta(days=1))
        sign_in(page, live, username, "/field/")
        page.wait_for_selector("body[data-ready='1']")
        page.click(mode)
        open_kit(page, package)
        page.click("#sign")
        expect(page.locator("#outbox li[data-status='accepted']").first).to_be_visible(
            timeout=20_000
        )
        assert holders(world, tps) == expected
        context.close()


def test_a_kit_of_another_desa_is_not_accepted_on_the_field_page(
    phone: BrowserContext, live: str, world: WebWorld
) -> None:
    """A package not listed for the officer's desa is refused before anything is signed."""
    page = phone.new_page()
    sign_in(page, live, "pps-lapangan", "/field/")
    page.wait_for_selector("body[data-ready='1']")
    other = sorted(world.packages("1410011002001"))[0]
    page.fill("#code", other)
    page.click("#find-button")
    expect(page.locator("#find-result")).to_contain_text("tidak terdaftar untuk wilayah")
    expect(page.locator("#kit")).to_be_hidden()


def test_main_pages_look_right_on_a_desk_and_fit_a_phone(
    browser: Browser, live: str, screenshots: Path
) -> None:
    """Screenshots of the dashboard, the Bawaslu view and the public portal, wide and at 390 px;
    the map has its scale and legend; nothing scrolls sideways on the phone."""
    for username, path, name in (
        ("kpu-meranti", f"/dashboard/{MERANTI}", "dashboard"),
        ("bawaslu-meranti", f"/bawaslu/{MERANTI}", "bawaslu"),
        (None, f"/public/{MERANTI}", "public"),
        (None, "/public/verify", "verify"),
    ):
        for size, viewport in (("desk", DESK), ("390", PHONE)):
            context = browser.new_context(
                viewport=viewport, device_scale_factor=1 if size == "desk" else 2
            )
            page = context.new_page()
            if username:
                sign_in(page, live, username, path)
            else:
                page.goto(live + path)
            if page.locator("#map").count():
                expect(page.locator(".leaflet-control-scale-line")).to_be_visible()
                expect(page.locator(".legend")).to_contain_text("Lewat tenggat")
                expect(page.locator(".leaflet-overlay-pane canvas").first).to_be_attached()
            if size == "390":
                fits_phone(page)
            page.screenshot(path=str(screenshots / f"{name}-{size}.png"), full_page=size == "desk")
            context.close()
