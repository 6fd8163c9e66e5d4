"""The real Riau water cases come out right: Rupat, Pulau Bengkalis, Kuala Kampar, Inhil."""

from __future__ import annotations

import pytest
from plan_helpers import inputs_of
from sqlalchemy import Engine

from salur.planning.config import PlanningData
from salur.planning.modes import TravelClass
from salur.planning.network import all_zones, port_nodes
from salur.planning.paths import ClassPaths, KitPath, kit_paths
from salur.planning.sites import RegencySites, regency_sites
from salur.planning.travel import EstimateSource

LAND, WATER = TravelClass.LAND, TravelClass.WATER


@pytest.fixture(scope="module")
def sites_of(riau_store: Engine, planning_data: PlanningData) -> dict[str, RegencySites]:
    """Bengkalis, Indragiri Hilir, Pelalawan and Rokan Hilir placed on the network."""
    out = {}
    for code in ("14.03", "14.04", "14.05", "14.07"):
        inputs = inputs_of(riau_store, code, planning_data)
        ports, _ = port_nodes(inputs, planning_data.waterways)
        zones = all_zones((*inputs.villages, *inputs.port_villages), planning_data.waterways)
        out[code] = regency_sites(
            inputs.for_regency(code),
            ports,
            zones,
            planning_data.waterways,
            planning_data.depots,
            planning_data.modes,
            EstimateSource(),
            planning_data.schedule.quay_radius_m,
        )
    return out


def path(sites: RegencySites, origin: str, to: str, starts: tuple[TravelClass, ...]) -> KitPath:
    found = kit_paths(sites.network, origin, [to], list(starts), 3600)[to]
    assert found is not None
    return found


def road_links(sites: RegencySites, origin: str, to: str) -> list[str]:
    paths = ClassPaths(sites.network, LAND, sites.network.modes["truck"], [origin, to])
    return [s.link for s in paths.segments(origin, to) if s.kind == "roro" and s.link]


def test_rupat_takes_two_ro_ro_crossings_from_the_bengkalis_warehouse(
    sites_of: dict[str, RegencySites],
) -> None:
    """Bengkalis island -> Sungai Selari by ro-ro, by road to Dumai, ro-ro to Tanjung Kapal."""
    sites = sites_of["14.03"]
    for ppk in ("14.03.10", "14.03.11"):
        assert [h.travel_class for h in path(sites, "14-S10", ppk, (LAND,)).hops] == [LAND]
        assert road_links(sites, "14-S10", ppk) == ["L-BENGKALIS-RORO", "L-DUMAI-RUPAT"]


def test_pulau_bengkalis_reaches_the_mainland_by_ro_ro_and_its_own_kecamatan_by_road(
    sites_of: dict[str, RegencySites],
) -> None:
    """Mandau (Duri) is across the strait; Bantan is on the warehouse's island."""
    sites = sites_of["14.03"]
    assert road_links(sites, "14-S10", "14.03.09") == ["L-BENGKALIS-RORO"]
    assert road_links(sites, "14-S10", "14.03.02") == []


def test_kuala_kampar_goes_by_truck_then_by_boat_on_the_tide(
    sites_of: dict[str, RegencySites],
) -> None:
    """Pangkalan Kerinci -> Teluk Meranti jetty by truck, then down the Kampar to Pulau Mendol."""
    sites = sites_of["14.05"]
    hops = path(sites, "14-S12", "14.05.10", (LAND,)).hops
    assert [(h.to, h.travel_class) for h in hops] == [("P-TELUKMERANTI", LAND), ("14.05.10", WATER)]
    boat = ClassPaths(
        sites.network, WATER, sites.network.modes["pompong"], ["P-TELUKMERANTI", "14.05.10"]
    )
    segments = boat.segments("P-TELUKMERANTI", "14.05.10")
    assert segments[0].link == "L-KAMPAR-PENYALAI" and segments[0].tide == "TIDE-KAMPAR"


def test_northern_inhil_is_reached_by_boat_from_tembilahan_on_the_tide(
    sites_of: dict[str, RegencySites],
) -> None:
    """Pelangiran and Kateman: truck to Tembilahan port, then a tidal boat leg."""
    sites = sites_of["14.04"]
    for ppk in ("14.04.15", "14.04.08"):
        hops = path(sites, "14-S11", ppk, (LAND,)).hops
        assert [(h.to, h.travel_class) for h in hops] == [("P-TEMBILAHAN", LAND), (ppk, WATER)]


def test_pulau_halang_desa_get_a_boat_leg_from_the_mainland_ppk(
    sites_of: dict[str, RegencySites],
) -> None:
    """Kubu Babussalam's PPK is on the mainland; its Pulau Halang desa need a crossing."""
    sites = sites_of["14.07"]
    hops = path(sites, "14.07.15", "14.07.15.2007", (LAND, WATER)).hops
    assert WATER in {h.travel_class for h in hops}


def test_mainland_kecamatan_far_from_water_need_no_boat(
    sites_of: dict[str, RegencySites],
) -> None:
    """Pangkalan Kuras is a road trip from the Pelalawan warehouse."""
    hops = path(sites_of["14.05"], "14-S12", "14.05.03", (LAND,)).hops
    assert [h.travel_class for h in hops] == [LAND]
