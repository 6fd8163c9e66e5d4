"""Ports and jetties, water links between them, water-access zones and tide tables (data files).

These are the facts the geometric landmass flags cannot give: where trucks hand over to boats,
which ferries run when, and which kecamatan are reached by river even on the mainland. Every
row carries a status (``reported`` or ``assumption``) that reports show.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from salur.csvrows import Row, read_rows
from salur.planning.timetable import DAY, Timetable, Windows, parse_clock

LINK_KINDS = ("roro", "boat")


@dataclass(frozen=True, slots=True)
class PortSpec:
    """A port or jetty; its point is ``lat``/``lon`` if given, else its village's point."""

    id: str
    name: str
    kind: str
    regency: str
    village: str | None
    lat: float | None
    lon: float | None
    status: str
    note: str


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """A water link between two ports, usable both ways.

    A ``roro`` link is a scheduled ferry a road vehicle drives onto (``timetable`` and
    ``crossing_s`` required); a ``boat`` link is sailed by a boat we hire, starting only inside
    the ``tide`` windows when it has one.
    """

    id: str
    a: str
    b: str
    kind: str
    distance_m: float | None
    crossing_s: int | None
    timetable: Timetable | None
    tide: str | None
    status: str


@dataclass(frozen=True, slots=True)
class WaterZoneSpec:
    """Villages of a kecamatan on the main landmass that are reached only by boat.

    Boats reach them from the ``gateways`` ports; island villages of the kecamatan keep their
    island. ``except_villages`` stay on the road network (the jetty's own kelurahan).
    """

    id: str
    district: str
    except_villages: frozenset[str]
    gateways: tuple[str, ...]
    tide: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Waterways:
    """All water-side data of a plan."""

    ports: tuple[PortSpec, ...]
    links: tuple[LinkSpec, ...]
    zones: tuple[WaterZoneSpec, ...]
    tides: dict[str, Windows]


def load_waterways(files: Mapping[str, Path], voting_day: dt.date) -> Waterways:
    """Read ports.csv, water_links.csv, water_zones.csv and tides.csv; check they agree."""
    tides = _tides(files["tides.csv"], voting_day)
    ports = _ports(files["ports.csv"])
    known = {p.id for p in ports}
    links = _links(files["water_links.csv"], known, tides)
    zones = _zones(files["water_zones.csv"], known, tides)
    return Waterways(ports, links, zones, tides)


def _ports(path: Path) -> tuple[PortSpec, ...]:
    out: dict[str, PortSpec] = {}
    first: dict[str, int] = {}
    for row in read_rows(path, ["port_id", "name", "kind", "regency_code", "village_code"]):
        port_id = row.text("port_id")
        if port_id in out:
            raise row.fail("port_id", "input.duplicate_code", first_row=first[port_id])
        first[port_id] = row.number
        lat, lon = row.opt_float("lat"), row.opt_float("lon")
        if row.opt_text("village_code") is None and (lat is None or lon is None):
            raise row.fail("village_code", "plan.port_without_point")
        out[port_id] = PortSpec(
            id=port_id,
            name=row.text("name"),
            kind=row.text("kind"),
            regency=row.text("regency_code"),
            village=row.opt_text("village_code"),
            lat=lat,
            lon=lon,
            status=row.opt_text("status") or "assumption",
            note=row.opt_text("note") or "",
        )
    return tuple(out.values())


def _links(path: Path, ports: set[str], tides: dict[str, Windows]) -> tuple[LinkSpec, ...]:
    out = []
    for row in read_rows(path, ["link_id", "from_port", "to_port", "kind"]):
        a, b, kind = _port(row, "from_port", ports), _port(row, "to_port", ports), row.text("kind")
        if kind not in LINK_KINDS:
            raise row.fail("kind", "input.unknown_value", allowed=", ".join(LINK_KINDS))
        departures = _departures(row)
        crossing = row.opt_count("crossing_minutes")
        if kind == "roro" and (not departures or crossing is None):
            raise row.fail("departures", "plan.roro_needs_timetable")
        distance = row.opt_float("distance_km")
        out.append(
            LinkSpec(
                id=row.text("link_id"),
                a=a,
                b=b,
                kind=kind,
                distance_m=None if distance is None else distance * 1000,
                crossing_s=None if crossing is None else crossing * 60,
                timetable=Timetable(departures) if departures else None,
                tide=_tide(row, tides),
                status=row.opt_text("status") or "assumption",
            )
        )
    return tuple(out)


def _zones(path: Path, ports: set[str], tides: dict[str, Windows]) -> tuple[WaterZoneSpec, ...]:
    out = []
    for row in read_rows(path, ["zone_id", "district_code", "gateways"]):
        gateways = tuple(g.strip() for g in row.text("gateways").split(";") if g.strip())
        for gateway in gateways:
            if gateway not in ports:
                raise row.fail("gateways", "plan.unknown_port", port=gateway)
        excepted = row.opt_text("except_villages") or ""
        out.append(
            WaterZoneSpec(
                id=row.text("zone_id"),
                district=row.text("district_code"),
                except_villages=frozenset(v.strip() for v in excepted.split(";") if v.strip()),
                gateways=gateways,
                tide=_tide(row, tides),
                status=row.opt_text("status") or "assumption",
            )
        )
    return tuple(out)


def _tides(path: Path, voting_day: dt.date) -> dict[str, Windows]:
    every: dict[str, list[tuple[int, int]]] = defaultdict(list)
    dated: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for row in read_rows(path, ["tide_id", "date", "start", "end"]):
        tide_id, date = row.text("tide_id"), row.text("date")
        window = (_clock(row, "start"), _clock(row, "end"))
        if window[0] > window[1]:
            raise row.fail("end", "plan.window_ends_before_start")
        if date == "*":
            every[tide_id].append(window)
            continue
        try:
            day = (dt.date.fromisoformat(date) - voting_day).days
        except ValueError:
            raise row.fail("date", "plan.bad_date") from None
        dated[tide_id][day].append(window)
    ids = set(every) | set(dated)
    return {
        tide_id: Windows(
            tuple(sorted(every.get(tide_id, []))),
            {day: tuple(sorted(w)) for day, w in dated.get(tide_id, {}).items()},
        )
        for tide_id in sorted(ids)
    }


def _port(row: Row, column: str, ports: set[str]) -> str:
    port = row.text(column)
    if port not in ports:
        raise row.fail(column, "plan.unknown_port", port=port)
    return port


def _tide(row: Row, tides: dict[str, Windows]) -> str | None:
    tide = row.opt_text("tide_id")
    if tide is not None and tide not in tides:
        raise row.fail("tide_id", "plan.unknown_tide", tide=tide)
    return tide


def _clock(row: Row, column: str) -> int:
    try:
        return parse_clock(row.text(column))
    except ValueError:
        raise row.fail(column, "plan.bad_clock") from None


def _departures(row: Row) -> tuple[int, ...]:
    text = row.opt_text("departures") or ""
    try:
        return tuple(sorted({parse_clock(p) % DAY for p in text.split(";") if p.strip()}))
    except ValueError:
        raise row.fail("departures", "plan.bad_clock") from None
