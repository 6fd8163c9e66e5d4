"""The dashboards, served in process over the built store: access, figures from the store,
drill-down, exports, documents and the English switch."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salur.custody.models import CustodyEvent
from salur.identity.models import Denial
from salur.uow import UnitOfWork
from tests.web.conftest import signed_in
from tests.web.pages import column, number, tables, workbook_rows
from tests.web.world import DISTRICT, DUMAI, MERANTI, RECEIVED_VILLAGE, WebWorld

HTML = {"Accept": "text/html"}


def test_a_dashboard_sends_a_browser_without_a_session_to_sign_in(app: FastAPI) -> None:
    """No session: a browser goes to the sign-in page (and back after), an API client gets 401."""
    client = TestClient(app, base_url="https://testserver")
    page = client.get(f"/dashboard/{MERANTI}", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/web/sign-in?next=/dashboard/{MERANTI}"
    assert client.get(f"/dashboard/{MERANTI}").status_code == 401
    sign_in = client.get("/web/sign-in?next=/dashboard/14.10", headers=HTML)
    assert 'name="next" value="/dashboard/14.10"' in sign_in.text
    assert client.cookies.get("salur_csrf")


def test_the_regency_dashboard_counts_kits_as_the_store_holds_them(app: FastAPI) -> None:
    """Tebing Tinggi's 202 kits at its PPK, desa 1002's 18 at its PPS, the rest in the warehouse."""
    client = signed_in(app, "kpu-meranti")
    page = client.get(f"/dashboard/{MERANTI}", headers=HTML)
    assert page.status_code == 200
    progress = tables(page.text)["progress"]
    codes = column(progress, "Kode")
    assert codes == [f"{MERANTI}.0{i}" for i in range(1, 10)]
    row = progress[1 + codes.index(DISTRICT)]
    assert number(column(progress, "TPS")[codes.index(DISTRICT)]) == 202
    assert number(column(progress, "Di PPK")[codes.index(DISTRICT)]) == 202
    assert number(column(progress, "Di PPS")[codes.index(DISTRICT)]) >= 18
    assert all(number(c) == 0 for c in column(progress, "Di PPK")[1:])
    assert "Lewat tenggat" in " ".join(progress[2])  # not at the PPK by H-7
    assert row[0] == "Tebing Tinggi"
    assert 'href="/dashboard/14.10.01"' in page.text  # the drill-down
    assert "<svg" in page.text and "Gudang → PPK" in page.text  # the curves
    assert 'id="map-data"' in page.text and "L.control" not in page.text  # map data, script apart
    incidents = tables(page.text)["incidents"]
    flood = next(r for r in incidents[1:] if "Banjir" in r)
    assert "Laporan Panitia Pemungutan Suara (PPS), 14.10.01.1002" in flood
    assert flood[-1] == "Terbuka"  # nothing moved since, no finding names it
    workflow = tables(page.text)["workflow"]
    assert "Penanggung jawab" in workflow[0]
    assert any(row[2] == "1410011002001" and "dilaporkan" in row for row in workflow[1:])


def test_drilling_down_reaches_the_tps_of_a_desa(app: FastAPI) -> None:
    """Province -> regency -> kecamatan -> desa; the desa lists its TPS with their kits."""
    client = signed_in(app, "kpu-riau")
    province = tables(client.get("/dashboard/14", headers=HTML).text)["progress"]
    assert len(province) == 1 + 12
    desa = tables(client.get(f"/dashboard/{RECEIVED_VILLAGE}", headers=HTML).text)["progress"]
    assert len(desa) == 1 + 18
    assert all(number(c) == 1 for c in column(desa, "Di PPS"))
    assert desa[1][1] == "1410011002001"


def test_the_province_dashboard_lists_dumais_ballots_short(app: FastAPI) -> None:
    """Dumai received 90 % of its ballots: the shortage table shows its lines, Meranti's none."""
    page = signed_in(app, "kpu-riau").get("/dashboard/14", headers=HTML).text
    shortages = tables(page)["shortages"]
    regencies = set(column(shortages, "Kabupaten"))
    assert regencies == {"Kota Dumai"}
    assert all(number(c) > 0 for c in column(shortages, "Kurang"))


def test_a_dashboard_outside_the_viewers_scope_is_refused_and_logged(
    app: FastAPI, world: WebWorld
) -> None:
    """Meranti's KPU may not open Dumai; the browser lands on the refusal page; it is logged."""
    client = signed_in(app, "kpu-meranti")
    with UnitOfWork(world.engine) as uow:
        before = uow.session.scalar(select(func.count()).select_from(Denial))
    page = client.get(f"/dashboard/{DUMAI}", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/web/denied?reason=scope")
    refused = client.get(page.headers["location"], headers=HTML)
    assert refused.status_code == 403 and "di luar cakupan wilayah Anda" in refused.text
    assert client.get(f"/dashboard/{DUMAI}").status_code == 403  # an API client: the API's answer
    with UnitOfWork(world.engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Denial)) == (before or 0) + 2


