"""What the public portal and the Bawaslu view show: nothing personal anywhere public, nothing
outside a Bawaslu office's own region, and Bawaslu's own work (findings, witnessing)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from salur.geo.models import Tps
from salur.uow import UnitOfWork
from tests.web.conftest import signed_in
from tests.web.pages import column, column_index, number, tables, workbook_rows
from tests.web.world import (
    DEVICES,
    DISTRICT,
    DUMAI,
    MERANTI,
    RECEIVED_VILLAGE,
    UNWITNESSED_VILLAGE,
    USERS,
    WebWorld,
)

HTML = {"Accept": "text/html"}
PSEUDONYM = re.compile(r"p-[0-9a-f]{32}")
DOTTED = re.compile(r"(?<![\d.])14\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?(?![\d])")
TPS_CODE = re.compile(r"(?<!\d)14\d{11}(?!\d)")


def personal_data(world: WebWorld, text: str, *, except_user: str | None = None) -> list[str]:
    """Every name, phone number, username, pseudonym or device id found in `text`."""
    found = []
    for username, _, _, name, phone in USERS:
        if username == except_user:
            continue
        for value in (name, phone, phone.replace(" ", ""), username):
            if value in text:
                found.append(value)
    found += [d for _, d, _, _ in DEVICES if d in text]
    found += re.findall(r"WEB-[0-9A-Z]{6}", text)
    own = world.persons.get(except_user or "")
    found += [p for p in PSEUDONYM.findall(text) if p != own]  # their own witness code
    return found


def public_pages(client: TestClient) -> dict[str, str]:
    """Every page the portal links to from its home, and the verifier."""
    pages: dict[str, str] = {}
    seen = {"/public"}
    queue = ["/public"]
    while queue:
        path = queue.pop()
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        pages[str(response.url.path)] = response.text
        for link in re.findall(r'href="(/public[^"#?]*)"', response.text):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return pages


def test_the_public_portal_shows_no_personal_data(app: FastAPI, world: WebWorld) -> None:
    """No name, phone, username, pseudonym or device id on any public page, nor in the session."""
    client = TestClient(app, base_url="https://testserver")
    pages = public_pages(client)
    assert {"/public/14", "/public/14.10", "/public/14.72", "/public/verify"} <= set(pages)
    for path, text in pages.items():
        assert personal_data(world, text) == [], path
    assert not client.cookies.get("salur_session")


def test_the_public_table_exports_to_excel_without_personal_data(
    app: FastAPI, world: WebWorld
) -> None:
    """The portal's table as .xlsx: the page's rows, counts only."""
    client = TestClient(app, base_url="https://testserver")
    response = client.get(f"/public/{MERANTI}/export/progress.xlsx")
    assert response.status_code == 200
    rows = workbook_rows(response.content)
    text = "\n".join(" ".join(str(c) for c in r if c is not None) for r in rows)
    assert personal_data(world, text) == []
    header = next(r for r in rows if r[0] == "Kecamatan")
    assert "Rencana PPK" not in header and len(rows) - rows.index(header) - 1 == 9
    assert client.get(f"/public/{DISTRICT}/export/progress.xlsx").status_code == 404


def test_the_public_portal_stops_at_the_kecamatan(app: FastAPI) -> None:
    """Regencies and their kecamatan in counts; no desa, no TPS, not even by typing the address."""
    client = TestClient(app, base_url="https://testserver")
    meranti = client.get(f"/public/{MERANTI}", headers=HTML).text
    rows = tables(meranti)["progress"]
    assert column(rows, "Kode") == [f"{MERANTI}.0{i}" for i in range(1, 10)]
    assert number(column(rows, "Di PPK")[0]) == 202
    assert "Rencana" not in rows[0] and not TPS_CODE.search(meranti)
    assert 'href="/public/14.10.01"' not in meranti
    for deeper in (DISTRICT, RECEIVED_VILLAGE, "1410011002001"):
        assert client.get(f"/public/{deeper}", headers=HTML).status_code == 404


def test_the_public_portal_shows_the_latest_cosigned_checkpoint(app: FastAPI) -> None:
    """The signed checkpoint with the witness's cosignature, as the log serves it."""
    client = TestClient(app, base_url="https://testserver")
    page = client.get("/public/14", headers=HTML).text
    note = client.get("/log/14/checkpoint")
    assert note.status_code == 200
    assert "salur.kpu.go.id/pemilu-2024/14" in page and "bawaslu.go.id/riau" in page
    first_line = page.split("<pre>")[1].split("\n")[0]
    assert first_line == "salur.kpu.go.id/pemilu-2024/14"


def bawaslu_texts(client: TestClient, region: str) -> list[tuple[str, str]]:
    """The Bawaslu page of a region, its drill-down pages and every Excel export, as text."""
    out = []
    page = client.get(f"/bawaslu/{region}", headers=HTML)
    assert page.status_code == 200
    out.append((f"/bawaslu/{region}", page.text))
    for name in (
        "progress",
        "late",
        "workflow",
        "incidents",
        "events",
        "findings",
        "witnessed",
        "to_witness",
        "unwitnessed",
    ):
        xlsx = client.get(f"/bawaslu/{region}/export/{name}.xlsx")
        assert xlsx.status_code == 200, name
        rows = workbook_rows(xlsx.content)
        out.append((name, "\n".join(" ".join(str(c) for c in r if c is not None) for r in rows)))
    for link in sorted(set(re.findall(r'href="(/bawaslu/[0-9.]+)"', page.text)))[:3]:
        out.append((link, client.get(link, headers=HTML).text))
    return out


