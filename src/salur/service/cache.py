"""Rendered answers of public reads, kept in memory: log entries and proofs at a given size
never change (the log is append-only), so they are kept until evicted; the latest checkpoint,
the geography and progress counts change, so they are kept for a few seconds.

The public reads the log far more often than anything changes it; serving the same bytes again
costs no worker thread and no query. Each worker process keeps its own cache.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

FOREVER = None
MAX_ITEMS = 20_000


class PublicCache:
    """A bounded map of rendered answers, least recently used evicted first."""

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self._items: OrderedDict[Hashable, tuple[float | None, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_items

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            expires, body = found
            if expires is not None and expires < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return body

    def forget(self, *keys: Hashable) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def put(self, key: Hashable, body: bytes, ttl: float | None) -> None:
        expires = None if ttl is None else time.monotonic() + ttl
        with self._lock:
            self._items[key] = (expires, body)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


def to_json(value: Any) -> bytes:
    """JSON bytes of a model, a list of models, or plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode("utf-8")
    if isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def cached(
    request: Request,
    key: Hashable,
    ttl: float | None,
    render: Callable[[], bytes],
    media_type: str = "application/json",
) -> Response:
    """The answer under `key`, rendered in a worker thread when missing (errors not kept)."""
    cache: PublicCache = request.app.state.cache
    body = cache.get(key)
    if body is None:
        body = await run_in_threadpool(render)
        cache.put(key, body, ttl)
    return Response(body, media_type=media_type)


def forget_latest(request: Request, province: str) -> None:
    """Drop this process's copy of what a new checkpoint or cosignature changes (other worker
    processes serve theirs until it expires, a second at most)."""
    cache: PublicCache = request.app.state.cache
    cache.forget(("checkpoint", province), ("signed", province), ("logs",))
