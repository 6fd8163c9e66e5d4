"""How long work reports progress without knowing who shows it (rich in the CLI; none in tests)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the phases of a long job and the steps done within each."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class Silent:
    """Progress that goes nowhere: for tests, the API and library use."""

    def phase(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, steps: int = 1) -> None:
        return None
