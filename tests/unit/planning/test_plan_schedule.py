"""Placing tours on the calendar: ferries, tides, working hours, escorts, least slack first."""

from __future__ import annotations

import dataclasses

from plan_network_fixtures import FERRY, MODES, TIDE, network

from salur.planning.config import PACKAGE_DATA
from salur.planning.echelons import EchelonId, load_schedule
from salur.planning.escorts import PolresRoster, load_escort_rules
from salur.planning.fleet import VehicleSpec
from salur.planning.legs import Move
from salur.planning.modes import TravelClass
from salur.planning.paths import ClassPaths
from salur.planning.schedule import Job, Placed, Scheduler, order_jobs
from salur.planning.timetable import DAY

H = 3600
SCHEDULE = load_schedule(PACKAGE_DATA / "schedule.toml")
E1 = SCHEDULE.echelon(EchelonId.WAREHOUSE_PPK)
RULES = load_escort_rules(PACKAGE_DATA / "escorts.toml")
TRUCK = VehicleSpec(
    "99.01",
    "warehouse",
    "truck_6w",
    "truck",
    2,
    0,
    False,
    5_000_000,
    15_500_000,
    None,
    3000,
    400_000,
    12 * H,
    2,
    3,
)
BOAT = dataclasses.replace(TRUCK, vehicle_type="pompong", mode="pompong", base="port")


def scheduler(escort_per_day: int = 40) -> Scheduler:
    net = network(link="roro")
    return Scheduler(
        schedule=SCHEDULE,
        tides={"T": TIDE},
        timetables={"K": FERRY},
        rules=RULES,
        roster={"99.01": PolresRoster("99.01", "Polres Uji", escort_per_day, 100)},
        kind_of=lambda code: str(net.nodes[code].kind) if code in net.nodes else "tps",
        daytime_only=lambda mode: MODES[mode].travel_class == TravelClass.LAND,
    )


def job(
    to: str,
    spec: VehicleSpec = TRUCK,
    cls: TravelClass = TravelClass.LAND,
    base: str = "W",
    remaining_s: float = 0.0,
    tps: str = "9901000001001",
) -> Job:
    net = network(link="roro")
    paths = ClassPaths(net, cls, MODES[spec.mode], [base, to])
    move = Move(tps, 60_000, 548_000, "kurang_rawan", to, to, remaining_s)
    return Job(EchelonId.WAREHOUSE_PPK, "99.01", base, spec, paths, (((to, (move,)),),), {tps: 0.0})


def placed(result: Placed | str) -> Placed:
    assert isinstance(result, Placed), result
    return result


def test_a_tour_over_the_ro_ro_boards_at_a_scheduled_departure() -> None:
    """Loading from 07:00 and driving to P0, the truck waits there for the 08:00 ferry."""
    route = placed(scheduler().place(job("V1"), SCHEDULE.start_of(EchelonId.WAREHOUSE_PPK), E1))
    quay = next(s for s in route.route.stops if s.site == "P0")
    ferry_leg = next(s for s in route.route.stops if s.leg_kind == "roro")
    assert FERRY.is_departure(quay.depart)
    assert ferry_leg.arrive == quay.depart + 3600


def test_a_boat_leaves_for_the_river_zone_only_inside_a_tide_window() -> None:
    """Ready at 10:30, after the morning tide, the boat waits for the 18:00 window."""
    ready = E1.dispatch_from_day * DAY + 10 * H + 1800
    route = placed(scheduler().place(job("V2", BOAT, TravelClass.WATER, "P0"), ready, E1))
    first = route.route.stops[0]
    assert first.depart % DAY == 18 * H
    assert TIDE.contains(first.depart)


def test_road_vehicles_do_not_drive_outside_working_hours() -> None:
    """A truck ready at 21:00 leaves the next morning at 07:00 (plus loading)."""
    ready = E1.dispatch_from_day * DAY + 21 * H
    route = placed(scheduler().place(job("V0"), ready, E1)).route
    assert route.stops[0].arrive == (E1.dispatch_from_day + 1) * DAY + 7 * H


def test_a_full_escort_roster_pushes_the_next_convoy_to_the_next_day() -> None:
    """Two officers a day escort one truck: the second truck goes a day later."""
    sched = scheduler(escort_per_day=2)
    start = SCHEDULE.start_of(EchelonId.WAREHOUSE_PPK)
    first = placed(sched.place(job("V0", tps="9901000001001"), start, E1))
    second = placed(sched.place(job("V0", tps="9901000001002"), start, E1))
    assert second.route.stops[0].arrive // DAY == first.route.stops[0].arrive // DAY + 1
    assert second.blocked == "escort"


def test_a_vehicle_is_never_booked_twice_on_one_day() -> None:
    """With one truck and a free roster, a second tour waits for the next day."""
    sched = scheduler()
    one_truck = dataclasses.replace(TRUCK, count=1)
    start = SCHEDULE.start_of(EchelonId.WAREHOUSE_PPK)
    first = placed(sched.place(job("V0", one_truck, tps="9901000001001"), start, E1))
    second = placed(sched.place(job("V0", one_truck, tps="9901000001002"), start, E1))
    assert first.route.unit == second.route.unit
    assert second.route.stops[0].arrive >= first.route.stops[-1].arrive


def test_the_tour_with_the_least_slack_goes_first() -> None:
    """A tour whose kits still face a long water leg is placed before a short road tour."""
    sched = scheduler()
    near = job("V0", tps="9901000001001")
    far = job("P0", remaining_s=30 * H, tps="9901000001002")
    assert order_jobs([near, far], sched, E1.deadline) == [far, near]


def test_a_leg_that_can_never_start_is_reported() -> None:
    """A tide that never opens gives the reason instead of a route."""
    sched = scheduler()
    sched.tides = {"T": dataclasses.replace(TIDE, every_day=())}
    result = sched.place(job("V2", BOAT, TravelClass.WATER, "P0"), 0, E1)
    assert result == "no_departure"
