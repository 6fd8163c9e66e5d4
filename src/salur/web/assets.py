"""Static files shipped in the package: the web's CSS and scripts, and the vendored Leaflet.

Both are public mounts (the service's access check knows them as such); nothing is loaded from
a CDN, so every page works on an office network without internet access.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from salur.service.access import public_mount

STATIC = Path(__file__).parent / "static"
LEAFLET = Path(__file__).parent.parent / "web_assets" / "leaflet"

router = APIRouter()
router.routes.append(public_mount("/assets/web", StaticFiles(directory=STATIC), name="web_assets"))
router.routes.append(
    public_mount("/assets/leaflet", StaticFiles(directory=LEAFLET), name="leaflet")
)
