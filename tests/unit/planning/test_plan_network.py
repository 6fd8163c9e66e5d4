"""Which edges each class may use, and how kit paths change class only at ports."""

from __future__ import annotations

import numpy as np
import pytest
from plan_network_fixtures import network

from salur.planning.modes import TravelClass, great_circle_m
from salur.planning.paths import ClassPaths, kit_paths

LAND, WATER = TravelClass.LAND, TravelClass.WATER


def test_one_degree_of_latitude_is_about_111_km() -> None:
    """The haversine distance matches the textbook 111.19 km per degree on the mean sphere."""
    assert great_circle_m(0.0, 101.0, 1.0, 101.0) == pytest.approx(111_195, rel=1e-4)


def test_road_vehicles_stay_on_their_landmass() -> None:
    """A truck may drive from the warehouse to a mainland site, not to the island or the river."""
    allowed = network().allowed(LAND, ["W"], ["V0", "P0", "V1", "V2"])
    assert allowed.tolist() == [[True, True, False, False]]


def test_boats_enter_a_water_zone_only_from_its_gateway() -> None:
    """The river village is reached by boat from its gateway port, never from the warehouse."""
    net = network()
    assert net.allowed(WATER, ["P0", "W", "P1"], ["V2"]).tolist() == [[True], [False], [False]]
    assert net.tide_of_edge("P0", "V2") == "T"


def test_a_boat_may_deliver_straight_to_a_site_at_the_quay() -> None:
    """With a quay radius of 25 km the island PPK counts as at its jetty; with 1 km it does not."""
    assert network(quay_radius_m=25_000).allowed(WATER, ["P1"], ["V1"]).tolist() == [[True]]
    assert network(quay_radius_m=1_000).allowed(WATER, ["P1"], ["V1"]).tolist() == [[False]]


def test_an_island_village_gets_a_water_leg_with_transfers_at_both_ports() -> None:
    """Warehouse -> island: truck to P0, boat to P1, island vehicle to V1."""
    path = kit_paths(network(), "W", ["V1"], [LAND], transfer_s=3600)["V1"]
    assert path is not None
    hops = [(h.frm, h.to, h.travel_class) for h in path.hops]
    assert hops == [("W", "P0", LAND), ("P0", "P1", WATER), ("P1", "V1", LAND)]
    assert path.hops[1].offset_s > path.hops[0].offset_s


def test_a_ro_ro_ferry_carries_the_truck_so_there_is_no_transfer() -> None:
    """With a ro-ro link the truck drives on: one land leg whose segments include the ferry."""
    net = network(link="roro")
    path = kit_paths(net, "W", ["V1"], [LAND], transfer_s=3600)["V1"]
    assert path is not None and [h.travel_class for h in path.hops] == [LAND]
    segments = ClassPaths(net, LAND, net.modes["truck"], ["W", "V1"]).segments("W", "V1")
    assert [(s.frm, s.to, s.kind) for s in segments] == [
        ("W", "P0", "road"),
        ("P0", "P1", "roro"),
        ("P1", "V1", "road"),
    ]
    assert segments[1].link == "K" and segments[1].duration_s == 3600


def test_a_river_village_is_reached_by_boat_from_the_gateway_on_the_tide() -> None:
    """Warehouse -> river village: truck to the gateway, then a tidal boat leg."""
    net = network()
    path = kit_paths(net, "W", ["V2"], [LAND], transfer_s=3600)["V2"]
    assert path is not None
    assert [(h.frm, h.to, h.travel_class) for h in path.hops] == [
        ("W", "P0", LAND),
        ("P0", "V2", WATER),
    ]
    (segment,) = ClassPaths(net, WATER, net.modes["pompong"], ["P0", "V2"]).segments("P0", "V2")
    assert segment.tide == "T"


def test_planning_times_include_the_expected_tide_wait_but_segments_do_not() -> None:
    """The solver sees crossing time plus the expected wait; the schedule adds the real one."""
    net = network()
    paths = ClassPaths(net, WATER, net.modes["pompong"], ["P0", "V2"])
    (segment,) = paths.segments("P0", "V2")
    expected_wait = net.tides["T"].expected_wait_s()
    assert paths.time[0, 1] == pytest.approx(segment.duration_s + expected_wait)


def test_places_with_no_path_are_infinitely_far() -> None:
    """Without any water link the island cannot be reached by road."""
    net = network()
    net.links = ()
    paths = ClassPaths(net, LAND, net.modes["truck"], ["W", "V1"])
    assert np.isinf(paths.time[0, 1])
    assert kit_paths(net, "W", ["V1"], [LAND], transfer_s=3600)["V1"] is None
