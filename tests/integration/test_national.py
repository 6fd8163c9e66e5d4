"""The national load: all of Indonesia's 820,161 TPS, in one SQLite store (about a minute)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from salur.geo.models import District, Province, Regency, Tps, Village
from salur.geo.service import load_reference, resolve_folder
from salur.needs.service import calculate
from salur.norms.loader import load_norm
from salur.uow import UnitOfWork
from tests.conftest import new_engine

DPT_DOMESTIC = 203_056_748  # KPU DPT pleno of 2 July 2023, dalam negeri


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    for engine in new_engine("sqlite", Path(tmp_path_factory.mktemp("national"))):
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("indonesia"))
        yield engine


def test_the_national_load_has_the_official_counts(national: Engine) -> None:
    """38 provinces, 514 regencies, 7,277 kecamatan, 83,731 desa, 820,161 TPS."""
    with national.connect() as conn:
        counts = [
            conn.scalar(select(func.count()).select_from(m))
            for m in (Province, Regency, District, Village, Tps)
        ]
    assert counts == [38, 514, 7277, 83731, 820161]


def test_national_dpt_is_the_domestic_total_and_official_provinces_hold(national: Engine) -> None:
    """Estimates sum to the domestic DPT and to each province with a published total."""
    with national.connect() as conn:
        assert conn.scalar(select(func.sum(Tps.dpt))) == DPT_DOMESTIC
        jabar = conn.scalar(select(func.sum(Tps.dpt)).where(Tps.village_code.like("32.%")))
        sumut = conn.scalar(select(func.sum(Tps.dpt)).where(Tps.village_code.like("12.%")))
    assert jabar == 35_714_901
    assert sumut == 10_853_940


def test_national_needs_give_jakarta_four_kotak(national: Engine) -> None:
    """Five kotak per TPS everywhere except DKI Jakarta's 30,766 TPS, which get four."""
    with UnitOfWork(national) as uow:
        result = calculate(uow.session, "", load_norm("pemilu-2024"))
    kotak = next(i for i, ln in enumerate(result.needs.lines) if ln.code == "kotak")
    assert int(result.needs.quantity[:, kotak].sum()) == 820_161 * 5 - 30_766


def test_loading_riau_on_top_refines_riau_and_keeps_the_national_total(national: Engine) -> None:
    """Riau's own folder brings its regency totals: Riau then sums to 4,732,174, and the other
    provinces share the rest so the country still sums to the domestic DPT."""
    with UnitOfWork(national) as uow:
        load_reference(uow, resolve_folder("riau"))
    with national.connect() as conn:
        riau = conn.scalar(select(func.sum(Tps.dpt)).where(Tps.village_code.like("14.%")))
        total = conn.scalar(select(func.sum(Tps.dpt)))
        count = conn.scalar(select(func.count()).select_from(Tps))
    assert riau == 4_732_174
    assert total == DPT_DOMESTIC
    assert count == 820_161
