"""Schemathesis over the app's own OpenAPI description, as each role and as the public: requests
generated from the schema never get a 5xx, and every answer (status, content type, body) is
one the schema documents. A few examples per operation keep it to well under a minute."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from tests.service.world import SCOPES, Template, World, clone

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 2
# Signing out would end the role's token for the operations after it (tested on its own).
SKIPPED = {"POST /auth/logout"}


# One backend: the routes and the schema are the same on both (the other modules run both).
pytestmark = pytest.mark.parametrize("service_template", ["sqlite"], indirect=True, scope="session")


@pytest.fixture(scope="module")
def world(service_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The embedded store only: the schema and the routes are the same on both backends, and
    the API's behaviour on PostgreSQL is covered by the other modules."""
    yield from clone(service_template, tmp_path_factory.mktemp("svc-fuzz"))


@pytest.fixture(scope="module")
def schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_openapi_description_is_complete(schema: schemathesis.BaseSchema) -> None:
    """Every operation documents its errors in the one Problem shape."""
    paths = world_spec(schema)["paths"]
    assert len(paths) >= 40
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status in ("401", "403", "404", "409", "422"):
                assert status in operation["responses"], (method, path, status)


def world_spec(schema: schemathesis.BaseSchema) -> dict[str, Any]:
    spec: dict[str, Any] = schema.raw_schema
    return spec


@pytest.mark.parametrize("role", [None, *SCOPES])
def test_generated_requests_get_no_server_error_and_conform(
    schema: schemathesis.BaseSchema, world: World, role: str | None
) -> None:
    """As `role` (None: the public), every operation, a few generated requests each."""
    headers = world.auth(role) if role else {}
    failures: list[str] = []
    calls: list[int] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if operation.label in SKIPPED:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case[Any]) -> None:
            calls.append(1)
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as failure:
            failures.append(f"{operation.label}: {str(failure)[:600]}")
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= len(list(schema.get_all_operations())) - len(SKIPPED)
    assert time.monotonic() - started < 60
