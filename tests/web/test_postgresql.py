"""The pages on PostgreSQL: the same world built in a schema of its own, the figures, exports
and scopes that the SQLite tests check in depth, checked once more here."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from salur.db import make_engine
from salur.service.app import create_app
from tests.conftest import POSTGRES_URL
from tests.web.conftest import signed_in
from tests.web.pages import column, number, tables, workbook_rows
from tests.web.test_scope import personal_data, public_pages
from tests.web.world import CLOCK, DISTRICT, MERANTI, WebWorld, build_world

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def pg_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    schema = f"web_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    previous = os.environ.get("SALUR_CLOCK")
    os.environ["SALUR_CLOCK"] = CLOCK
    try:
        yield build_world(tmp_path_factory.mktemp("web-pg"), engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        if previous is None:
            os.environ.pop("SALUR_CLOCK", None)
        else:
            os.environ["SALUR_CLOCK"] = previous


@pytest.fixture(scope="module")
def pg_app(pg_world: WebWorld) -> FastAPI:
    assert pg_world.engine.dialect.name == "postgresql"
    return create_app(pg_world.engine, settings=pg_world.settings)


def test_the_dashboard_and_its_exports_on_postgresql(pg_app: FastAPI) -> None:
    """Tebing Tinggi's 202 kits at the PPK, 18 at the PPS; every table exports."""
    client = signed_in(pg_app, "kpu-meranti")
    progress = tables(client.get(f"/dashboard/{MERANTI}", headers=HTML).text)["progress"]
    row = column(progress, "Kode").index(DISTRICT)
    assert number(column(progress, "Di PPK")[row]) == 202
    assert number(column(progress, "Di PPS")[row]) == 18
    for name in ("progress", "late", "workflow", "incidents", "escorts", "shortages", "events"):
        workbook_rows(client.get(f"/dashboard/{MERANTI}/export/{name}.xlsx").content)
    province = tables(signed_in(pg_app, "kpu-riau").get("/dashboard/14", headers=HTML).text)
    assert set(column(province["shortages"], "Kabupaten")) == {"Kota Dumai"}


def test_the_public_and_bawaslu_pages_keep_to_their_scope_on_postgresql(
    pg_app: FastAPI, pg_world: WebWorld
) -> None:
    """No personal data in public; Bawaslu sees its witnessed handovers and nothing of Dumai."""
    for path, page in public_pages(TestClient(pg_app, base_url="https://testserver")).items():
        assert personal_data(pg_world, page) == [], path
    page = signed_in(pg_app, "bawaslu-meranti").get(f"/bawaslu/{MERANTI}", headers=HTML).text
    assert personal_data(pg_world, page, except_user="bawaslu-meranti") == []
    assert "Dumai" not in page and len(tables(page)["witnessed"]) > 1
    context = signed_in(pg_app, "pps-lapangan").get("/field/api/context").json()
    assert len({p["tps"] for p in context["packages"]}) == 11
