"""The web: server-rendered dashboards, the Bawaslu view, the public portal with an in-browser
receipt verifier, and the offline field page, served by the service app (`routers`).

The service's `create_app` includes every router listed in `routers`; each page declares an
access rule like any API route (see `web.access`).
"""

from __future__ import annotations

from fastapi import APIRouter

from salur.web import assets, bawaslu, dashboard, documents, field, public, session

routers: list[APIRouter] = [
    assets.router,
    session.router,
    public.router,
    dashboard.router,
    bawaslu.router,
    documents.router,
    field.router,
]
