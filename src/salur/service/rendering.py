"""Rendering in a request's language with renderers that read the process's language.

Label sheets and the needs report call `t()` without a language, so they follow the process
setting. Requests in different languages would trample each other's setting; rendering one at
a time, under a lock, keeps each document in its own language. The service's own messages
always pass their language and never depend on the setting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from salur.i18n import language, set_language

_LOCK = threading.Lock()


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Switch the process language for one rendering, then switch it back."""
    with _LOCK:
        previous = language()
        set_language(lang)
        try:
            yield
        finally:
            set_language(previous)
