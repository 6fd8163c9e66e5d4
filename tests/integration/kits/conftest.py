"""Fixtures of the kit tests: fresh Meranti stores, and one packed Meranti per backend."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from salur.kits.service import pack_regency
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import (
    Template,
    copy_of,
    meranti,
    meranti_folder,
    meranti_template,
    needs_of,
    psu_totals,
    receive_all,
    tps_totals,
)

__all__ = ["meranti", "meranti_folder", "meranti_template", "packed", "seal_numbers"]


def stock_for_every_kit(engine: Engine, tmp: Path) -> None:
    """Receive exactly what Meranti's kits and PSU reserves need."""
    psu = psu_totals(engine)
    needs = {key: q + psu.get(key, 0) for key, q in tps_totals(needs_of(engine)).items()}
    receive_all(engine, tmp, needs, "SJ-ALL")


@pytest.fixture(scope="session")
def packed(
    meranti_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Meranti stocked with exactly its needs and PSU reserves and all 677 kits packed, shared
    by the kit tests of a session: seal tests use seal numbers of their own, labels of seals
    only what those tests applied, and packing again changes nothing."""
    tmp = tmp_path_factory.mktemp(f"packed-{meranti_template.backend}")
    for engine in copy_of(meranti_template, tmp):
        stock_for_every_kit(engine, tmp)
        with UnitOfWork(engine) as uow:
            pack_regency(uow, "14.10")
        yield engine


@pytest.fixture(scope="session")
def seal_numbers() -> Iterator[int]:
    """Seal numbers no other test of the session uses (the packed stores are shared)."""
    return itertools.count(1_000_000)
