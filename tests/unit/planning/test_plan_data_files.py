"""The planning data files: the shipped set loads, and a bad row is named by file, row, column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from salur.errors import InputError
from salur.planning.config import FILES, PACKAGE_DATA, load_planning_data
from salur.planning.escorts import EscortRules
from salur.planning.modes import TravelClass


def copy_data(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(PACKAGE_DATA / name, tmp_path / name)
    return tmp_path


def test_the_shipped_data_loads_and_covers_every_riau_regency() -> None:
    """Modes, calendar, ports, fleet, escorts and a Polres roster for all 12 regencies."""
    data = load_planning_data()
    assert set(data.modes.modes) >= {"truck", "pickup", "pompong", "speedboat", "roro"}
    assert len(data.roster) == 12
    assert {p.id for p in data.waterways.ports} >= {
        "P-DUMAI",
        "P-TANJUNGKAPAL",
        "P-AIRPUTIH",
        "P-SUNGAISELARI",
        "P-SELATPANJANG",
        "P-TANJUNGBUTON",
        "P-TEMBILAHAN",
        "P-TELUKMERANTI",
        "P-TELUKDALAM",
    }
    assert all(p.status in ("assumption", "reported") for p in data.waterways.ports)
    assert [e.deadline_day for e in data.schedule.echelons] == [-14, -7, -1]
    assert data.schedule.voting_day.isoformat() == "2024-02-14"


def test_an_office_overrides_one_file_and_keeps_the_rest(tmp_path: Path) -> None:
    """A folder with only schedule.toml changes the deadlines and the data fingerprint."""
    text = (
        (PACKAGE_DATA / "schedule.toml")
        .read_text()
        .replace('deadline = "H-14"', 'deadline = "H-10"')
    )
    (tmp_path / "schedule.toml").write_text(text)
    data = load_planning_data(tmp_path)
    assert data.schedule.echelons[0].deadline_day == -10
    assert data.sha256 != load_planning_data().sha256
    assert data.files["fleet.csv"] == PACKAGE_DATA / "fleet.csv"


def test_a_fleet_row_with_an_unknown_mode_names_its_row_and_column(tmp_path: Path) -> None:
    """Row 3 of fleet.csv saying 'helicopter' is refused with that row and column."""
    folder = copy_data(tmp_path)
    lines = (folder / "fleet.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",truck,", ",helicopter,", 1)
    (folder / "fleet.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        load_planning_data(folder)
    assert (caught.value.row, caught.value.column) == (3, "mode")


def test_a_ro_ro_link_without_a_timetable_is_refused(tmp_path: Path) -> None:
    """A ferry with no departures cannot be scheduled, so the file is rejected."""
    folder = copy_data(tmp_path)
    text = (folder / "water_links.csv").read_text()
    text = text.replace(
        "06:00;07:00;08:00;09:00;10:00;11:00;12:00;13:00;14:00;15:00;16:00;17:00", ""
    )
    (folder / "water_links.csv").write_text(text)
    with pytest.raises(InputError) as caught:
        load_planning_data(folder)
    assert caught.value.column == "departures"


def test_a_dispatch_window_opening_after_its_deadline_is_refused(tmp_path: Path) -> None:
    """Kits cannot leave after they are due."""
    (tmp_path / "schedule.toml").write_text(
        (PACKAGE_DATA / "schedule.toml").read_text().replace('"H-21"', '"H-10"')
    )
    with pytest.raises(InputError, match="dispatch_from"):
        load_planning_data(tmp_path)


def test_regency_rows_override_wildcards_and_big_bases_get_more_units() -> None:
    """Meranti's own trucks replace nothing it does not name; a PPS with 40 TPS gets 5 vehicles."""
    data = load_planning_data()
    trucks = data.fleet.at("14.10", "warehouse", "14-S05", data.modes, TravelClass.LAND)
    assert [(s.vehicle_type, s.count, s.hired) for s in trucks] == [
        ("truck_6w", 12, False),
        ("truck_6w_hired", 30, True),
    ]
    (local,) = data.fleet.at("14.10", "pps", "x", data.modes, TravelClass.LAND, kits=40)
    assert local.count == 5
    boats = data.fleet.at("14.04", "port", "P-TEMBILAHAN", data.modes, TravelClass.WATER)
    assert "sea_boat_hired" in {s.vehicle_type for s in boats}


def test_escort_size_follows_route_risk_length_and_vulnerability() -> None:
    """Road 2, boat 3, +1 on long tours, + a quarter officer per very vulnerable kit."""
    rules: EscortRules = load_planning_data().escorts
    assert rules.for_tour({"road"}, 3600, ["kurang_rawan"] * 20) == 2
    assert rules.for_tour({"road", "boat"}, 3600, []) == 3
    assert rules.for_tour({"road"}, 9 * 3600, []) == 3
    assert rules.for_tour({"road"}, 3600, ["sangat_rawan"] * 5) == 4
    assert rules.guards(["kurang_rawan"] * 4) == 1
    assert rules.guards(["sangat_rawan", "rawan"]) == 3


def test_vulnerability_can_be_set_for_a_whole_kecamatan() -> None:
    """A kecamatan code in tps_vulnerability.csv applies to every TPS under it."""
    data = load_planning_data()
    levels = type(data.vulnerability)({"14.10.03": "rawan"}, "kurang_rawan")
    assert levels.level("1410032001001", "14.10.03.2001") == "rawan"
    assert levels.level("1410012005001", "14.10.01.2005") == "kurang_rawan"
