"""Input validation of `RoutingProblem`: bad data is refused with a message naming the culprit."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import pytest

from salur.planning.routing import (
    NO_ARC,
    Client,
    Depot,
    RoutingProblem,
    RoutingProblemError,
    TimeWindow,
    TravelProfile,
    VehicleType,
)

LINE = ((0, 10, 20), (10, 0, 10), (20, 10, 0))


def valid_problem(**changes: Any) -> RoutingProblem:
    """A small valid problem (depot and two clients on a line), with fields replaced."""
    fields: dict[str, Any] = {
        "load_dimensions": ("weight_g", "volume_cm3"),
        "depots": (Depot(0, name="gudang"),),
        "clients": (Client(1, (5, 5), name="TPS 001"), Client(2, (5, 5), name="TPS 002")),
        "vehicle_types": (VehicleType(count=1, capacity=(10, 10), name="truk"),),
        "profiles": (TravelProfile(LINE, LINE, name="road"),),
    }
    fields.update(changes)
    return RoutingProblem(**fields)


def with_entry(row: int, col: int, value: float) -> tuple[tuple[float, ...], ...]:
    """LINE with one entry replaced."""
    return tuple(
        tuple(value if (r, c) == (row, col) else v for c, v in enumerate(line))
        for r, line in enumerate(LINE)
    )


def profile(distance: Any = LINE, duration: Any = LINE) -> tuple[TravelProfile, ...]:
    """A single road profile with the given matrices."""
    return (TravelProfile(distance, duration, name="road"),)


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "duration matrix of another size",
        {"profiles": profile(duration=((0, 1), (1, 0)))},
        "profile 0 ('road') duration matrix has 2 rows; expected 3",
    ),
    (
        "ragged row",
        {"profiles": profile(distance=((0, 10, 20), (10, 0), (20, 10, 0)))},
        "profile 0 ('road') distance matrix row 1 has 2 entries; expected 3",
    ),
    (
        "NaN travel time",
        {"profiles": profile(duration=with_entry(1, 2, math.nan))},
        "profile 0 ('road') duration[1][2] = nan is missing (NaN) or infinite",
    ),
    (
        "missing entry as None",
        {"profiles": profile(distance=with_entry(2, 0, None))},  # type: ignore[arg-type]
        "distance[2][0] = nan is missing",
    ),
    (
        "infinite distance",
        {"profiles": profile(distance=with_entry(0, 2, math.inf))},
        "distance[0][2] = inf is missing (NaN) or infinite",
    ),
    (
        "negative distance",
        {"profiles": profile(distance=with_entry(2, 1, -3))},
        "distance[2][1] = -3.0 is negative",
    ),
    (
        "fractional duration",
        {"profiles": profile(duration=with_entry(0, 1, 2.5))},
        "duration[0][1] = 2.5 is not a whole number",
    ),
    (
        "beyond NO_ARC",
        {"profiles": profile(distance=with_entry(0, 1, NO_ARC + 1))},
        "distance[0][1]",
    ),
    (
        "non-zero diagonal",
        {"profiles": profile(distance=with_entry(1, 1, 4))},
        "distance[1][1] = 4.0 is on the diagonal and must be 0",
    ),
    (
        "demand over every vehicle",
        {"clients": (Client(1, (5, 5)), Client(2, (5, 11), name="TPS 002"))},
        "client 1 ('TPS 002') demand exceeds the capacity of every vehicle type "
        "(volume_cm3 11 > 10)",
    ),
    (
        "demand of the wrong length",
        {"clients": (Client(1, (5,)),)},
        "client 0 demand has 1 entries; expected 2 (weight_g, volume_cm3)",
    ),
    (
        "negative demand",
        {"clients": (Client(1, (5, -1)),)},
        "client 0 demand volume_cm3 must be >= 0, got -1",
    ),
    (
        "client off the matrices",
        {"clients": (Client(3, (1, 1), name="TPS 009"),)},
        "client 0 ('TPS 009') is at unknown location 3; the matrices cover 0..2",
    ),
    (
        "window that closes before it opens",
        {"clients": (Client(1, (1, 1), time_window=TimeWindow(50, 10)),)},
        "client 0 time window [50, 10] must satisfy 0 <= early <= late",
    ),
    (
        "unknown start depot",
        {"vehicle_types": (VehicleType(1, (10, 10), name="truk", start_depot=2),)},
        "vehicle type 0 ('truk') start_depot names unknown depot 2; there are 1 (0..0)",
    ),
    (
        "unknown reload depot",
        {"vehicle_types": (VehicleType(1, (10, 10), reload_depots=(0, 1)),)},
        "vehicle type 0 reload_depots names unknown depot 1",
    ),
    (
        "unknown profile",
        {"vehicle_types": (VehicleType(1, (10, 10), profile=1),)},
        "vehicle type 0 uses unknown profile 1",
    ),
    (
        "no vehicles",
        {"vehicle_types": (VehicleType(0, (10, 10)),)},
        "vehicle type 0 count must be at least 1, got 0",
    ),
    (
        "max reloads without a reload depot",
        {"vehicle_types": (VehicleType(1, (10, 10), max_reloads=2),)},
        "vehicle type 0 sets max_reloads but has no reload_depots",
    ),
    (
        "depot off the matrices",
        {"depots": (Depot(7, name="gudang"),)},
        "depot 0 ('gudang') is at unknown location 7",
    ),
    ("no depot", {"depots": ()}, "needs at least one depot"),
]


@pytest.mark.parametrize(
    ("changes", "message"), [(c, m) for _, c, m in CASES], ids=[name for name, _, _ in CASES]
)
def test_invalid_input_is_refused_with_a_message_naming_the_culprit(
    changes: dict[str, Any], message: str
) -> None:
    """Every kind of bad input raises RoutingProblemError whose text points at the entry."""
    with pytest.raises(RoutingProblemError, match=re.escape(message)):
        valid_problem(**changes)


def test_routing_problem_error_is_a_value_error() -> None:
    """Callers that only know ValueError still catch bad routing input."""
    assert issubclass(RoutingProblemError, ValueError)


def test_valid_problem_is_accepted_and_counts_its_locations() -> None:
    """The baseline used above is itself valid, so each case fails for its own reason."""
    assert valid_problem().num_locations == 3


def test_demand_that_fits_only_a_mix_of_vehicle_types_is_refused() -> None:
    """Heavy-only and bulky-only vehicles cannot carry a kit that is both heavy and bulky."""
    fleet = (VehicleType(1, (20, 5), name="flatbed"), VehicleType(1, (5, 20), name="van"))
    with pytest.raises(RoutingProblemError, match="no single vehicle type holds every dimension"):
        valid_problem(vehicle_types=fleet, clients=(Client(1, (10, 10)),))


def test_no_arc_marks_a_missing_road_without_being_rejected() -> None:
    """NO_ARC itself is a valid entry: it is how a caller says "no road here"."""
    problem = valid_problem(profiles=profile(distance=with_entry(0, 2, NO_ARC)))
    assert dataclasses.replace(problem).profiles[0].distance[0][2] == NO_ARC
