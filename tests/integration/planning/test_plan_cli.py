"""`salur plan` writes the plan files atomically and `salur plan-check` re-verifies it."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from salur.cli import plan as plan_cli
from salur.planning.models import PlanRow


@pytest.fixture
def cli(riau_store: Engine, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("SALUR_DATABASE_URL", riau_store.url.render_as_string(hide_password=False))
    app = typer.Typer()
    app.command("plan")(plan_cli.plan)
    app.command("plan-check")(plan_cli.plan_check)
    return app


def test_plan_writes_routes_stops_manifests_summary_and_map(
    cli: typer.Typer, tmp_path: Path
) -> None:
    """All five outputs exist, stops carry the TPS codes, and the map needs no CDN."""
    out = tmp_path / "meranti"
    result = CliRunner().invoke(cli, ["plan", "--region", "14.10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "routes.csv",
        "stops.csv",
        "summary.json",
        "map.html",
        "manifests",
    }
    with (out / "stops.csv").open(encoding="utf-8") as f:
        stops = list(csv.DictReader(f))
    assert {
        "route_id",
        "echelon",
        "mode",
        "sequence",
        "site_code",
        "arrival",
        "departure",
        "tps_unloaded",
    } <= set(stops[0])
    handed = [
        t for s in stops if s["echelon"] == "pps_tps" for t in s["tps_unloaded"].split(";") if t
    ]
    assert len(handed) == len(set(handed)) == 677
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["tps_on_time"] == 677 and summary["baseline"]["vehicle_km_saving"] > 0.25
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "L.control.scale" in page and "legend" in page
    assert "<script src=" not in page and "<link" not in page and "url(images/" not in page
    book = load_workbook(out / "manifests" / "14.10.xlsx", read_only=True)
    assert len(book.sheetnames) > 10
    plan_id = summary["plan_id"]
    check = CliRunner().invoke(cli, ["plan-check", str(plan_id)])
    assert check.exit_code == 0, check.output


def test_an_unknown_region_writes_no_files(cli: typer.Typer, tmp_path: Path) -> None:
    """The error is one clear line; the output folder is not even created."""
    out = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, ["plan", "--region", "99", "--out", str(out)])
    assert result.exit_code == 2
    assert "99" in result.output
    assert not out.exists()


def plans_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(PlanRow)) or 0)


def test_a_matrix_with_a_hole_names_the_pair_and_leaves_no_trace(
    cli: typer.Typer, riau_store: Engine, tmp_path: Path
) -> None:
    """The missing pair is named; no plan is stored and the output folder is not created."""
    matrix = tmp_path / "matrix.csv"
    rows = ["from_code,to_code,mode,distance_km,duration_min"]
    places = ["14-S05", "14.10.01", "14.10.04"]
    rows += [
        f"{a},{b},truck,20,45"
        for a in places
        for b in places
        if a != b and (a, b) != ("14.10.04", "14.10.01")
    ]
    matrix.write_text("\n".join(rows) + "\n")
    out = tmp_path / "plan"
    before = plans_stored(riau_store)
    result = CliRunner().invoke(
        cli, ["plan", "--region", "14.10", "--matrix", str(matrix), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "14.10.04 -> 14.10.01" in result.output
    assert not out.exists() and plans_stored(riau_store) == before


def test_an_osrm_server_that_cannot_be_reached_is_named_and_nothing_is_written(
    cli: typer.Typer, riau_store: Engine, tmp_path: Path
) -> None:
    """`--osrm` at a closed port: one clear line naming the server; no plan, no files."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    out = tmp_path / "plan"
    before = plans_stored(riau_store)
    result = CliRunner().invoke(
        cli, ["plan", "--region", "14.10", "--osrm", url, "--out", str(out)]
    )
    assert result.exit_code == 2
    assert url in result.output.replace("\n", "")
    assert not out.exists() and plans_stored(riau_store) == before
