"""Plans are stored whole as immutable, numbered versions, read back exactly, and re-checked."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from salur.errors import NotFoundError, SalurError
from salur.planning import repository as repo
from salur.planning.models import PlanRouteRow, PlanRow
from salur.planning.service import PlanRequest, make_plan, recheck
from salur.planning.snapshot import from_rows
from salur.uow import UnitOfWork


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def test_a_plan_is_stored_read_back_exactly_and_rechecked(riau_store: Engine) -> None:
    """Every route, stop and time survives the store; the stored plan passes the checker."""
    with UnitOfWork(riau_store) as uow:
        outcome = make_plan(uow, PlanRequest("14.10", seed=5))
        uow.commit()
    with UnitOfWork(riau_store) as uow:
        head = repo.get_plan(uow.session, outcome.plan_id)
        assert head is not None and head.tps_count == 677 and head.tps_late == 0
        sites, routes, stops, issues = repo.plan_rows(uow.session, outcome.plan_id)
        stored = from_rows(
            head,
            sites,
            routes,
            stops,
            issues,
            outcome.data.schedule,
            outcome.plan.tps,
            outcome.plan.region_name,
        )
        assert stored.routes == outcome.plan.routes
        assert stored.sites == outcome.plan.sites
        _, report, same_data = recheck(uow, outcome.plan_id)
    assert report.ok and same_data


def test_a_second_run_is_the_next_version_and_leaves_the_first_untouched(
    riau_store: Engine,
) -> None:
    """Versions count up per region; earlier rows keep their number and content."""
    with UnitOfWork(riau_store) as uow:
        first = make_plan(uow, PlanRequest("14.10", seed=1))
        uow.commit()
    routes_before = count(riau_store, PlanRouteRow)
    with UnitOfWork(riau_store) as uow:
        second = make_plan(uow, PlanRequest("14.10", seed=2))
        uow.commit()
    assert second.version == first.version + 1
    assert count(riau_store, PlanRouteRow) == routes_before + len(second.plan.routes)
    with UnitOfWork(riau_store) as uow:
        (_, routes, _, _) = repo.plan_rows(uow.session, first.plan_id)
        assert [r.route_id for r in routes] == [r.route_id for r in first.plan.routes]


def test_stored_plans_refuse_updates_and_deletes(riau_store: Engine) -> None:
    """The database itself keeps a plan immutable, whoever connects to it."""
    with UnitOfWork(riau_store) as uow:
        make_plan(uow, PlanRequest("14.10", seed=4))
        uow.commit()
    for statement in ("UPDATE plan SET seed = seed + 1", "DELETE FROM plan_stop"):
        with pytest.raises(DBAPIError, match="immutable"), riau_store.begin() as conn:
            conn.execute(text(statement))


def test_a_failed_request_stores_nothing(riau_store: Engine) -> None:
    """An unknown region or a district code is refused before anything is written."""
    before = count(riau_store, PlanRow)
    with UnitOfWork(riau_store) as uow, pytest.raises(NotFoundError):
        make_plan(uow, PlanRequest("99"))
    with UnitOfWork(riau_store) as uow, pytest.raises(SalurError) as caught:
        make_plan(uow, PlanRequest("14.10.01"))
    assert caught.value.key == "plan.region_level"
    assert count(riau_store, PlanRow) == before
