"""The pieces the service is built from, each on its own: region scopes, sequence gaps, login
throttling, language negotiation, the public view of an entry, route rules, and the schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import APIRouter
from sqlalchemy import Engine

from salur.db import Base
from salur.identity.regions import RegionLevel, common_region, is_region, level_of, within
from salur.identity.throttle import Limit, retry_after
from salur.identity.tokens import csrf_for, new_token, same, token_digest
from salur.service.access import Allow, Grant, Rule
from salur.service.app import create_app
from salur.service.language import negotiate
from salur.service.redaction import redact
from salur.service.routing import ScopedRouter
from salur.service.settings import ServiceSettings
from salur.service.sync.sequence import advance

MINE = ("identity_", "sync_", "supervision_")


def test_region_codes_nest_by_their_digits() -> None:
    """A regency holds its desa and TPS; '14.1' is no code; levels follow the widths."""
    assert within("1410011001001", "14.10") and within("14.10.01.1001", "14.10.01")
    assert not within("14.72", "14.10") and not within("14.10", "14.10.01")
    assert within("14.10", "") and not within("", "14")
    assert not is_region("14.1") and is_region("1410011001001") and is_region("14")
    assert [level_of(c) for c in ("", "14", "14.10", "14.10.01", "14.10.01.1001")] == [
        RegionLevel.COUNTRY,
        RegionLevel.PROVINCE,
        RegionLevel.REGENCY,
        RegionLevel.DISTRICT,
        RegionLevel.VILLAGE,
    ]


def test_the_region_of_many_tps_is_the_smallest_holding_them_all() -> None:
    """Two TPS of one desa: the desa; of two kecamatan: the regency; one TPS: itself."""
    assert common_region(["1410011001001", "1410011001002"]) == "14.10.01.1001"
    assert common_region(["1410011001001", "1410021001001"]) == "14.10"
    assert common_region(["1410011001001"]) == "1410011001001"
    assert common_region(["1410011001001", "1372011001001"]) == ""
    assert common_region([]) == ""


def test_sequence_gaps_are_the_missing_numbers_above_the_contiguous_run() -> None:
    """1, 2, 5, 7 arrived: contiguous 2, gaps 3-4 and 6; repeats and old numbers change nothing."""
    state = advance(0, [5, 1, 2, 7, 2])
    assert (state.contiguous, state.highest, state.gaps) == (2, 7, ((3, 4), (6, 6)))
    assert advance(2, [3, 4, 5, 6, 7, 1]).gaps == ()
    assert advance(2, [3, 4, 5, 6, 7]).contiguous == 7
    assert advance(9, []) == advance(9, [1, 2, 3])


def test_login_waits_only_once_the_limit_is_reached_and_until_the_window_moves_on() -> None:
    """Four failures pass; the fifth makes the next wait until the oldest counted one is old."""
    limit = Limit(5, dt.timedelta(minutes=15))
    now = dt.datetime(2024, 2, 1, 12, 0, tzinfo=dt.UTC)
    minutes = [now - dt.timedelta(minutes=m) for m in (14, 10, 6, 3)]
    assert retry_after(minutes, now, limit) is None
    assert retry_after([*minutes, now], now, limit) == 60
    assert retry_after([now - dt.timedelta(minutes=20)] * 10, now, limit) is None


def test_tokens_are_stored_as_digests_and_csrf_is_bound_to_the_session() -> None:
    """A CSRF token is worthless with another session; missing tokens never match."""
    one, two = new_token(), new_token()
    assert one != two and len(token_digest(one)) == 64 and one not in token_digest(one)
    assert same(csrf_for(one), csrf_for(one)) and not same(csrf_for(one), csrf_for(two))
    assert not same(None, csrf_for(one)) and not same("", "")


@pytest.mark.parametrize(
    ("query", "header", "chosen"),
    [
        (None, None, "id"),
        ("en", None, "en"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,id;q=0.4,en;q=0.3", "id"),
        (None, "en;q=0", "id"),
        ("fr", "en", "en"),
        ("id", "en", "id"),
    ],
)
def test_the_language_is_asked_for_else_negotiated_else_indonesian(
    query: str | None, header: str | None, chosen: str
) -> None:
    """?lang= wins, then the best Accept-Language salur speaks, then Bahasa Indonesia."""
    assert negotiate(query, header) == chosen


def test_the_public_view_of_an_entry_drops_people_and_devices() -> None:
    """Pseudonyms, device ids, keys, signatures and GPS go; what moved where stays."""
    entry = {
        "event": {
            "type": "handover",
            "giver": {
                "role": "ppk",
                "region": "14.10.01",
                "person": "p-" + "a" * 32,
                "device": "D-PPK-1",
            },
            "gps": {"lat": 1.0, "lon": 102.0},
            "items": [{"package": "K-1", "count": 3}],
        },
        "signatures": [{"party": "giver", "device": "D-PPK-1", "sig": "xyz"}],
        "device": {"id": "D-PPK-1", "role": "ppk", "region": "14.10.01", "key_id": "ab"},
    }
    assert redact(entry) == {
        "event": {
            "type": "handover",
            "giver": {"role": "ppk", "region": "14.10.01"},
            "items": [{"package": "K-1", "count": 3}],
        },
        "signatures": [{"party": "giver"}],
        "device": {"role": "ppk", "region": "14.10.01"},
    }


def test_a_route_without_an_access_rule_cannot_even_be_added() -> None:
    """The scoped router refuses it at once."""
    router = ScopedRouter()
    with pytest.raises(RuntimeError, match="declares no access rule"):

        @router.get("/open")
        def open_route() -> dict[str, str]:
            return {}


def test_the_app_refuses_to_start_with_a_route_that_has_no_rule(tmp_path: Path) -> None:
    """A plain router slipped in (say by the web UI) stops create_app, naming the route."""
    from salur.db import make_engine

    stray = APIRouter()

    @stray.get("/stray")
    def stray_route() -> dict[str, str]:
        return {}

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(RuntimeError, match="GET /stray"):
        create_app(engine, settings=ServiceSettings(key_dir=tmp_path), routers=[stray])


ONE, TWO = Rule("one", None), Rule("two", None)


def twice(a: Annotated[Grant, Allow(ONE)], b: Annotated[Grant, Allow(TWO)]) -> dict[str, str]:
    """A route that declares two rules."""
    return {}


def test_a_route_declaring_two_rules_is_refused(tmp_path: Path) -> None:
    """One route, one rule: two would leave it unclear which one holds."""
    from salur.db import make_engine

    router = APIRouter()
    router.get("/twice")(twice)
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(ValueError, match="2 rules"):
        create_app(engine, settings=ServiceSettings(key_dir=tmp_path), routers=[router])


def test_a_grant_is_made_only_by_an_access_rule() -> None:
    """No route can fabricate a wider region for itself."""
    from salur.identity.principal import PUBLIC

    with pytest.raises(TypeError):
        Grant(PUBLIC, "", Rule("x", None), mint=object())


def test_the_migration_makes_exactly_the_tables_the_models_describe(
    empty_store: Engine,
) -> None:
    """No difference between revision 0006 and the identity and service models."""
    with empty_store.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d for d in compare_metadata(context, Base.metadata) if any(m in str(d) for m in MINE)
        ]
    assert differences == []
