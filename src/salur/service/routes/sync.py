"""Offline sync: a device uploads its batch of signed custody events and learns, per event,
whether it was accepted (with its receipt) or refused (and why), which of its sequence
numbers never arrived, and the log's latest checkpoint with a proof that it extends the one
the device last verified, so every phone also audits the log."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request, Response

from salur.service import policy
from salur.service.access import Allow, Grant, log_denial
from salur.service.cache import forget_latest
from salur.service.deps import Settings, engine_of
from salur.service.language import language
from salur.service.routing import ScopedRouter
from salur.service.sync.schemas import SequenceOut, SyncIn, SyncOut
from salur.service.sync.service import Uploader, sequence_state, upload

router = ScopedRouter(tags=["sync"])


@router.post("/devices/{device_id}/sync", response_model=SyncOut)
async def sync(
    device_id: str,
    request: Request,
    grant: Annotated[Grant, Allow(policy.SYNC)],
    batch: SyncIn,
    settings: Settings,
    lang: Annotated[str, Depends(language)],
) -> Response:
    """Apply a batch of events exactly once: replays get the stored answers; a key reused for
    another body refuses the batch (422); concurrent uploads of one key apply it once.

    Uploads run in worker threads of their own (a few at a time), so a crowd of phones coming
    online queues here instead of taking every thread the other routes need. The answer (a
    receipt per event) is serialised in that thread too, once: handed back as a model, it was
    validated against its own schema again in the event loop, which every upload shares."""
    uploader = Uploader(
        principal=grant.principal,
        device_id=device_id,
        device_region=grant.region,
        lang=lang,
        on_denied=lambda reason, region: log_denial(request, grant.principal, reason, region),
    )
    work = partial(
        upload, engine_of(request), settings, uploader, batch, group=request.app.state.sync_group
    )
    answer = await to_thread.run_sync(
        lambda: work().model_dump_json().encode("utf-8"), limiter=request.app.state.uploads
    )
    forget_latest(request, grant.region.replace(".", "")[:2])
    return Response(answer, media_type="application/json")


@router.get("/devices/{device_id}/sync", response_model=SequenceOut)
def sync_state(
    device_id: str, request: Request, grant: Annotated[Grant, Allow(policy.SYNC_STATE)]
) -> SequenceOut:
    """Which of the device's sequence numbers have arrived, and the gaps."""
    return sequence_state(engine_of(request), device_id)
