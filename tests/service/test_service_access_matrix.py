"""The access matrix: every route of the app x every role (and the public) x inside and outside
the caller's region, each cell sent to the app and checked against a table written here by
hand, independently of the app's own policy.

A route added without a row here fails the test; so does a cell that answers otherwise than
the table says. Refused cells must answer 401 (the public) or 403 and leave one denial each in
the log; allowed cells must not be refused by access (they may still fail validation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salur.custody.models import CustodyEvent
from salur.identity import service as identity
from salur.identity.models import Denial
from salur.identity.passwords import Passwords
from salur.identity.regions import within
from salur.planning.models import PlanRow
from salur.service.access import check_routes
from salur.uow import UnitOfWork
from tests.integration.stock.meranti import MERANTI
from tests.service.world import (
    DEVICES,
    DISTRICT_A,
    PASSWORD,
    PASSWORDS,
    SCOPES,
    SPARE_DEVICE,
    TPS_A,
    VILLAGE_A,
    World,
    username,
)

ROLES = tuple(SCOPES)
EVERYONE = frozenset(ROLES)
KPU = frozenset({"kpu_province", "kpu_regency"})
READERS = KPU | {"ppk", "pps", "kpps", "bawaslu"}  # logistics in their scope
PLANNERS = KPU | {"ppk", "police_escort", "bawaslu"}
UPLOADERS = frozenset({"kpu_regency", "ppk", "pps", "kpps", "police_escort"})


@dataclass(frozen=True)
class Cell:
    """Who may call a route: `roles` (None: the public too), and whether only in scope."""

    roles: frozenset[str] | None
    scoped: bool = True
    target: str = TPS_A  # the region the request touches, when the caller's scope holds it


def public(target: str = "") -> Cell:
    return Cell(None, scoped=False, target=target)


def signed_in(roles: frozenset[str] = EVERYONE) -> Cell:
    return Cell(roles, scoped=False)


# The table: route -> who may call it. Written from the issue, not read from the app.
MATRIX: dict[str, Cell] = {
    "GET /openapi.json": public(),
    "GET /health": public(),
    "POST /auth/login": public(),
    "POST /auth/token": public(),
    "GET /auth/csrf": public(),
    "POST /auth/logout": signed_in(),
    "GET /me": signed_in(),
    "GET /me/devices": signed_in(),
    "POST /me/devices": signed_in(EVERYONE - {"kpu_province"}),
    "POST /devices/{device_id}/revoke": Cell(KPU, target=DISTRICT_A),
    "GET /geography": public(),
    "GET /geography/{region}": public(VILLAGE_A),
    "GET /geography/{region}/tps": public(VILLAGE_A),
    "GET /needs/{region}": Cell(READERS, target=DISTRICT_A),
    "POST /needs/{region}/runs": Cell(KPU, target=MERANTI),
    "GET /stock/{region}": Cell(KPU | {"bawaslu"}, target=MERANTI),
    "GET /stock/{region}/shortage": Cell(KPU | {"bawaslu"}, target=MERANTI),
    "POST /stock/{region}/papers": Cell(KPU, target=MERANTI),
    "GET /kits/{region}": Cell(READERS),
    "GET /packages/{package_id}": Cell(READERS),
    "GET /kits/{region}/labels.pdf": Cell(READERS),
    "POST /kits/{region}/pack": Cell(KPU, target=MERANTI),
    "GET /plans/{region}": Cell(PLANNERS, target=MERANTI),
    "GET /plan/{plan_id}": Cell(PLANNERS, target=MERANTI),
    "GET /plans/{region}/stops": Cell(PLANNERS | {"pps"}, target=VILLAGE_A),
    "GET /shipments/{region}": Cell(EVERYONE),
    "GET /shipments/{region}/status": public(VILLAGE_A),
    "GET /handovers/{region}": Cell(EVERYONE, target=VILLAGE_A),
    "GET /events/{event_id}": Cell(EVERYONE),
    "GET /events/{event_id}/receipt": Cell(EVERYONE),
    "GET /events/{event_id}/bast.pdf": Cell(EVERYONE),
    "GET /incidents/{region}": Cell(EVERYONE, target=VILLAGE_A),
    "GET /findings/{region}": Cell(READERS, target=VILLAGE_A),
    "POST /findings/{region}": Cell(frozenset({"bawaslu"}), target=VILLAGE_A),
    "GET /reconciliation/{region}": Cell(READERS, target=VILLAGE_A),
    "GET /reports/{region}/summary": Cell(EVERYONE, target=VILLAGE_A),
    "GET /reports/{region}/needs.html": Cell(READERS, target=DISTRICT_A),
    "GET /log": public(),
    "GET /log/{province}/checkpoint": public("14"),
    "GET /log/{province}/entries": public("14"),
    "GET /log/{province}/entries/{index}": public("14"),
    "GET /log/{province}/entries/{index}/raw": Cell(EVERYONE),
    "GET /log/{province}/proofs/inclusion": public("14"),
    "GET /log/{province}/proofs/consistency": public("14"),
    "POST /log/{province}/cosignatures": Cell(frozenset({"bawaslu"}), target="14"),
    "POST /log/{province}/witnesses": Cell(frozenset({"kpu_province"}), target="14"),
    "POST /devices/{device_id}/sync": Cell(UPLOADERS, target=""),
    "GET /devices/{device_id}/sync": Cell(UPLOADERS, target=""),
}
# Logistics changes: Bawaslu may do none of them.
LOGISTICS_WRITES = (
    "POST /needs/{region}/runs",
    "POST /stock/{region}/papers",
    "POST /kits/{region}/pack",
    "POST /devices/{device_id}/revoke",
    "POST /devices/{device_id}/sync",
)
# Bodies that pass access and then fail validation, so allowed cells change nothing.
BODIES: dict[str, dict[str, Any]] = {
    "POST /auth/login": {"json": {}},
    "POST /auth/token": {"json": {}},
    "POST /me/devices": {"json": {}},
    "POST /needs/{region}/runs": {"json": {"norm": "no-such-norm"}},
    "POST /stock/{region}/papers": {"params": {"kind": "receipt"}, "content": b""},
    "POST /kits/{region}/pack": {"json": {"norm": "no-such-norm"}},
    "POST /findings/{region}": {"json": {}},
    "POST /log/{province}/cosignatures": {"content": b""},
    "POST /log/{province}/witnesses": {"json": {}},
    "POST /devices/{device_id}/sync": {"json": {"events": []}},
    "GET /log/{province}/proofs/inclusion": {"params": {"index": 0}},
    "GET /log/{province}/proofs/consistency": {"params": {"old": 1}},
}


@dataclass
class Targets:
    """The objects the matrix's requests name: one kit's package and handover, the plan."""

    package: str
    event_id: int
    log_index: int
    plan_id: int


@pytest.fixture(scope="module")
def targets(world: World, app: FastAPI) -> Targets:
    """TPS A's kit handed to its PPK (an event wholly inside TPS A), and Meranti's plan."""
    with TestClient(app, base_url="https://testserver") as client:
        body = {
            "events": [
                {
                    "idempotency_key": "matrix-handover-1",
                    "sequence": 1,
                    "submission": world.handover(TPS_A, "warehouse_ppk"),
                }
            ]
        }
        answer = client.post("/devices/D-PPK-141001/sync", json=body, headers=world.auth("ppk"))
        assert answer.json()["results"][0]["status"] == "accepted", answer.text
    with UnitOfWork(world.engine) as uow:
        event = uow.session.scalars(
            select(CustodyEvent).where(CustodyEvent.kind == "handover")
        ).one()
        plan_id = uow.session.scalars(select(PlanRow.id)).one()
        return Targets(world.packages[TPS_A][0][0], event.id, event.log_index, plan_id)


def region_for(cell: Cell, role: str | None) -> str:
    """The region a request names: the route's target, narrowed to the caller's scope."""
    if role is None or not cell.target:
        return cell.target or MERANTI
    scope = SCOPES[role][0]
    return cell.target if within(cell.target, scope) else scope


def path_of(route: str, cell: Cell, role: str | None, targets: Targets) -> str:
    own_device = DEVICES.get(role or "", DEVICES["ppk"])[0]
    values = {
        "{region}": region_for(cell, role),
        "{province}": "14",
        "{package_id}": targets.package,
        "{event_id}": str(targets.event_id),
        "{index}": str(targets.log_index),
        "{plan_id}": str(targets.plan_id),
        "{device_id}": SPARE_DEVICE if "revoke" in route else own_device,
    }
    path = route.split(" ", 1)[1]
    for name, value in values.items():
        path = path.replace(name, value)
    return path


def object_region(route: str, cell: Cell, role: str | None) -> str:
    """The region the access rule will check for this request."""
    if "{plan_id}" in route:
        return MERANTI
    if "{device_id}" in route:
        if "revoke" in route:
            return DISTRICT_A
        return DEVICES[role][2] if role in DEVICES else DEVICES["ppk"][2]
    if "{package_id}" in route or "{event_id}" in route or "{index}" in route:
        return TPS_A
    if "{province}" in route:
        return "14"
    return region_for(cell, role)


def expected_allowed(route: str, cell: Cell, role: str | None, side: str) -> bool:
    if cell.roles is None:
        return True
    if role is None or role not in cell.roles:
        return False
    if not cell.scoped:
        return True
    scope = SCOPES[role][0 if side == "in" else 1]
    return within(object_region(route, cell, role), scope)


def fresh_token(world: World, role: str, side: str) -> str:
    """A token of its own for a cell that signs out."""
    with UnitOfWork(world.engine) as uow:
        issued = identity.sign_in(
            uow,
            username(role, side),
            PASSWORD,
            address="matrix",
            kind="bearer",
            lifetime=dt.timedelta(hours=1),
            passwords=Passwords(PASSWORDS),
        )
    return issued.token


def denials(world: World) -> int:
    with UnitOfWork(world.engine) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Denial)) or 0)


def test_every_route_of_the_app_is_in_the_matrix(app: FastAPI) -> None:
    """No route escapes the table, and the table names no route the app lacks."""
    assert set(check_routes(app)) == set(MATRIX)


def test_bawaslu_may_change_no_logistics() -> None:
    """Bawaslu reads and supervises: it is refused every change of needs, stock, kits, devices
    and custody."""
    for route in LOGISTICS_WRITES:
        roles = MATRIX[route].roles
        assert roles is not None and "bawaslu" not in roles, route


def test_every_cell_answers_as_the_matrix_says(
    world: World, app: FastAPI, targets: Targets
) -> None:
    """Each role, inside and outside its region, and the public, on every route."""
    before = denials(world)
    refused = 0
    wrong: list[str] = []
    with TestClient(app, base_url="https://testserver") as client:
        for route, cell in MATRIX.items():
            method = route.split(" ", 1)[0]
            callers: list[tuple[str | None, str]] = [(None, "public")]
            callers += [(role, side) for role in ROLES for side in ("in", "out")]
            for role, side in callers:
                headers = {}
                if role is not None:
                    token = (
                        fresh_token(world, role, side)
                        if route == "POST /auth/logout"
                        else world.token(role, side)
                    )
                    headers["Authorization"] = f"Bearer {token}"
                path = path_of(route, cell, role, targets)
                answer = client.request(method, path, headers=headers, **BODIES.get(route, {}))
                allowed = expected_allowed(route, cell, role, side)
                denied_status = 401 if role is None else 403
                got = answer.status_code
                if answer.status_code >= 500:
                    wrong.append(f"{route} {role}/{side}: {got} {answer.text[:200]}")
                elif allowed and got in (401, 403):
                    wrong.append(f"{route} {role}/{side}: refused {got} {answer.text[:200]}")
                elif not allowed:
                    refused += 1
                    if got != denied_status:
                        wrong.append(f"{route} {role}/{side}: {got}, not {denied_status}")
    assert not wrong, "\n".join(wrong)
    assert denials(world) - before == refused
