"""Loading reference data: known counts, idempotence, and bad files that write nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from salur.config import PACKAGE_DATA
from salur.errors import InputError
from salur.geo.models import District, DptTotal, Regency, Tps, Village
from salur.geo.service import load_reference, resolve_folder
from salur.uow import UnitOfWork
from tests.conftest import fingerprint


def count(engine: Engine, model: type, where: object = None) -> int:
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(model)
        if where is not None:
            stmt = stmt.where(where)  # type: ignore[arg-type]
        return int(conn.scalar(stmt) or 0)


def test_riau_loads_with_the_official_counts(riau_store: Engine) -> None:
    """Riau has 12 regencies, 172 kecamatan, 1,862 desa and 19,366 TPS (19,319 + 47 special)."""
    assert count(riau_store, Regency) == 12
    assert count(riau_store, District) == 172
    assert count(riau_store, Village) == 1862
    assert count(riau_store, Tps) == 19366
    assert count(riau_store, Tps, Tps.kind == "regular") == 19319
    assert count(riau_store, Tps, Tps.kind == "special") == 47


@pytest.mark.parametrize(
    ("district", "expected"),
    [("14.03.10", 107), ("14.04.08", 146), ("14.05.10", 60)],
    ids=["Rupat", "Kateman", "Kuala Kampar"],
)
def test_kecamatan_tps_counts_match_the_news(
    riau_store: Engine, district: str, expected: int
) -> None:
    """TPS counts quoted in the 2024 dispatch news come out of the loaded data."""
    assert count(riau_store, Tps, Tps.village_code.like(district + ".%")) == expected


def test_riau_dpt_sums_to_the_official_total_in_every_regency(riau_store: Engine) -> None:
    """Estimated DPT per TPS sums to 4,732,174 and to each regency's official figure."""
    with riau_store.connect() as conn:
        assert conn.scalar(select(func.sum(Tps.dpt))) == 4_732_174
        totals = dict(conn.execute(select(DptTotal.region_code, DptTotal.dpt)).all())
        per_regency = conn.execute(
            select(District.regency_code, func.sum(Tps.dpt))
            .join(Village, Village.code == Tps.village_code)
            .join(District, District.code == Village.district_code)
            .group_by(District.regency_code)
        ).all()
        sources = set(conn.scalars(select(Tps.dpt_source).distinct()))
    assert len(per_regency) == 12
    for regency, dpt in per_regency:
        assert dpt == totals[regency], regency
    assert sources == {"estimated"}


def test_estimated_dpt_stays_plausible(riau_store: Engine) -> None:
    """No estimated TPS is empty or wildly above the 300-voter legal maximum."""
    with riau_store.connect() as conn:
        low, high = conn.execute(select(func.min(Tps.dpt), func.max(Tps.dpt))).one()
    assert low > 50
    assert high < 400


def test_second_load_changes_nothing(riau_store: Engine) -> None:
    """Loading the same folder again inserts, updates and re-estimates nothing."""
    before = fingerprint(riau_store)
    with UnitOfWork(riau_store) as uow:
        report = load_reference(uow, resolve_folder("riau"))
    assert report.changed == 0
    assert report.tables["tps"].unchanged == 19366
    assert fingerprint(riau_store) == before


def _copy_riau(tmp_path: Path) -> Path:
    folder = tmp_path / "riau"
    shutil.copytree(PACKAGE_DATA / "riau", folder)
    return folder


def _edit(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _drop_column(lines: list[str], column: str) -> list[str]:
    header = lines[0].split(",")
    i = header.index(column)
    return [",".join(c for j, c in enumerate(lines[0].split(",")) if j != i), *lines[1:]]


BAD_FILES: dict[str, tuple[str, Callable[[list[str]], list[str]], int | None, str | None]] = {
    "missing column": (
        "districts.csv",
        lambda ls: _drop_column(ls, "regency_code"),
        1,
        "regency_code",
    ),
    "duplicate code": ("regencies.csv", lambda ls: [*ls, ls[1]], 14, "code"),
    "TPS in unknown desa": (
        "tps.csv",
        lambda ls: [*ls, "1499999999001,14.99.99.9999,14.99.99,14.99,1,TPS 001,reguler"],
        19368,
        "village_code",
    ),
    "negative count": (
        "villages.csv",
        lambda ls: [ls[0], ls[1].replace(",6437,26,", ",-6437,26,"), *ls[2:]],
        2,
        "dpt_reported",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_is_refused_precisely_and_writes_nothing(
    riau_store: Engine, tmp_path: Path, case: str
) -> None:
    """A defect is reported with file, row and column, and the store stays as it was."""
    file, change, row, column = BAD_FILES[case]
    folder = _copy_riau(tmp_path)
    _edit(folder / file, change)
    before = fingerprint(riau_store)
    with pytest.raises(InputError) as caught, UnitOfWork(riau_store) as uow:
        load_reference(uow, folder)
    assert Path(caught.value.file).name == file
    assert caught.value.row == row
    assert caught.value.column == column
    assert fingerprint(riau_store) == before


def test_a_failure_after_writing_began_rolls_everything_back(
    riau_store: Engine, tmp_path: Path
) -> None:
    """A load that fails after rows were written (here: in the DPT phase) leaves nothing behind."""
    folder = _copy_riau(tmp_path)
    _edit(
        folder / "villages.csv",
        lambda ls: [ls[0], ls[1].replace("Bangkinang,", "Bangkinang X,", 1), *ls[2:]],
    )
    before = fingerprint(riau_store)

    class BoomError(RuntimeError):
        pass

    class FailingProgress:
        def phase(self, name: str, total: int | None = None) -> None:
            if name == "load.estimate":
                raise BoomError

        def advance(self, steps: int = 1) -> None:
            return None

    with pytest.raises(BoomError), UnitOfWork(riau_store) as uow:
        load_reference(uow, folder, FailingProgress())
    assert fingerprint(riau_store) == before