def test_every_dashboard_table_exports_to_excel_with_the_pages_figures(app: FastAPI) -> None:
    """Each table's .xlsx holds every row, numbers as numbers, and the plan beside the actual."""
    client = signed_in(app, "kpu-meranti")
    page = tables(client.get(f"/dashboard/{MERANTI}", headers=HTML).text)
    for name in ("progress", "late", "workflow", "incidents", "escorts", "shortages", "events"):
        response = client.get(f"/dashboard/{MERANTI}/export/{name}.xlsx")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response.headers["content-disposition"]
        workbook_rows(response.content)
    rows = workbook_rows(client.get(f"/dashboard/{MERANTI}/export/progress.xlsx").content)
    header = rows.index(next(r for r in rows if r[0] == "Kecamatan"))
    body = rows[header + 1 :]
    assert [r[1] for r in body] == column(page["progress"], "Kode")
    at_ppk = rows[header].index("Di PPK")
    assert rows[header][at_ppk + 1] == "Rencana PPK"
    assert [r[at_ppk] for r in body] == [number(c) for c in column(page["progress"], "Di PPK")]
    late = workbook_rows(client.get(f"/dashboard/{MERANTI}/export/late.xlsx").content)
    assert len(late) > len(page["late"])  # the page shows 25, the file every row
    assert client.get(f"/dashboard/{MERANTI}/export/users.xlsx", headers=HTML).status_code == 404


def test_the_documents_the_dashboard_links_to_open(app: FastAPI, world: WebWorld) -> None:
    """BAST of a handover, label sheets, the needs report and the plan's files all open."""
    client = signed_in(app, "kpu-meranti")
    with UnitOfWork(world.engine) as uow:
        handover = uow.session.scalar(
            select(func.min(CustodyEvent.id)).where(CustodyEvent.kind == "handover")
        )
    page = client.get(f"/dashboard/{DISTRICT}", headers=HTML).text
    assert f'href="/events/{handover}/bast.pdf"' in page or "/bast.pdf" in page
    assert client.get(f"/events/{handover}/bast.pdf").content.startswith(b"%PDF")
    assert client.get(f"/kits/{RECEIVED_VILLAGE}/labels.pdf").content.startswith(b"%PDF")
    assert "<html" in client.get(f"/reports/{DISTRICT}/needs.html").text
    routes = client.get(f"/documents/{MERANTI}/plan/routes.csv").text.splitlines()
    assert routes[0].startswith("route_id,regency,echelon") and len(routes) > 10
    assert float(routes[1].split(",")[16]) > 0  # the load of the first route, kits weighed
    assert "leaflet" in client.get(f"/documents/{MERANTI}/plan/map.html").text.lower()


def test_the_dashboard_speaks_english_when_asked_and_remembers_it(app: FastAPI) -> None:
    """?lang=en switches every text; the choice sticks for the next page."""
    client = signed_in(app, "kpu-meranti")
    english = client.get(f"/dashboard/{MERANTI}?lang=en", headers=HTML)
    assert "Logistics distribution" in english.text and "Progress by region" in english.text
    assert english.headers["content-language"] == "en"
    again = client.get(f"/dashboard/{DISTRICT}", headers=HTML)
    assert "Progress by region" in again.text and "Kemajuan per wilayah" not in again.text
    client.get(f"/dashboard/{MERANTI}?lang=id", headers=HTML)


def test_the_sign_in_page_sends_people_only_to_pages_of_this_site(app: FastAPI) -> None:
    """A `next` naming another site (//host, /\\host, a full URL) falls back to the dashboard."""
    client = TestClient(app, base_url="https://testserver")
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/", "/x\ny"):
        page = client.get("/web/sign-in", params={"next": target}, headers=HTML)
        assert 'name="next" value="/dashboard"' in page.text, target
    page = client.get("/web/sign-in", params={"next": "/field/"}, headers=HTML)
    assert 'name="next" value="/field/"' in page.text


def test_a_kpps_sees_its_own_tps_with_the_way_up_to_the_regency(app: FastAPI) -> None:
    """A TPS's page: its one kit, and the names of the desa, kecamatan and regency above it
    (not links: those pages are not the KPPS's)."""
    client = signed_in(app, "kpps-satu")
    page = client.get("/dashboard/1410012007001", headers=HTML).text
    progress = tables(page)["progress"]
    assert column(progress, "Kode") == ["1410012007001"] and progress[0][0] == "TPS"
    crumbs = page.split('class="crumbs"')[1].split("</nav>")[0]
    assert "Alah Air Timur" in crumbs and "Tebing Tinggi" in crumbs and "TPS 001" in crumbs
    assert 'href="/dashboard/14.10.01' not in crumbs
    assert (
        client.get("/dashboard/1410012007002", headers=HTML, follow_redirects=False).status_code
        == 303
    )
