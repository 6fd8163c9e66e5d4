"""Stores of the incident tests: the custody world (Riau's log, a device per role) with
Kepulauan Meranti packed from full stock, one per backend and module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import salur.incidents.models
import salur.kits.models  # noqa: F401
from salur.custody.packages import KitsPackageSource, KitsSealRegistry
from salur.kits.service import pack_regency
from salur.uow import UnitOfWork
from tests.conftest import BACKENDS
from tests.integration.custody.world import World, make_world
from tests.integration.stock.meranti import (
    MERANTI,
    load_regency,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
    write_regency_folder,
)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Meranti (677 TPS) packed from its needs plus its PSU reserve; custody reads packages
    and moves seals through the kits feature."""
    tmp = tmp_path_factory.mktemp(f"incidents-{request.param}")
    for world in make_world(request.param, tmp):
        load_regency(world.engine, write_regency_folder(tmp / "meranti"))
        needs = tps_totals(needs_of(world.engine))
        reserve = psu_totals(world.engine)
        stock = {key: needs.get(key, 0) + reserve.get(key, 0) for key in {*needs, *reserve}}
        receive_all(world.engine, tmp, stock, "SJ-001")
        with UnitOfWork(world.engine) as uow:
            pack_regency(uow, MERANTI)
        world.source = KitsPackageSource()
        world.registry = KitsSealRegistry()
        yield world
