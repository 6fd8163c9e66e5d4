"""Labelled defaults for regencies the planning files do not cover, on small hand-made regions."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from salur.errors import InputError
from salur.planning.completion import complete_for_region
from salur.planning.config import FILES, PACKAGE_DATA, PlanningData, load_planning_data
from salur.planning.inputs import DistrictIn, KitIn, PlanningInputs, RegencyIn, VillageIn
from salur.planning.waterways import LinkSpec, PortSpec

DATA = load_planning_data()


def village(
    code: str, lat: float, lon: float, kind: str = "desa", landmass: str | None = None
) -> VillageIn:
    return VillageIn(code, code[:8], f"Desa {code}", kind, lat, lon, landmass, None)


def region(villages: list[VillageIn], tps_per_village: int = 3) -> PlanningInputs:
    """One regency 99.01 of two kecamatan, ``tps_per_village`` TPS of 25 kg in each desa."""
    kits = tuple(
        KitIn(f"{v.code}-{k:03d}", v.code, 25_000, 120_000)
        for v in villages
        for k in range(1, tps_per_village + 1)
    )
    return PlanningInputs(
        region="99.01",
        region_name="Kabupaten Contoh",
        regencies=(RegencyIn("99.01", "Kabupaten Contoh"),),
        districts=(
            DistrictIn("99.01.01", "99.01", "Kec. Satu"),
            DistrictIn("99.01.02", "99.01", "Kec. Dua"),
        ),
        villages=tuple(villages),
        warehouses=(),
        kits=kits,
    )


def copy_data(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(PACKAGE_DATA / name, tmp_path / name)
    return tmp_path


def test_a_regency_without_rows_gets_a_seat_depot_mandau_trucks_and_a_roster() -> None:
    """Depot at the kelurahan with most TPS; ceil(TPS / 56.8) trucks; escorts max(40, ...)."""
    villages = [
        village("99.01.01.2001", -5.0, 120.0),
        village("99.01.01.1002", -5.01, 120.02, kind="kelurahan"),
        village("99.01.02.2003", -5.05, 120.05),
    ]
    inputs = region(villages, tps_per_village=100)
    done = complete_for_region(inputs, DATA)
    assert done.used.depots == done.used.fleet == done.used.rosters == ("99.01",)
    depot = done.data.depots["99.01"]
    assert (depot.site_id, depot.village) == ("99.01-DEPOT", "99.01.01.1002")
    (trucks,) = [s for s in done.data.fleet.specs if s.regency == "99.01"]
    assert (trucks.base, trucks.vehicle_type, trucks.count) == ("warehouse", "truck_6w", 6)
    assert (trucks.capacity_g, trucks.hired) == (5_000_000, False)
    roster = done.data.roster["99.01"]
    assert (roster.escort_per_day, roster.tps_guards) == (40, 150)
    assert "Kabupaten Contoh" in roster.polres


def test_the_mandau_ratio_gives_five_trucks_for_284_tps() -> None:
    """The one public figure the default fleet is scaled from: 5 trucks for 284 TPS."""
    villages = [village("99.01.01.2001", -5.0, 120.0), village("99.01.02.2002", -5.1, 120.1)]
    inputs = region(villages, tps_per_village=142)
    done = complete_for_region(inputs, DATA)
    (trucks,) = [s for s in done.data.fleet.specs if s.regency == "99.01"]
    assert trucks.count == 5


def test_a_regencys_own_rows_win_over_every_default() -> None:
    """With its own depot, fleet and roster rows, nothing of the regency is defaulted."""
    villages = [village("99.01.01.2001", -5.0, 120.0), village("99.01.02.2002", -5.1, 120.1)]
    inputs = region(villages)
    first = complete_for_region(inputs, DATA)
    again = complete_for_region(first.inputs, first.data)
    assert not again.used.any
    assert again.data == first.data


def test_an_island_with_no_port_gets_one_default_crossing_from_the_nearest_desa() -> None:
    """Two desa on the mainland and two on an island: one boat link, between the closest pair,
    with a default jetty at each end."""
    villages = [
        village("99.01.01.1001", -5.00, 120.00, kind="kelurahan", landmass="MAIN"),
        village("99.01.01.2002", -5.00, 120.20, landmass="MAIN"),
        village("99.01.02.2003", -5.00, 120.30, landmass="ISLE"),
        village("99.01.02.2004", -5.00, 120.50, landmass="ISLE"),
    ]
    done = complete_for_region(region(villages), DATA)
    assert done.used.water_links == ("LD-99.01.01.2002-99.01.02.2003",)
    (link,) = [lk for lk in done.data.waterways.links if lk.id.startswith("LD-")]
    assert (link.a, link.b, link.kind, link.status) == (
        "PD-99.01.01.2002",
        "PD-99.01.02.2003",
        "boat",
        "default",
    )
    jetties = {p.id: p for p in done.data.waterways.ports if p.status == "default"}
    assert set(jetties) == {"PD-99.01.01.2002", "PD-99.01.02.2003"}


def test_islands_are_chained_nearest_first() -> None:
    """A far island is joined to the nearer island, not to the mainland (a spanning tree)."""
    villages = [
        village("99.01.01.1001", -5.00, 120.00, kind="kelurahan", landmass="MAIN"),
        village("99.01.02.2002", -5.00, 120.30, landmass="NEAR"),
        village("99.01.02.2003", -5.00, 120.60, landmass="FAR"),
    ]
    done = complete_for_region(region(villages), DATA)
    assert done.used.water_links == (
        "LD-99.01.01.1001-99.01.02.2002",
        "LD-99.01.02.2002-99.01.02.2003",
    )


def test_an_island_the_data_already_reaches_gets_no_default() -> None:
    """A port on each landmass joined by a boat link in the data: no default crossing."""
    villages = [
        village("99.01.01.1001", -5.00, 120.00, kind="kelurahan", landmass="MAIN"),
        village("99.01.02.2002", -5.00, 120.30, landmass="ISLE"),
    ]
    ports = (
        PortSpec("P-A", "A", "jetty", "99.01", "99.01.01.1001", None, None, "assumption", ""),
        PortSpec("P-B", "B", "jetty", "99.01", "99.01.02.2002", None, None, "assumption", ""),
    )
    link = LinkSpec("L-AB", "P-A", "P-B", "boat", None, None, None, None, "assumption")
    waterways = dataclasses.replace(DATA.waterways, ports=ports, links=(link,))
    data = dataclasses.replace(DATA, waterways=waterways)
    done = complete_for_region(region(villages), data)
    assert done.used.water_links == ()
    assert done.data.waterways.links == (link,)


def test_landmass_defaults_place_desa_the_store_has_no_landmass_for() -> None:
    """A kecamatan row puts all its desa on that landmass; a desa with one keeps its own."""
    villages = [
        village("99.01.01.1001", -5.00, 120.00, kind="kelurahan"),
        village("99.01.02.2002", -5.00, 120.30),
        village("99.01.02.2003", -5.00, 120.31, landmass="KNOWN"),
    ]
    data = dataclasses.replace(DATA, landmasses={"99.01.02": "ISLE"})
    done = complete_for_region(region(villages), data)
    placed = {v.code: (v.landmass, v.on_island) for v in done.inputs.villages}
    assert placed == {
        "99.01.01.1001": (None, None),
        "99.01.02.2002": ("ISLE", True),
        "99.01.02.2003": ("KNOWN", None),
    }
    assert done.used.landmasses == ("99.01.02.2002",)
    assert len(done.used.water_links) == 2


def test_water_defaults_off_adds_no_crossing() -> None:
    """With [defaults.water] link = false the island stays unjoined (its TPS get no path)."""
    villages = [
        village("99.01.01.1001", -5.00, 120.00, kind="kelurahan", landmass="MAIN"),
        village("99.01.02.2002", -5.00, 120.30, landmass="ISLE"),
    ]
    assert DATA.defaults is not None
    rules = dataclasses.replace(DATA.defaults, water_links=False)
    done = complete_for_region(region(villages), dataclasses.replace(DATA, defaults=rules))
    assert done.used.water_links == () and done.used.depots == ("99.01",)


def test_defaults_disabled_change_nothing() -> None:
    """enabled = false: the region and data come back as they were."""
    assert DATA.defaults is not None
    data: PlanningData = dataclasses.replace(
        DATA, defaults=dataclasses.replace(DATA.defaults, enabled=False)
    )
    inputs = region([village("99.01.01.2001", -5.0, 120.0)])
    done = complete_for_region(inputs, data)
    assert (done.inputs, done.data, done.used.any) == (inputs, data, False)


def test_a_default_fleet_on_a_boat_mode_is_refused_naming_the_field(tmp_path: Path) -> None:
    """Warehouse trucks must drive: a pompong in [defaults.fleet] is named by file and field."""
    folder = copy_data(tmp_path)
    text = (folder / "defaults.toml").read_text().replace('mode = "truck"', 'mode = "pompong"')
    (folder / "defaults.toml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_planning_data(folder)
    assert caught.value.field == "defaults.fleet.mode"
    assert caught.value.file.endswith("defaults.toml")


def test_a_landmass_default_listed_twice_is_refused_at_its_row(tmp_path: Path) -> None:
    """A duplicate code in landmass_defaults.csv is named with both rows."""
    folder = copy_data(tmp_path)
    path = folder / "landmass_defaults.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(InputError) as caught:
        load_planning_data(folder)
    assert (caught.value.row, caught.value.column) == (len(lines) + 1, "code")
