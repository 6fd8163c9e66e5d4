"""What a request works with: the app's engine and settings, one unit of work, the client's
address. Routes take these as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from salur.identity.passwords import Passwords
from salur.service.settings import ServiceSettings
from salur.uow import UnitOfWork


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def app_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


async def settings_of(request: Request) -> ServiceSettings:
    return app_settings(request)


def passwords_of(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


class RequestUnitOfWork(UnitOfWork):
    """A request's unit of work: its session comes from the app's one session factory (a
    factory per request, as UnitOfWork makes, costs a class each time) and only when first
    used, so a request answered from the cache opens none."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self.engine = engine
        self._factory = factory
        self._session = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    def __enter__(self) -> RequestUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            try:
                self._session.rollback()
            finally:
                self._session.close()
                self._session = None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The app's session factory (kept on `app.state`)."""
    return sessionmaker(engine, expire_on_commit=False)


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request; reads share it, use cases commit it.

    Async, so opening it takes no worker thread: a session touches the database only when
    the route uses it, in the route's own thread. Closing rolls back whatever was left.
    """
    with RequestUnitOfWork(engine_of(request), request.app.state.sessions) as uow:
        yield uow


def client_address(request: Request) -> str:
    """The client's address; a trusted proxy's X-Forwarded-For names the real one."""
    peer = request.client.host if request.client else "unknown"
    if peer in app_settings(request).trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return peer[:64]


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]
Settings = Annotated[ServiceSettings, Depends(settings_of)]
