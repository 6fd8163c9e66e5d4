"""What the field page downloads for offline work: the officer's own region and nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import signed_in
from tests.web.world import DISTRICT, FIELD_VILLAGE, WebWorld


def test_a_pps_gets_the_manifests_of_its_desa_with_their_expected_dapil(
    app: FastAPI, world: WebWorld
) -> None:
    """Every package of the desa's kits, the dapil its TPS votes in, seals, where it is now."""
    context = signed_in(app, "pps-lapangan").get("/field/api/context").json()
    assert context["custody_role"] == "pps" and context["receive_hop"] == "ppk_pps"
    assert context["dispatch"] == {"hop": "pps_kpps", "to_role": "kpps", "to_level": "kpps"}
    assert context["user"]["person"] == world.persons["pps-lapangan"]
    packages = context["packages"]
    assert {p["village"] for p in packages} == {FIELD_VILLAGE}
    assert len({p["tps"] for p in packages}) == 11
    heading = [p for p in packages if p["heading"] == ["pps", FIELD_VILLAGE]]
    assert {p["tps"] for p in heading} <= set(world.field_kits) and heading
    kotak = next(p for p in packages if p["ballot_type"] == "dprd_kab")
    info = world.packages(kotak["tps"])[kotak["id"]]
    assert kotak["expected_dapil"] == info.tps_dapil["dprd_kab"]
    assert kotak["seals"] == sorted(info.seals) and len(kotak["seals"]) == 2
    assert context["log"]["vkey"] == world.log_vkey and context["witnesses"] == [world.witness_vkey]


def test_a_ppk_and_a_kpps_get_their_own_levels(app: FastAPI) -> None:
    """A PPK receives from the warehouse and sends to its PPS; a KPPS only receives its kit."""
    ppk = signed_in(app, "ppk-tebing").get("/field/api/context").json()
    assert ppk["receive_hop"] == "warehouse_ppk" and ppk["dispatch"]["to_role"] == "pps"
    assert {p["district"] for p in ppk["packages"]} == {DISTRICT}
    kpps = signed_in(app, "kpps-satu").get("/field/api/context").json()
    assert kpps["receive_hop"] == "pps_kpps" and kpps["dispatch"] is None
    assert {p["tps"] for p in kpps["packages"]} == {"1410012007001"}


def test_the_field_page_is_for_field_officers_and_its_shell_holds_no_data(app: FastAPI) -> None:
    """KPU and the public cannot use it; the cached shell carries no name or pseudonym."""
    assert signed_in(app, "kpu-meranti").get("/field/api/context").status_code == 403
    assert (
        TestClient(app, base_url="https://testserver").get("/field/api/context").status_code == 401
    )
    client = signed_in(app, "pps-lapangan")
    shell = client.get("/field/", headers={"Accept": "text/html"})
    assert shell.status_code == 200 and "Nurhayati" not in shell.text and "p-" not in shell.text
    worker = client.get("/field/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "/field/" in worker.text and "caches" in worker.text
