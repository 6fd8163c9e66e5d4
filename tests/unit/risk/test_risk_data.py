"""The risk data files: every figure labelled, the reported ones as their sources say."""

from __future__ import annotations

from pathlib import Path

import pytest

from salur.errors import InputError
from salur.risk.config import PACKAGE_DATA, load_risk_data

FLOOD_LIST_2024_02_07 = {
    "14.01": 122,
    "14.02": 98,
    "14.03": 32,
    "14.04": 64,
    "14.05": 35,
    "14.06": 101,
    "14.07": 185,
    "14.08": 7,
    "14.09": 179,
    "14.10": 20,
    "14.72": 2,
}


def test_every_section_of_the_hazards_is_labelled_reported_or_assumption() -> None:
    """No figure is silent about where it comes from."""
    data = load_risk_data()
    assert data.assumptions
    for item in data.assumptions:
        assert item.status in ("reported", "assumption"), item.section
        assert item.basis or item.source, item.section
    reported = [a for a in data.assumptions if a.status == "reported"]
    assert all(a.source.startswith("https://") for a in reported)


def test_flood_prone_tps_are_the_845_of_the_february_2024_list() -> None:
    """The regency figures add up to the 845 TPS KPU Riau and the Governor reported (Pekanbaru
    taken from KPU Pekanbaru's own count)."""
    data = load_risk_data()
    assert {k: data.flood_prone[k] for k in FLOOD_LIST_2024_02_07} == FLOOD_LIST_2024_02_07
    assert sum(FLOOD_LIST_2024_02_07.values()) == 845
    assert data.flood_prone["14.71"] == 84


def test_past_incidents_and_carriers_name_their_source_or_say_they_are_assumed() -> None:
    """Every record has a source; a carrier without one is marked an assumption."""
    data = load_risk_data()
    assert {h.code for h in data.history} >= {"14.05.10", "14.01.08.2005", "14.04.15"}
    assert all(h.source_url for h in data.history)
    for carrier in data.carriers:
        assert carrier.source_url or carrier.status == "assumption", carrier.id
        assert "ASSUMPTION" in carrier.note or carrier.status == "assumption", carrier.id
    kinds = {c.kind for c in data.carriers}
    assert {"navy", "sar", "regional_government"} <= kinds


def test_a_bad_hazards_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    """A probability above 1 stops the load with the file and the field."""
    text = (PACKAGE_DATA / "hazards.toml").read_text(encoding="utf-8")
    (tmp_path / "hazards.toml").write_text(
        text.replace("cancel_probability = 0.05", "cancel_probability = 1.5"), encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_risk_data(tmp_path)
    assert caught.value.field == "ferry.cancel_probability"
    assert caught.value.file.endswith("hazards.toml")
