"""Importing official DPT per TPS: kept as given, the rest re-scaled, bad files write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from salur.errors import InputError
from salur.geo.models import Tps
from salur.geo.service import load_reference, resolve_folder
from salur.uow import UnitOfWork
from salur.voters.service import import_dpt
from tests.conftest import fingerprint


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A private Riau store: these tests change DPT figures."""
    from tests.conftest import new_engine

    for engine in new_engine(request.param, tmp_path_factory.mktemp("dpt")):
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("riau"))
        yield engine


def pelalawan_sum(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(select(func.sum(Tps.dpt)).where(Tps.village_code.like("14.05.%"))) or 0
        )


def write_csv(tmp_path: Path, rows: list[str], header: str = "tps_code,dpt") -> Path:
    path = tmp_path / "dpt.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_official_figures_are_kept_and_the_regency_still_sums_to_its_total(
    store: Engine, tmp_path: Path
) -> None:
    """Imported TPS keep their DPT and become official; Pelalawan still totals 281,120."""
    rows = ["1405102002001,201", "1405102002002,199", "1405102002003,250"]
    with UnitOfWork(store) as uow:
        report = import_dpt(uow, write_csv(tmp_path, rows))
    assert report.imported == 3
    with store.connect() as conn:
        got = dict(
            conn.execute(select(Tps.code, Tps.dpt).where(Tps.dpt_source == "official")).all()
        )
    assert got == {"1405102002001": 201, "1405102002002": 199, "1405102002003": 250}
    assert pelalawan_sum(store) == 281_120


def test_importing_the_same_file_twice_changes_nothing(store: Engine, tmp_path: Path) -> None:
    """A retried import is applied once: the second run moves no estimate."""
    path = write_csv(tmp_path, ["1405102002001,201"])
    with UnitOfWork(store) as uow:
        import_dpt(uow, path)
    before = fingerprint(store)
    with UnitOfWork(store) as uow:
        report = import_dpt(uow, path)
    assert report.estimates_changed == 0
    assert fingerprint(store) == before


@pytest.mark.parametrize(
    ("rows", "row", "column"),
    [
        (["1405102002001,201", "9999999999999,10"], 3, "tps_code"),
        (["1405102002001,-5"], 2, "dpt"),
        (["1405102002001,12.5"], 2, "dpt"),
        (["1405102002001,201", "1405102002001,202"], 3, "tps_code"),
    ],
    ids=["unknown TPS", "negative DPT", "not a whole number", "duplicate TPS"],
)
def test_a_bad_dpt_file_is_refused_and_writes_nothing(
    store: Engine, tmp_path: Path, rows: list[str], row: int, column: str
) -> None:
    """The error names the row and column; no TPS changes."""
    before = fingerprint(store)
    with pytest.raises(InputError) as caught, UnitOfWork(store) as uow:
        import_dpt(uow, write_csv(tmp_path, rows))
    assert (caught.value.row, caught.value.column) == (row, column)
    assert fingerprint(store) == before
