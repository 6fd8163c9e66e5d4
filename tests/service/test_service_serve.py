"""`salur serve` as an operator starts it: a real process on the configured store, answering
the API (and signing checkpoints with the key in SALUR_KEY_DIR)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.world import Template, World, clone

# One backend: the routes and the schema are the same on both (the other modules run both).
pytestmark = pytest.mark.parametrize("service_template", ["sqlite"], indirect=True, scope="session")


@pytest.fixture(scope="module")
def world(service_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The embedded store only: serving PostgreSQL differs by its URL alone."""
    yield from clone(service_template, tmp_path_factory.mktemp("svc-serve"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_salur_serve_answers_on_the_configured_store(world: World) -> None:
    """Started from the command line, migrated, healthy, and scoped like the in-process app."""
    port = free_port()
    env = os.environ | {
        "SALUR_DATABASE_URL": world.engine.url.render_as_string(hide_password=False),
        "SALUR_KEY_DIR": str(world.keys),
    }
    salur = str(Path(sys.executable).with_name("salur"))
    command = [salur, "serve", "--api-only", "--no-access-log", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "salur serve did not start"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "database": "sqlite"}
        assert httpx.get(f"{url}/log").json()[0]["origin"].endswith("/14")
        assert httpx.get(f"{url}/me").status_code == 401
        me = httpx.get(f"{url}/me", headers=world.auth("pps")).json()
        assert me["region"] == "14.10.01.1001"
    finally:
        server.terminate()
        server.wait(timeout=30)
