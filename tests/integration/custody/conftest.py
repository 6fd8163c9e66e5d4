"""Fixtures of the custody integration tests: one custody world per backend and module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.integration.custody.world import World, make_world


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """A store with Riau's log and a device per role, shared by the tests of one module."""
    yield from make_world(request.param, tmp_path_factory.mktemp(f"custody-{request.param}"))
