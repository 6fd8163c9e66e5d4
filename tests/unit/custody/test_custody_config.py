"""The custody rule files: deadlines and witnesses per hop are data, checked on load."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from salur.custody.config import RULES_DIR, load_rules
from salur.custody.states import HOPS
from salur.errors import InputError


def test_the_shipped_deadlines_are_the_planner_independent_defaults() -> None:
    """PPK by H-7, PPS by H-2, TPS by H-1, end of the day in WIB (UTC+7)."""
    rules = load_rules(RULES_DIR)
    deadlines = {hop: rules.deadline(HOPS[hop]) for hop in ("warehouse_ppk", "ppk_pps", "pps_kpps")}
    assert deadlines == {
        "warehouse_ppk": dt.datetime(2024, 2, 7, 16, 59, 59, tzinfo=dt.UTC),
        "ppk_pps": dt.datetime(2024, 2, 12, 16, 59, 59, tzinfo=dt.UTC),
        "pps_kpps": dt.datetime(2024, 2, 13, 16, 59, 59, tzinfo=dt.UTC),
    }
    assert rules.deadline(HOPS["ppk_warehouse"]) is None


def test_voting_day_starts_at_local_midnight() -> None:
    """17:00 UTC on 13 February is already 14 February in Riau."""
    rules = load_rules(RULES_DIR)
    assert not rules.voting_day_reached(dt.datetime(2024, 2, 13, 16, 59, 59, tzinfo=dt.UTC))
    assert rules.voting_day_reached(dt.datetime(2024, 2, 13, 17, 0, tzinfo=dt.UTC))


def test_an_office_moves_a_deadline_by_editing_one_file(tmp_path: Path) -> None:
    """The rule of thumb "PPK by H-14" is one line in warehouse_ppk.toml."""
    folder = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    hop = folder / "warehouse_ppk.toml"
    hop.write_text(hop.read_text().replace('deadline = "H-7"', 'deadline = "H-14"'))
    deadline = load_rules(folder).deadline(HOPS["warehouse_ppk"])
    assert deadline == dt.datetime(2024, 1, 31, 16, 59, 59, tzinfo=dt.UTC)


def test_a_witness_role_nobody_defined_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A typo in a hop file is an error on load, not a witness nobody can ever satisfy."""
    folder = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    hop = folder / "ppk_pps.toml"
    hop.write_text(hop.read_text().replace('"polisi"]', '"polis"]'))
    with pytest.raises(InputError) as refused:
        load_rules(folder)
    assert refused.value.file.endswith("ppk_pps.toml") and "polis" in str(refused.value)


def test_a_bad_deadline_is_refused_with_its_field(tmp_path: Path) -> None:
    """Deadlines are H, H-n or H+n."""
    folder = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    hop = folder / "pps_kpps.toml"
    hop.write_text(hop.read_text().replace('deadline = "H-1"', 'deadline = "13 Feb"'))
    with pytest.raises(InputError) as refused:
        load_rules(folder)
    assert refused.value.field == "deadline"
