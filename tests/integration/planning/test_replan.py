"""Re-planning around the disruptions of 2024: what happened stays, the rest is repaired, the
checker passes, and the repair is the region's next immutable version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from tests.integration.risk.stored_plans import FAST, store_plan
from typer.testing import CliRunner

from salur.cli import replan as replan_cli
from salur.errors import InputError, SalurError
from salur.planning.check import Reference, check_plan
from salur.planning.config import load_planning_data
from salur.planning.disruptions import disruptions_from, load_disruptions
from salur.planning.echelons import EchelonId
from salur.planning.plan import Plan, RoutePlan
from salur.planning.repair import Fate
from salur.planning.replan import repair_one, replan
from salur.planning.service import load_region, recheck
from salur.planning.timetable import DAY
from salur.planning.travel import EstimateSource
from salur.uow import UnitOfWork

HOUR = 3600
RANTAU_KASIH = "14.01.08.2005"  # Kampar Kiri Hilir: the road cut in February 2024 (4 TPS)
KUALA_KAMPAR = "14.05.10"


@pytest.fixture(scope="module")
def plans(riau_store: Engine) -> dict[str, int]:
    """Pelalawan, Kampar and Bengkalis, each planned once per backend."""
    return {code: store_plan(riau_store, code) for code in ("14.05", "14.01", "14.03")}


def stored(engine: Engine, plan_id: int) -> Plan:
    with UnitOfWork(engine) as uow:
        plan, report, _ = recheck(uow, plan_id)
    assert report.ok, report.violations[:3]
    return plan


def label(t: int) -> str:
    return load_planning_data().schedule.local_label(t)


def repaired(engine: Engine, plan_id: int, disruptions: dict[str, object]) -> Plan:
    with UnitOfWork(engine) as uow:
        outcome = replan(uow, plan_id, disruptions)
        uow.commit()
    assert outcome.check.ok
    again = stored(engine, outcome.plan_id)
    assert again.routes == outcome.plan.routes
    return outcome.plan


def assert_past_kept(before: Plan, after: Plan, at: int) -> None:
    """Every stop reached before the repair is still there, as it was; every stop left before
    it is unchanged to the second."""
    routes = {r.route_id: r for r in after.routes}
    for old in before.routes:
        if old.stops[0].arrive >= at:
            continue
        new = routes[old.route_id]
        for a, b in zip(old.stops, new.stops, strict=False):
            if a.arrive > at:
                break
            assert (a.site, a.arrive, a.loaded) == (b.site, b.arrive, b.loaded)
            if a.depart <= at:
                assert a == b


def boat_to_kuala_kampar(plan: Plan) -> RoutePlan:
    boats = [
        r
        for r in plan.routes
        if r.echelon == EchelonId.WAREHOUSE_PPK
        and r.base == "P-TELUKMERANTI"
        and any(s.site == KUALA_KAMPAR and s.unloaded for s in r.stops)
    ]
    return min(boats, key=lambda r: (r.depart, r.route_id))


def test_a_boat_aground_on_the_way_to_kuala_kampar_hands_its_load_to_another_boat(
    riau_store: Engine, plans: dict[str, int]
) -> None:
    """Pelalawan, 2024: the boat to Kuala Kampar runs aground. It keeps what it did, brings its
    kits back to the Teluk Meranti jetty, and another boat takes them; no TPS is lost."""
    before = stored(riau_store, plans["14.05"])
    boat = boat_to_kuala_kampar(before)
    at = boat.depart + 2 * HOUR
    assert boat.stops[1].arrive > at
    after = repaired(
        riau_store,
        plans["14.05"],
        {"at": label(at), "vehicle_down": [{"unit": boat.unit, "from": label(at - HOUR)}]},
    )
    assert_past_kept(before, after, at)
    cut = next(r for r in after.routes if r.route_id == boat.route_id)
    aboard = set(boat.stops[0].loaded)
    assert cut.stops[-1].site == boat.base and set(cut.stops[-1].unloaded) == aboard
    assert not any(s.site == KUALA_KAMPAR for s in cut.stops)
    new = {r.route_id for r in after.routes} - {r.route_id for r in before.routes}
    onward = [
        r
        for r in after.routes
        if r.route_id in new and aboard & {t for s in r.stops for t in s.loaded}
    ]
    assert onward and all(r.unit != boat.unit and r.depart >= at for r in onward)
    delivered = {t for r in onward for s in r.stops if s.site == KUALA_KAMPAR for t in s.unloaded}
    assert delivered == aboard
    assert after.unserved == [] and len(after.tps) == len(before.tps)
    assert stored(riau_store, plans["14.05"]).routes == before.routes


def e2_to_rantau_kasih(plan: Plan) -> tuple[RoutePlan, int]:
    for route in sorted(plan.routes, key=lambda r: (r.depart, r.route_id)):
        for j, stop in enumerate(route.stops):
            if route.echelon == EchelonId.PPK_PPS and stop.site == RANTAU_KASIH and stop.unloaded:
                return route, j
    raise AssertionError("no route to Rantau Kasih")


def test_the_kampar_kiri_hilir_road_cut_leaves_rantau_kasih_named_unless_a_boat_crosses(
    riau_store: Engine, plans: dict[str, int]
) -> None:
    """Kampar, 2024: the road into Rantau Kasih is cut while the truck is out. Without a boat
    its 4 TPS are named unserved (no path); with the villagers' pompong they are served by
    water, and no road leg enters the desa after the cut."""
    before = stored(riau_store, plans["14.01"])
    truck, j = e2_to_rantau_kasih(before)
    at = truck.stops[j - 1].depart - 60 if j > 1 else truck.depart + 60
    cut = {"site": RANTAU_KASIH, "from": label(truck.stops[0].arrive)}
    desa = {t for t in before.tps if t.startswith("1401082005")}
    assert len(desa) == 4
    stranded = repaired(riau_store, plans["14.01"], {"at": label(at), "road_closed": [cut]})
    assert_past_kept(before, stranded, at)
    assert {i.tps for i in stranded.unserved} == desa
    assert {i.reason for i in stranded.unserved} == {"plan.reason.no_path"}
    crossing = {"id": "X-RANTAUKASIH", "between": ["14.01.08", RANTAU_KASIH]}
    served = repaired(
        riau_store,
        plans["14.01"],
        {"at": label(at), "road_closed": [cut], "crossing": [crossing]},
    )
    assert served.unserved == []
    into = [
        (r, s)
        for r in served.routes
        for prev, s in zip(r.stops, r.stops[1:], strict=False)
        if s.site == RANTAU_KASIH and prev.depart >= at and r.echelon != EchelonId.PPS_TPS
    ]
    assert into and all(s.leg_kind == "boat" for _, s in into)
    assert any(s.leg_link == "X-RANTAUKASIH" for r in served.routes for s in r.stops)


def test_a_cancelled_rupat_ferry_makes_the_truck_wait_for_the_next_sailing(
    riau_store: Engine, plans: dict[str, int]
) -> None:
    """Bengkalis: the Dumai - Rupat ro-ro is cancelled for a day while a truck is on its way.
    It waits at Dumai for the first sailing after the cancellation; no route sails in it."""
    before = stored(riau_store, plans["14.03"])
    crossing = [
        (r, j)
        for r in before.routes
        for j, s in enumerate(r.stops)
        if s.leg_link == "L-DUMAI-RUPAT" and r.echelon == EchelonId.WAREHOUSE_PPK
    ]
    truck, j = min(crossing, key=lambda c: (c[0].depart, c[1]))
    at = truck.depart + 60
    sails = truck.stops[j - 1].depart
    until = sails + DAY
    after = repaired(
        riau_store,
        plans["14.03"],
        {
            "at": label(at),
            "ferry_cancelled": [
                {"link": "L-DUMAI-RUPAT", "from": label(at), "until": label(until)}
            ],
        },
    )
    assert_past_kept(before, after, at)
    for route in after.routes:
        for prev, stop in zip(route.stops, route.stops[1:], strict=False):
            if stop.leg_link == "L-DUMAI-RUPAT" and prev.depart >= at:
                assert not at <= prev.depart < until, route.route_id
    waiting = next(r for r in after.routes if r.route_id == truck.route_id)
    assert [s.site for s in waiting.stops][: j + 1] == [s.site for s in truck.stops][: j + 1]
    assert waiting.stops[j - 1].depart >= until
    assert after.unserved == []


def test_what_custody_recorded_stays_as_it_was(riau_store: Engine, plans: dict[str, int]) -> None:
    """A boat whose kits custody shows handed over at the PPK is not cut short, whatever the
    disruption says: custody records what happened."""
    data = load_planning_data()
    before = stored(riau_store, plans["14.05"])
    boat = boat_to_kuala_kampar(before)
    at = boat.depart + 2 * HOUR
    found = disruptions_from(
        {"at": label(at), "vehicle_down": [{"unit": boat.unit, "from": label(at - HOUR)}]},
        data.schedule,
    )
    with UnitOfWork(riau_store) as uow:
        inputs = load_region(uow, "14.05", data)
    done = dict.fromkeys(boat.stops[0].loaded, 1)
    free = repair_one("14.05", before, inputs, data, found, FAST, EstimateSource(), {})
    kept = repair_one("14.05", before, inputs, data, found, FAST, EstimateSource(), done)
    assert free.fates[boat.route_id] == Fate.TRUNCATE and free.starts
    assert kept.fates[boat.route_id] == Fate.KEEP and not kept.starts
    assert next(r for r in kept.routes if r.route_id == boat.route_id) == boat


def test_names_the_plan_does_not_know_are_refused_and_nothing_is_stored(
    riau_store: Engine, plans: dict[str, int]
) -> None:
    """A typo in a site, link or vehicle stops the repair before anything is written."""
    with UnitOfWork(riau_store) as uow:
        for bad, key in (
            ({"road_closed": [{"site": "14.05.99", "from": "H-20"}]}, "replan.unknown_site"),
            ({"link_closed": [{"link": "L-NOWHERE", "from": "H-20"}]}, "replan.unknown_link"),
            ({"vehicle_down": [{"unit": "14-S12/bus#01", "from": "H-20"}]}, "replan.unknown_unit"),
        ):
            with pytest.raises(SalurError) as caught:
                replan(uow, plans["14.05"], bad)
            assert caught.value.key == key


def test_disruption_files_in_toml_and_json_say_the_same(tmp_path: Path) -> None:
    """Both formats, moments as H-labels or ISO times; a bad moment names its field."""
    schedule = load_planning_data().schedule
    (tmp_path / "d.toml").write_text(
        'at = "2024-02-12T08:00:00+07:00"\n'
        '[[ferry_cancelled]]\nlink = "L-DUMAI-RUPAT"\nfrom = "H-2 07:00"\nuntil = "H-1"\n',
        encoding="utf-8",
    )
    (tmp_path / "d.json").write_text(
        json.dumps(
            {
                "at": "H-2 08:00",
                "ferry_cancelled": [
                    {"link": "L-DUMAI-RUPAT", "from": "2024-02-12T00:00:00Z", "until": "H-1"}
                ],
            }
        ),
        encoding="utf-8",
    )
    toml, js = (load_disruptions(tmp_path / n, schedule) for n in ("d.toml", "d.json"))
    assert toml.at == js.at == -2 * DAY + 8 * HOUR
    assert toml.ferries_cancelled == js.ferries_cancelled
    (tmp_path / "bad.toml").write_text(
        '[[vehicle_down]]\nunit = "X"\nfrom = "yesterday"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_disruptions(tmp_path / "bad.toml", schedule)
    assert caught.value.field == "vehicle_down[0].from"


def test_salur_replan_repairs_stores_and_writes_the_next_version(
    riau_store: Engine, plans: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command takes disruptions as options, prints what changed and writes the files."""
    monkeypatch.setenv("SALUR_DATABASE_URL", riau_store.url.render_as_string(hide_password=False))
    app = typer.Typer()
    app.command("replan")(replan_cli.replan)
    app.command("noop")(lambda: None)
    boat = boat_to_kuala_kampar(stored(riau_store, plans["14.05"]))
    at = boat.depart + 2 * HOUR
    out = tmp_path / "repaired"
    args = ["replan", "--plan", str(plans["14.05"]), "--vehicle-down", boat.unit]
    args += ["--from", label(at - HOUR), "--at", label(at), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["replan"]["parent_plan_id"] == plans["14.05"]
    assert summary["replan"]["regencies"]["14.05"]["routes_cut_short"] == 1
    data = load_planning_data()
    with UnitOfWork(riau_store) as uow:
        plan, report, _ = recheck(uow, summary["plan_id"])
        inputs = load_region(uow, "14.05", data)
    assert report.ok and check_plan(plan, Reference.of(inputs, data)).ok
    wrong = CliRunner().invoke(app, [*args[:3], "--road-closed", "14.05.99", "--at", label(at)])
    assert wrong.exit_code == 2 and "14.05.99" in wrong.output
