"""Road travel from an OSRM server: the table client against a local OSRM table service."""

from __future__ import annotations

import math
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from osrm_fake import ROAD_SPEED_MS, FakeOsrm, road_m
from plan_helpers import FAST

from salur.errors import SalurError
from salur.planning.check import Reference, check_plan
from salur.planning.config import PlanningData
from salur.planning.inputs import PlanningInputs
from salur.planning.modes import great_circle_m
from salur.planning.osrm import OsrmSource
from salur.planning.planner import plan_region
from salur.planning.service import PlanRequest, travel_source


@dataclass(frozen=True)
class Site:
    code: str
    lat: float
    lon: float


def sites(prefix: str, count: int, lon: float = 101.0) -> list[Site]:
    return [Site(f"{prefix}{k}", 0.5 + 0.013 * k, lon + 0.021 * k) for k in range(count)]


def test_a_large_table_comes_in_blocks_within_the_table_size_and_matches_the_server(
    planning_data: PlanningData,
) -> None:
    """7 x 9 places with a table size of 6: every request within 6 locations, every pair as the
    server computes it (distance in m, duration in s)."""
    origins, destinations = sites("A", 7), sites("B", 9, lon=101.3)
    with FakeOsrm(max_locations=6) as server:
        source = OsrmSource(server.url, max_locations=6)
        distance, duration = source.road_table(origins, destinations)
    assert len(server.requests) > 1
    assert all(r["points"] <= 6 for r in server.requests)
    assert all(r["annotations"] == "duration,distance" for r in server.requests)
    for i, o in enumerate(origins):
        for j, d in enumerate(destinations):
            expected = road_m((o.lon, o.lat), (d.lon, d.lat))
            assert distance[i, j] == pytest.approx(expected, abs=0.1)
            assert duration[i, j] == pytest.approx(expected / ROAD_SPEED_MS, abs=0.1)


def test_pairs_already_fetched_are_not_asked_again() -> None:
    """The planner asks for overlapping tables; only new pairs reach the server."""
    places = sites("A", 5)
    with FakeOsrm() as server:
        source = OsrmSource(server.url)
        first = source.road_table(places, places)
        asked = len(server.requests)
        again = source.road_table(places[1:3], places)
        assert len(server.requests) == asked == 1
    assert np.array_equal(again[0], first[0][1:3])


def test_a_server_with_a_smaller_table_size_gets_smaller_blocks() -> None:
    """A server allowing 8 locations answers TooBig to 20, then 10; the client halves its
    blocks until they fit, and the table is complete."""
    origins, destinations = sites("A", 10), sites("B", 10, lon=101.4)
    with FakeOsrm(max_locations=8) as server:
        source = OsrmSource(server.url)
        distance, _ = source.road_table(origins, destinations)
    assert [r["points"] for r in server.requests[:2]] == [20, 10]
    assert all(r["points"] <= 8 for r in server.requests[2:])
    assert np.isfinite(distance).all()


def test_no_road_is_infinite_and_a_convoy_is_never_faster_than_its_mode(
    planning_data: PlanningData,
) -> None:
    """Null in the table (an island) becomes no edge; a truck leg takes at least distance/speed
    and is never shorter than the straight line."""
    mainland, island = sites("M", 3), sites("I", 2, lon=102.0)
    truck = planning_data.modes["truck"]
    with FakeOsrm(island_lon=101.8) as server:
        distance, duration = OsrmSource(server.url).table(truck, mainland, [*mainland, *island])
    assert np.isinf(distance[:, 3:]).all() and np.isinf(duration[:, 3:]).all()
    road = distance[:, :3]
    crow = great_circle_m(
        np.array([m.lat for m in mainland])[:, None],
        np.array([m.lon for m in mainland])[:, None],
        np.array([m.lat for m in mainland])[None, :],
        np.array([m.lon for m in mainland])[None, :],
    )
    assert (road >= crow).all()
    assert np.allclose(duration[:, :3], road / (truck.speed_kmh / 3.6))


def test_boats_keep_the_estimate_and_ask_osrm_nothing(planning_data: PlanningData) -> None:
    """OSRM knows roads only: a pompong's table is the built-in estimate."""
    places = sites("P", 3)
    pompong = planning_data.modes["pompong"]
    with FakeOsrm() as server:
        distance, _ = OsrmSource(server.url).table(pompong, places, places)
        assert server.requests == []
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])
    expected = great_circle_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * 1.5
    assert np.allclose(distance, expected)


