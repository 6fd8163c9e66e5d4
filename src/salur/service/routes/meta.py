"""The API describing itself (OpenAPI) and a health check for load balancers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import text

from salur.service import policy
from salur.service.access import Allow, Grant
from salur.service.deps import Uow
from salur.service.routing import ScopedRouter

router = ScopedRouter(tags=["meta"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, grant: Annotated[Grant, Allow(policy.META)]) -> dict[str, Any]:
    """The OpenAPI description of every route."""
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/health", response_model=Health)
def health(grant: Annotated[Grant, Allow(policy.META)], uow: Uow) -> Health:
    """Whether the service can reach its database."""
    uow.session.execute(text("SELECT 1"))
    return Health(status="ok", database=uow.engine.dialect.name)
