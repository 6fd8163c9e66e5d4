"""What went wrong on the way: closed roads and water links, cancelled ferries, vehicles down.

A disruption file (TOML or JSON) lists them with the moment from which each holds, in plan
time; `salur replan` repairs a stored plan around them. Every disruption names places by the
codes the plan uses (kecamatan = PPK, desa = PPS, port ids, warehouse site ids), water links by
their id in `water_links.csv` and vehicles by their unit (`14-S12/truck_6w#03`). Pure: parsing
and the predicates the repair asks (does this leg cross a closure? is this unit down?).

    at = "2024-02-12T08:00:00+07:00"          # when the repair is made (else the earliest start)
    [[road_closed]]                           # a bridge washed out: no road between two sites,
    between = ["14.01.08", "14.01.08.2005"]   # or `site = CODE`: no road into or out of a site
    from = "H-2 06:00"
    [[water_closed]]                          # no boat between two sites (a silted channel)
    [[link_closed]]                           # a water link unusable (a boat aground across it)
    link = "L-KAMPAR-PENYALAI"
    [[ferry_cancelled]]                       # ro-ro departures cancelled in [from, until)
    link = "L-DUMAI-RUPAT"
    [[vehicle_down]]                          # a unit broken down or aground from `from`
    unit = "P-TELUKMERANTI/pompong_hired#01"
    recovery_hours = 12                       # until its load is back at its base
    [[crossing]]                              # a temporary boat crossing between two sites
    id = "X-RANTAUKASIH"                      # (villagers' pompong where the road is cut)
    between = ["14.01.08", "14.01.08.2005"]
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from salur.errors import InputError, SalurError
from salur.planning.echelons import Schedule, parse_h_day
from salur.planning.modes import TravelClass
from salur.planning.plan import StopPlan
from salur.planning.timetable import DAY, Timetable, parse_clock

FOREVER = 10**9
"""Plan time far beyond any season: a disruption without `until` never ends."""
DEFAULT_RECOVERY_HOURS = {TravelClass.LAND: 6.0, TravelClass.WATER: 12.0}
"""Hours until the load of a vehicle that is down is back at its base, when the file does not
say: a LABELLED ASSUMPTION (a tow or a second truck within a working day; a boat aground waits
for the next high water, about 12 h on the semi-diurnal tides of the Riau rivers)."""
_H_MOMENT = re.compile(r"^\s*(H(?:[+-]\d+)?)(?:\s+(\d{1,2}:\d{2}))?\s*$")


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: str = Field(alias="from")
    until: str | None = None
    note: str = Field(default="", max_length=300)


class _Between(_Item):
    between: list[str] | None = Field(default=None, min_length=2, max_length=2)
    site: str | None = None

    @model_validator(mode="after")
    def _one_place(self) -> _Between:
        if (self.between is None) == (self.site is None):
            raise ValueError("give either `between = [A, B]` or `site = CODE`")
        return self


class _Link(_Item):
    link: str


class _Unit(_Item):
    unit: str
    recovery_hours: float | None = Field(default=None, ge=0, le=24 * 14)


class _Crossing(_Item):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$")
    between: list[str] = Field(min_length=2, max_length=2)
    start: str = Field(default="H-60", alias="from")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: str | None = None
    road_closed: list[_Between] = Field(default_factory=list)
    water_closed: list[_Between] = Field(default_factory=list)
    link_closed: list[_Link] = Field(default_factory=list)
    ferry_cancelled: list[_Link] = Field(default_factory=list)
    vehicle_down: list[_Unit] = Field(default_factory=list)
    crossing: list[_Crossing] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Window:
    """When a disruption holds: ``[start, end)`` in plan seconds."""

    start: int
    end: int = FOREVER

    def overlaps(self, begin: int, finish: int) -> bool:
        return begin < self.end and finish >= self.start

    def holds_at(self, t: int) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True, slots=True)
class Closure:
    """No travel of ``travel_class`` between two sites (``sites`` of two), or into or out of
    one site (``sites`` of one)."""

    sites: tuple[str, ...]
    travel_class: TravelClass
    window: Window
    note: str = ""

    def blocks(self, frm: str, to: str) -> bool:
        if len(self.sites) == 1:
            return self.sites[0] in (frm, to)
        return {frm, to} == set(self.sites)


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A water link closed, or a ferry's departures cancelled, within ``window``."""

    link: str
    window: Window
    note: str = ""


