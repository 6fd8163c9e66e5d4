"""Fixtures of the web tests: one built store for the session (SQLite), the service app with
its web pages on it, a real server for the browser, one Chromium (Debian's, never downloaded)
and a place for screenshots.

The pages describe the season at `world.CLOCK` (SALUR_CLOCK), so "late" and "on the road" mean
what they meant on 11 February 2024.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from salur.service.app import create_app
from tests.web.server import serving
from tests.web.world import CLOCK, PASSWORD, WebWorld, build_world

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    """The store, built once; tests that write to it only add to what others read."""
    previous = os.environ.get("SALUR_CLOCK")
    os.environ["SALUR_CLOCK"] = CLOCK
    built = build_world(tmp_path_factory.mktemp("web"))
    try:
        yield built
    finally:
        built.engine.dispose()
        if previous is None:
            os.environ.pop("SALUR_CLOCK", None)
        else:
            os.environ["SALUR_CLOCK"] = previous


@pytest.fixture(scope="session")
def app(world: WebWorld) -> FastAPI:
    """The service with its web pages (found by `create_app` itself, as `salur serve` does)."""
    return create_app(world.engine, settings=world.settings)


def signed_in(app: FastAPI, username: str) -> TestClient:
    """A client over HTTPS (the session cookie is Secure) signed in as `username`."""
    client = TestClient(app, base_url="https://testserver")
    response = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


@pytest.fixture(scope="session")
def live(app: FastAPI) -> Iterator[str]:
    """The app on a real HTTP port, for the browser."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM)
    yield chromium
    chromium.close()


@pytest.fixture
def desk(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESK, locale="id-ID")
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
    )
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
