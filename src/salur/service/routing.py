"""The router every salur route is added through: it refuses a route that declares no access
rule, and documents the error responses every route can give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from salur.service.access import rule_of
from salur.service.errors import ERROR_RESPONSES


class ScopedRouter(APIRouter):
    """An APIRouter whose every route must declare an access rule with `Allow(rule)`."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        responses = {**ERROR_RESPONSES, **(kwargs.pop("responses", None) or {})}
        super().add_api_route(path, endpoint, responses=responses, **kwargs)
        route = self.routes[-1]
        assert isinstance(route, APIRoute)
        if rule_of(route) is None:
            raise RuntimeError(f"{sorted(route.methods or ())} {path} declares no access rule")
