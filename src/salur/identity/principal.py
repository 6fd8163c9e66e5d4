"""Who is calling: a signed-in user (role, region scope, how they proved it) or the public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from salur.identity.roles import Role

Via = Literal["cookie", "bearer", "none"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request. The public has no user, no role and no scope."""

    user_id: int | None = None
    username: str | None = None
    role: Role | None = None
    scope: str = ""
    token_id: int | None = None
    via: Via = "none"

    @property
    def is_public(self) -> bool:
        return self.user_id is None


PUBLIC = Principal()