def test_a_point_osrm_cannot_snap_is_named_with_the_server() -> None:
    """NoSegment names the server, the OSRM code and the failing site with its coordinates."""
    places = sites("A", 4)
    bad = places[2]
    with FakeOsrm(unsnappable=(round(bad.lon, 6), round(bad.lat, 6))) as server:
        with pytest.raises(SalurError) as caught:
            OsrmSource(server.url).road_table(places, places)
        url = server.url
    message = str(caught.value)
    assert caught.value.key == "plan.osrm_error"
    assert url in message and "NoSegment" in message
    assert f"A2 ({bad.lat:.5f}, {bad.lon:.5f})" in message and "A1 (" not in message


def test_a_server_that_does_not_answer_in_time_is_named() -> None:
    """A timeout names the server, the limit and the places asked for."""
    with FakeOsrm(delay_s=1.0) as server:
        with pytest.raises(SalurError) as caught:
            OsrmSource(server.url, timeout_s=0.2).road_table(sites("A", 2), sites("B", 2))
        url = server.url
    assert caught.value.key == "plan.osrm_timeout"
    assert url in str(caught.value) and "A0 (" in str(caught.value)


def test_no_server_at_the_address_is_a_clear_error() -> None:
    """A closed port: the error names the server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(SalurError) as caught:
        OsrmSource(url).road_table(sites("A", 2), sites("B", 2))
    assert caught.value.key == "plan.osrm_unreachable" and url in str(caught.value)


def test_an_address_without_a_scheme_is_refused() -> None:
    """'localhost:5000' is refused before any request, with the expected form."""
    with pytest.raises(SalurError) as caught:
        OsrmSource("localhost:5000")
    assert caught.value.key == "plan.osrm_bad_url" and "http://" in str(caught.value)


def test_meranti_planned_on_osrm_road_times_passes_the_checker(
    meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """Every road leg of the plan is priced by the server; boats keep the estimate; the plan is
    complete and checks."""
    with FakeOsrm() as server:
        source = OsrmSource(server.url)
        plan = plan_region(meranti_inputs, planning_data, FAST, source=source)
        assert server.requests
    assert not plan.issues
    assert check_plan(plan, Reference.of(meranti_inputs, planning_data)).ok
    sites_by_code = {s.code: s for s in plan.sites}
    road_legs = [
        (route.stops[k - 1].site, stop)
        for route in plan.routes
        if route.echelon.number == 1
        for k, stop in enumerate(route.stops)
        if k and stop.leg_kind == "road" and stop.site != route.stops[k - 1].site
    ]
    assert road_legs
    for frm, stop in road_legs:
        a, b = sites_by_code[frm], sites_by_code[stop.site]
        road = road_m((round(a.lon, 6), round(a.lat, 6)), (round(b.lon, 6), round(b.lat, 6)))
        crow = float(great_circle_m(a.lat, a.lon, b.lat, b.lon))
        assert stop.leg_distance_m == pytest.approx(max(road, crow), abs=2)
    assert math.isfinite(sum(r.distance_m for r in plan.routes))


def test_a_matrix_file_over_osrm_wins_for_the_pairs_it_names(
    planning_data: PlanningData, tmp_path: Path
) -> None:
    """`--matrix` with `--osrm`: the file's pairs as written, every other road pair from OSRM."""
    a, b, c = sites("S", 3)
    matrix = tmp_path / "matrix.csv"
    matrix.write_text(
        "from_code,to_code,mode,distance_km,duration_min\nS0,S1,truck,9,30\nS1,S0,truck,9,30\n"
    )
    truck = planning_data.modes["truck"]
    with FakeOsrm() as server:
        request = PlanRequest("14.10", matrix=matrix, osrm_url=server.url)
        source = travel_source(request, planning_data)
        distance, duration = source.table(truck, [a, b], [b, c])
        assert len(server.requests) == 1
    assert source.name == "matrix+osrm"
    assert (distance[0, 0], duration[0, 0]) == (9000.0, 1800.0)
    assert distance[1, 1] == pytest.approx(road_m((b.lon, b.lat), (c.lon, c.lat)), abs=0.1)