def test_the_bawaslu_view_shows_nothing_outside_its_region(app: FastAPI, world: WebWorld) -> None:
    """Meranti's Bawaslu: only Meranti's codes and names, no one's personal data but its own."""
    client = signed_in(app, "bawaslu-meranti")
    for where, text in bawaslu_texts(client, MERANTI):
        assert personal_data(world, text, except_user="bawaslu-meranti") == [], where
        outside = [c for c in DOTTED.findall(text) if not c.startswith(MERANTI) and c != "14"]
        assert outside == [], where
        assert all(c.startswith("1410") for c in TPS_CODE.findall(text)), where
        for other in ("Dumai", "Kampar", "Pekanbaru", "Bengkalis"):
            assert other not in text, (where, other)


def test_another_bawaslu_office_sees_none_of_meranti(app: FastAPI, world: WebWorld) -> None:
    """Dumai's Bawaslu cannot open Meranti, and its own page holds nothing of Meranti."""
    client = signed_in(app, "bawaslu-dumai")
    assert client.get(f"/bawaslu/{MERANTI}").status_code == 403
    refused = client.get(f"/bawaslu/{MERANTI}/export/findings.xlsx", follow_redirects=False)
    assert refused.status_code == 403
    for where, text in bawaslu_texts(client, DUMAI):
        assert "Meranti" not in text and "14.10" not in text and "1410" not in text, where
        assert personal_data(world, text, except_user="bawaslu-dumai") == [], where


def test_bawaslu_is_read_only_for_logistics(app: FastAPI) -> None:
    """Bawaslu may not see the KPU dashboard's write-side documents nor act as a field device."""
    client = signed_in(app, "bawaslu-meranti")
    page = client.get(f"/bawaslu/{MERANTI}", headers=HTML).text
    forms = re.findall(r"<form[^>]*>", page)
    assert len(forms) == 1 and "finding-form" in forms[0]
    assert client.get("/field/api/context").status_code == 403
    assert client.get(f"/dashboard/{MERANTI}").status_code == 403
    assert client.post(f"/kits/{MERANTI}/pack", json={}).status_code in (403, 422)


def test_bawaslu_files_a_finding_and_follows_its_subject(app: FastAPI, world: WebWorld) -> None:
    """A finding filed through the service shows on the page, with where its package is now."""
    with UnitOfWork(world.engine) as uow:
        tps = uow.session.scalars(
            select(Tps.code).where(Tps.village_code == RECEIVED_VILLAGE).order_by(Tps.code)
        ).first()
    assert tps is not None
    package = sorted(world.packages(tps))[0]
    client = signed_in(app, "bawaslu-meranti")
    filed = client.post(
        f"/findings/{RECEIVED_VILLAGE}",
        json={"category": "unsealed", "subject": package, "description": "Segel kotak longgar"},
    )
    assert filed.status_code == 201, filed.text
    findings = tables(client.get(f"/bawaslu/{MERANTI}", headers=HTML).text)["findings"]
    row = next(r for r in findings[1:] if package in r)
    assert "Tidak tersegel" in row and "Segel kotak longgar" in row
    assert f"PPS {RECEIVED_VILLAGE}" in row[-1]


def test_bawaslu_sees_what_it_witnessed_and_what_went_ahead_without_it(
    app: FastAPI, world: WebWorld
) -> None:
    """Its officers witnessed the warehouse handovers and a receipt; one desa's went ahead bare;
    the PPS rounds ahead are listed desa by desa."""
    page = tables(signed_in(app, "bawaslu-meranti").get(f"/bawaslu/{MERANTI}", headers=HTML).text)
    with UnitOfWork(world.engine) as uow:
        villages = set(
            uow.session.scalars(
                select(Tps.village_code).where(Tps.village_code.like(DISTRICT + ".%"))
            )
        )
    witnessed = page["witnessed"][1:]
    assert len(witnessed) == len(villages) - 1 + 1  # every handover but one, and the receipt
    unwitnessed = [r for r in page["unwitnessed"][1:] if "Gudang → PPK" in r]
    assert len(unwitnessed) == 1  # (the field page's receipts, witnessless, may follow)
    sizes = {number(unwitnessed[0][column_index(page["unwitnessed"], "Jumlah TPS")])}
    with UnitOfWork(world.engine) as uow:
        bare = len(
            uow.session.scalars(
                select(Tps.code).where(Tps.village_code == UNWITNESSED_VILLAGE)
            ).all()
        )
    assert sizes == {bare}
    ahead = column(page["to_witness"], "Tempat")
    assert ahead and all("(" in place for place in ahead)  # "TPS di <desa> (n TPS)"
