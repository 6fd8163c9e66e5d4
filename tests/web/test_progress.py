"""The pure cores of the pages: a kit's status against plan and deadlines, roll-up by region,
late risks, progress curves as SVG, incidents' follow-up, and the Excel rendering of a table."""

from __future__ import annotations

import datetime as dt

from salur.web.incident_sections import incident_state
from salur.web.progress import (
    BEHIND,
    DONE,
    ON_TRACK,
    OVERDUE,
    WAITING,
    Deadlines,
    TpsStatus,
    by_child,
    curves,
    late_risks,
    tps_state,
)
from salur.web.svg import CurveLabels, progress_chart
from salur.web.tables import Column, Table, to_xlsx
from tests.web.pages import workbook_rows

UTC = dt.UTC
DAY = dt.timedelta(days=1)
H = dt.datetime(2024, 2, 14, tzinfo=UTC)
DEADLINES = Deadlines((H - 7 * DAY, H - 2 * DAY, H - DAY))
VILLAGE = "14.10.01.2007"


def kit(
    number: int, reached: int, planned: tuple[dt.datetime | None, ...] = (None,) * 3
) -> TpsStatus:
    return TpsStatus(f"1410012007{number:03d}", VILLAGE, reached, False, (None,) * 3, planned)


def test_a_kits_status_follows_its_next_deadline_and_its_plan() -> None:
    """At the TPS: done; not packed: waiting; past the next deadline: overdue; past its planned
    arrival: behind; otherwise on track."""
    now = H - 3 * DAY
    assert tps_state(kit(1, 3), now, DEADLINES) == DONE
    assert tps_state(kit(1, -1), H - 10 * DAY, DEADLINES) == WAITING
    assert tps_state(kit(1, 0), now, DEADLINES) == OVERDUE  # not at the PPK by H-7
    planned = (None, H - 4 * DAY, None)
    assert tps_state(kit(1, 1, planned), now, DEADLINES) == BEHIND
    assert tps_state(kit(1, 1, (None, H - 2 * DAY, None)), now, DEADLINES) == ON_TRACK


def test_kits_roll_up_to_the_child_regions_with_the_worst_status() -> None:
    """A kecamatan's row counts its TPS at each level and takes its worst TPS's status."""
    other = TpsStatus("1410021001001", "14.10.02.1001", 3)
    total, children = by_child("14.10", [kit(1, 2), kit(2, 0), other], H - 3 * DAY, DEADLINES)
    assert [c.code for c in children] == ["14.10.01", "14.10.02"]
    assert children[0].at_level == [1, 1, 0] and children[0].status == OVERDUE
    assert children[1].status == DONE and total.tps == 3 and total.at_level == [2, 2, 1]
    _, tps_rows = by_child(VILLAGE, [kit(1, 2), kit(2, 0)], H - 3 * DAY, DEADLINES)
    assert [c.code for c in tps_rows] == ["1410012007001", "1410012007002"]


def test_late_risks_put_the_most_urgent_first() -> None:
    """Least time to the deadline first, then the earliest planned; kits at the TPS are left out."""
    now = H - 2 * DAY - dt.timedelta(hours=12)
    risks = late_risks(
        [
            kit(1, 3),
            kit(2, 2),  # PPS -> TPS due H-1: 36 h away
            kit(3, 1),  # PPK -> PPS due H-2: 12 h away
            kit(4, 0),  # past H-7
            kit(5, 2, (None, None, now - dt.timedelta(hours=1))),  # its plan said an hour ago
        ],
        now,
        DEADLINES,
    )
    assert [(r.tps[-3:], r.reason) for r in risks] == [
        ("004", "overdue"),
        ("003", "deadline_soon"),
        ("005", "behind_plan"),  # due as 002 is, and its plan is already late
        ("002", "deadline_soon"),
    ]


def test_curves_count_kits_by_the_time_they_arrived_and_were_planned() -> None:
    """Steps of 1, 2, ... at each arrival; the SVG shows the deadlines and the present."""
    arrived = TpsStatus("1410012007001", VILLAGE, 1, False, (H - 9 * DAY, None, None))
    planned = TpsStatus("1410012007002", VILLAGE, 0, False, (None,) * 3, (H - 10 * DAY, None, None))
    found = curves([arrived, planned], DEADLINES)
    assert found[0].actual == ((H - 9 * DAY, 1),) and found[0].planned == ((H - 10 * DAY, 1),)
    labels = CurveLabels("Kurva", ("A", "B", "C"), "Nyata", "Rencana", "Tenggat", "Kini", "-")
    svg = progress_chart(found, labels, H - 8 * DAY, dt.timezone(dt.timedelta(hours=7)))
    assert svg.startswith("<svg") and svg.count("Tenggat") == 3 and "Kini" in svg
    empty = curves([TpsStatus("1410012007003", VILLAGE, 0)], DEADLINES)
    assert progress_chart(empty, labels, H, UTC) == ""


def test_an_incident_is_open_then_followed_up_then_closed() -> None:
    """Followed up once a finding names it, a package or its TPS; closed once all packages moved."""
    packages = {"K-A", "K-B"}
    assert incident_state(10, packages, {"T"}, {"K-A": 12, "K-B": 9}, set()) == "open"
    assert incident_state(10, packages, {"T"}, {"K-A": 12, "K-B": 9}, {"10"}) == "followed"
    assert incident_state(10, packages, {"T"}, {}, {"T"}) == "followed"
    assert incident_state(10, packages, {"T"}, {"K-A": 12, "K-B": 11}, set()) == "resolved"


def test_a_table_goes_to_excel_with_numbers_and_local_times() -> None:
    """Headings bold in one row (times labelled with the zone), numbers stay numbers."""
    wib = dt.timezone(dt.timedelta(hours=7))
    table = Table(
        "t",
        "Judul",
        (Column("n", "Jumlah", "int"), Column("at", "Waktu", "time"), Column("s", "Teks")),
        [{"n": 1234, "at": dt.datetime(2024, 2, 11, 5, 0, tzinfo=UTC), "s": "a"}],
    )
    rows = workbook_rows(to_xlsx(table, wib, "WIB", ["Keterangan"]))
    assert rows[0][0] == "Judul" and rows[1][0] == "Keterangan"
    header = rows.index(["Jumlah", "Waktu (WIB)", "Teks"])
    assert rows[header + 1] == [1234, dt.datetime(2024, 2, 11, 12, 0), "a"]
