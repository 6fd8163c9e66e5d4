"""Private key files for the log and for witnesses: one secret string per file, owner-only.

Keys stay out of the database on purpose: a database dump or replica then cannot sign anything.
The log's keys live under `SALUR_KEY_DIR` (default ./var/keys), a witness's under its own folder.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from salur.ledger.errors import KeyFileError

DEFAULT_KEY_DIR = Path("var") / "keys"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def key_dir() -> Path:
    """`SALUR_KEY_DIR`, else ./var/keys (read afresh: tests and the CLI change the environment)."""
    configured = os.environ.get("SALUR_KEY_DIR", "").strip()
    return Path(configured) if configured else DEFAULT_KEY_DIR


def log_key_path(directory: Path, origin: str) -> Path:
    """The key file of the log `origin`: a readable name plus a hash, so no two origins collide."""
    readable = _UNSAFE.sub("_", origin).strip("._")[:80] or "log"
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:8]
    return directory / f"{readable}-{digest}.key"


def write_key_file(path: Path, secret: str) -> None:
    """Create `path` holding `secret`, readable by its owner only; never overwrite a key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError("ledger.key_exists", path=str(path)) from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_key_file(path: Path) -> str:
    """The secret in `path`, without its trailing newline."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError("ledger.key_missing", path=str(path)) from None
    except (OSError, UnicodeDecodeError):
        raise KeyFileError("ledger.key_unreadable", path=str(path)) from None
