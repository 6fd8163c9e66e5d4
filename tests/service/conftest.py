"""Fixtures of the service tests: the built store per backend, a clone per module, and a
client of the app on it (in process, over the real store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from salur.service.app import create_app
from tests.conftest import BACKENDS
from tests.service.world import Template, World, build_template, clone, drop_template


@pytest.fixture(scope="session", params=BACKENDS)
def service_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    """The built store, once per backend and session."""
    template = build_template(request.param, tmp_path_factory.mktemp(f"svc-{request.param}"))
    try:
        yield template
    finally:
        drop_template(template)


@pytest.fixture(scope="module")
def world(service_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A clone of the built store, shared by the tests of one module."""
    yield from clone(service_template, tmp_path_factory.mktemp("svc-clone"))


def make_app(world: World) -> FastAPI:
    """The API alone (no web pages), over the world's store."""
    return create_app(world.engine, settings=world.settings, routers=[])


@pytest.fixture(scope="module")
def app(world: World) -> FastAPI:
    return make_app(world)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client over HTTPS (session cookies are Secure), no credentials."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
