"""Label sheets of packed kits: one label per package of the region, ids and seals printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from salur.errors import NotFoundError
from salur.kits.labels import render_labels
from salur.kits.sealing import SealAction, apply_seals, issue_seals
from salur.kits.service import labels
from salur.uow import UnitOfWork

VILLAGE = "14.10.01.1001"  # Selatpanjang Kota, Tebing Tinggi


def test_a_kecamatan_gets_one_label_per_package_in_tps_order(packed: Engine) -> None:
    """Every TPS of the kecamatan has its 7 labels together, kotak first in opening order."""
    with UnitOfWork(packed) as uow:
        found = labels(uow.session, "14.10.01")
    assert len(found) % 7 == 0 and len(found) > 7
    assert {label.tps_code[:6] for label in found} == {"141001"}
    first = found[:7]
    assert [(label.seq, label.of) for label in first] == [(i, 7) for i in range(1, 8)]
    assert [label.colour for label in first[:5]] == ["grey", "yellow", "red", "blue", "green"]
    assert first[4].dapil_name.startswith("KEPULAUAN MERANTI")
    assert [label.tps_code for label in found] == sorted(label.tps_code for label in found)


def test_a_village_sheet_prints_its_ids_and_applied_seals(
    packed: Engine, seal_numbers: Iterator[int], tmp_path: Path
) -> None:
    """Sealing a package before printing puts its seal numbers on its label."""
    with UnitOfWork(packed) as uow:
        found = labels(uow.session, VILLAGE)
    target = found[1].package_id
    number = next(seal_numbers)
    next(seal_numbers)
    with UnitOfWork(packed) as uow:
        issue_seals(uow, "14.10", number, number + 1)
    with UnitOfWork(packed) as uow:
        apply_seals(uow, [SealAction(number, target), SealAction(number + 1, target)])
    with UnitOfWork(packed) as uow:
        found = labels(uow.session, VILLAGE)
    assert found[1].seals == (number, number + 1)
    pages = render_labels(found, tmp_path / "desa.pdf")
    assert pages == -(-len(found) // 8)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "desa.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(label.package_id in text for label in found)
    assert f"{number}, {number + 1}" in text


def test_labels_of_an_unknown_region_are_refused(packed: Engine) -> None:
    """A mistyped region code is an error, not an empty sheet."""
    with UnitOfWork(packed) as uow, pytest.raises(NotFoundError):
        labels(uow.session, "14.10.99")