@dataclass(frozen=True, slots=True)
class VehicleDown:
    """A unit out of service within ``window``; its load is back at base ``recovery_s`` later
    (None: the default of its travel class)."""

    unit: str
    window: Window
    recovery_s: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Crossing:
    """A temporary boat crossing between two sites (ports at their points where they are not
    ports already), usable within ``window``."""

    id: str
    sites: tuple[str, str]
    window: Window
    note: str = ""


@dataclass(frozen=True)
class Disruptions:
    """Everything that went wrong, and ``at``: the moment the repair is made (plan seconds)."""

    at: int
    closures: tuple[Closure, ...] = ()
    links_closed: tuple[LinkEvent, ...] = ()
    ferries_cancelled: tuple[LinkEvent, ...] = ()
    vehicles_down: tuple[VehicleDown, ...] = ()
    crossings: tuple[Crossing, ...] = ()
    source: str = ""
    described: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    """Each disruption as read, for the plan summary and the log."""

    def blocked(self, prev: StopPlan, stop: StopPlan, land: bool) -> str | None:
        """Why the leg ``prev -> stop`` cannot be travelled (a code), or None.

        A closure blocks a leg whose travel overlaps its window; a cancelled ferry blocks a
        ro-ro leg departing inside the window.
        """
        begin, finish = prev.depart, stop.arrive
        cls = TravelClass.LAND if land else TravelClass.WATER
        for closure in self.closures:
            if (
                stop.leg_kind != "roro"
                and closure.travel_class == cls
                and closure.blocks(prev.site, stop.site)
                and closure.window.overlaps(begin, finish)
            ):
                return "closed"
        for event in self.links_closed:
            if stop.leg_link == event.link and event.window.overlaps(begin, finish):
                return "closed"
        for event in self.ferries_cancelled:
            if stop.leg_link == event.link and event.window.holds_at(begin):
                return "cancelled"
        return None

    def down(self, unit: str, begin: int, finish: int) -> VehicleDown | None:
        """The breakdown of ``unit`` overlapping ``[begin, finish]``, if any."""
        for event in self.vehicles_down:
            if event.unit == unit and event.window.overlaps(begin, finish):
                return event
        return None

    def cancelled_windows(self) -> dict[str, tuple[Window, ...]]:
        out: dict[str, list[Window]] = {}
        for event in self.ferries_cancelled:
            out.setdefault(event.link, []).append(event.window)
        return {link: tuple(windows) for link, windows in out.items()}

    def closed_links(self) -> set[str]:
        """Links closed at or after the repair (planning avoids them altogether)."""
        return {e.link for e in self.links_closed if e.window.end > self.at}

    def sites(self) -> set[str]:
        """Every site code the disruptions name."""
        out = {code for c in self.closures for code in c.sites}
        return out | {code for c in self.crossings for code in c.sites}

    def links(self) -> set[str]:
        return {e.link for e in (*self.links_closed, *self.ferries_cancelled)}

    def units(self) -> set[str]:
        return {e.unit for e in self.vehicles_down}

    @property
    def empty(self) -> bool:
        return not (
            self.closures
            or self.links_closed
            or self.ferries_cancelled
            or self.vehicles_down
            or self.crossings
        )


@dataclass(frozen=True, slots=True)
class CancelledTimetable:
    """A ferry timetable less the departures cancelled in ``cancelled`` windows."""

    timetable: Timetable
    cancelled: tuple[Window, ...]

    @property
    def departures(self) -> tuple[int, ...]:
        return self.timetable.departures

    def next_departure(self, t: int) -> int | None:
        """The first departure at or after ``t`` that still sails."""
        for _ in range(366):
            candidate = self.timetable.next_departure(t)
            if candidate is None:
                return None
            if not any(w.holds_at(candidate) for w in self.cancelled):
                return candidate
            t = candidate + 1
        return None

    def is_departure(self, t: int) -> bool:
        return self.timetable.is_departure(t) and not any(w.holds_at(t) for w in self.cancelled)

    def expected_wait_s(self) -> float:
        return self.timetable.expected_wait_s()


def parse_moment(text: str, schedule: Schedule) -> int:
    """Plan seconds of 'H-2 08:00', 'H-2', an ISO datetime with offset, or a local ISO datetime
    (in the plan's time zone)."""
    match = _H_MOMENT.match(text)
    if match:
        day = parse_h_day(match.group(1))
        clock = parse_clock(match.group(2)) if match.group(2) else 0
        return day * DAY + clock
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        zone = dt.timezone(dt.timedelta(hours=schedule.utc_offset_hours))
        moment = moment.replace(tzinfo=zone)
    return schedule.from_datetime(moment.astimezone(dt.UTC))


