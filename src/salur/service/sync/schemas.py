"""The sync API's shapes: a batch of events from a device, and the per-event answers, the
device's sequence state and the log's latest checkpoint with a consistency proof."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,100}$"
MAX_SEQUENCE = 2**53
MAX_BATCH = 500


class SyncEventIn(BaseModel):
    """One event the device made, under its own idempotency key and sequence number."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(
        pattern=KEY_PATTERN, description="Unique per device; a retry sends the same key."
    )
    sequence: int = Field(ge=1, le=MAX_SEQUENCE, description="1, 2, 3 ... in making order.")
    submission: dict[str, Any] = Field(
        description="A signed custody event: {event, signatures} (see salur.custody.events)."
    )


class SyncIn(BaseModel):
    """A batch, in the device's order, and the checkpoint size the device last verified."""

    model_config = ConfigDict(extra="forbid")

    known_size: int = Field(
        default=0, ge=0, le=2**62, description="0 if the device has verified no checkpoint."
    )
    events: list[SyncEventIn] = Field(default_factory=list, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        keys = [e.idempotency_key for e in self.events]
        if len(set(keys)) != len(keys):
            raise ValueError("an idempotency_key appears twice in the batch")
        sequences = [e.sequence for e in self.events]
        if len(set(sequences)) != len(sequences):
            raise ValueError("a sequence number appears twice in the batch")
        return self


class EventResult(BaseModel):
    """What became of one event: accepted (with its receipt), refused (with the reason), or
    pending (another upload of the same key is still at work: send it again later)."""

    idempotency_key: str
    sequence: int
    status: Literal["accepted", "refused", "pending"]
    event_id: int | None = None
    log_index: int | None = None
    duplicate: bool = Field(default=False, description="Already recorded (under any key).")
    late: bool | None = None
    incidents: list[int] = Field(default_factory=list, description="Incidents it gave rise to.")
    receipt: str | None = Field(default=None, description="c2sp.org/tlog-proof, entry included.")
    code: str | None = Field(default=None, description="Why refused: a stable machine code.")
    key: str | None = None
    message: str | None = None
    field: str | None = None
    incident: int | None = Field(default=None, description="The incident a refusal became.")


class Gap(BaseModel):
    first: int
    last: int


class SequenceOut(BaseModel):
    """Every number up to `contiguous` has arrived; `gaps` lists the missing ones above it."""

    contiguous: int
    highest: int
    gaps: list[Gap]


class CheckpointOut(BaseModel):
    origin: str
    size: int
    note: str = Field(description="The signed checkpoint with its witness cosignatures.")


class ConsistencyOut(BaseModel):
    """RFC 9162 proof that the checkpoint extends the one of `old_size` the device knew."""

    old_size: int
    size: int
    proof: list[str]


class SyncOut(BaseModel):
    device: str
    results: list[EventResult]
    sequence: SequenceOut
    checkpoint: CheckpointOut | None
    consistency: ConsistencyOut | None
    log_warning: Literal["ahead_of_log"] | None = Field(
        default=None, description="The device knows a larger checkpoint than the log has."
    )