def load_disruptions(path: Path, schedule: Schedule, at: str | None = None) -> Disruptions:
    """Read a disruption file (.toml or .json); errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError("replan.bad_file", file=path, reason=str(exc)) from None
    return disruptions_from(raw, schedule, at, str(path))


def disruptions_from(
    raw: Mapping[str, Any], schedule: Schedule, at: str | None = None, source: str = "-"
) -> Disruptions:
    """Disruptions from parsed TOML/JSON values (or the CLI's options) and the repair moment."""
    try:
        parsed = _File.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"])
        raise InputError(
            "replan.bad_file", file=source, field=field_name, reason=first["msg"]
        ) from None
    return _build(parsed, schedule, at or parsed.at, source)


def _build(parsed: _File, schedule: Schedule, at: str | None, source: str) -> Disruptions:
    def window(item: _Item, where: str) -> Window:
        start = _moment(item.start, schedule, source, f"{where}.from")
        end = _moment(item.until, schedule, source, f"{where}.until") if item.until else FOREVER
        if end <= start:
            raise InputError(
                "replan.bad_file", file=source, field=f"{where}.until", reason="until <= from"
            )
        return Window(start, end)

    closures = [
        Closure(_places(c), cls, window(c, f"{name}[{i}]"), c.note)
        for name, cls, items in (
            ("road_closed", TravelClass.LAND, parsed.road_closed),
            ("water_closed", TravelClass.WATER, parsed.water_closed),
        )
        for i, c in enumerate(items)
    ]
    links = [
        LinkEvent(c.link, window(c, f"link_closed[{i}]"), c.note)
        for i, c in enumerate(parsed.link_closed)
    ]
    ferries = [
        LinkEvent(c.link, window(c, f"ferry_cancelled[{i}]"), c.note)
        for i, c in enumerate(parsed.ferry_cancelled)
    ]
    down = [
        VehicleDown(
            c.unit,
            window(c, f"vehicle_down[{i}]"),
            None if c.recovery_hours is None else round(c.recovery_hours * 3600),
            c.note,
        )
        for i, c in enumerate(parsed.vehicle_down)
    ]
    crossings = [
        Crossing(c.id, (c.between[0], c.between[1]), window(c, f"crossing[{i}]"), c.note)
        for i, c in enumerate(parsed.crossing)
    ]
    starts = [
        *(c.window.start for c in closures),
        *(e.window.start for e in (*links, *ferries)),
        *(d.window.start for d in down),
    ]
    if at is not None:
        moment = _moment(at, schedule, source, "at")
    elif starts:
        moment = min(starts)
    else:
        raise SalurError("replan.no_moment")
    return Disruptions(
        at=moment,
        closures=tuple(closures),
        links_closed=tuple(links),
        ferries_cancelled=tuple(ferries),
        vehicles_down=tuple(down),
        crossings=tuple(crossings),
        source=source,
        described=tuple(_describe(parsed, schedule)),
    )


def _places(item: _Between) -> tuple[str, ...]:
    if item.between is not None:
        return (item.between[0], item.between[1])
    assert item.site is not None
    return (item.site,)


def _moment(text: str, schedule: Schedule, source: str, where: str) -> int:
    try:
        return parse_moment(text, schedule)
    except ValueError:
        raise InputError("replan.bad_moment", file=source, field=where, value=text) from None


def _describe(parsed: _File, schedule: Schedule) -> list[dict[str, Any]]:
    """Each disruption as plain JSON values, times as local labels, for summaries and logs."""
    out: list[dict[str, Any]] = []
    for kind in ("road_closed", "water_closed", "link_closed", "ferry_cancelled"):
        for item in getattr(parsed, kind):
            out.append({"kind": kind, **item.model_dump(exclude_none=True, by_alias=True)})
    for unit in parsed.vehicle_down:
        out.append({"kind": "vehicle_down", **unit.model_dump(exclude_none=True, by_alias=True)})
    for crossing in parsed.crossing:
        out.append({"kind": "crossing", **crossing.model_dump(exclude_none=True, by_alias=True)})
    for item in out:
        for key in ("from", "until"):
            if key in item:
                item[key] = schedule.local_label(parse_moment(str(item[key]), schedule))
        if not item.get("note"):
            item.pop("note", None)
    return out
