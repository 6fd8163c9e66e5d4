"""Finding and loading norm files, with errors that name the file and the field."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from salur.errors import InputError
from salur.norms.schema import Norm

NORMS_DIR = Path(__file__).parent / "files"
DEFAULT_NORM = "pemilu-2024"


@dataclass(frozen=True)
class LoadedNorm:
    """A validated norm with the file it came from and that file's SHA-256 (kept with results)."""

    norm: Norm
    path: Path
    sha256: str


def available() -> list[str]:
    """Ids of the shipped norm files."""
    return sorted(p.stem for p in NORMS_DIR.glob("*.toml"))


def load_norm(name_or_path: str = DEFAULT_NORM) -> LoadedNorm:
    """A shipped norm by id (`pemilu-2024`, `pilkada-2024`) or any norm file by path."""
    path = NORMS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        path = Path(name_or_path)
    if not path.is_file():
        raise InputError("norms.unknown", file=name_or_path, known=", ".join(available()))
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError("norms.not_toml", file=path, reason=str(exc)) from None
    try:
        norm = Norm.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError("norms.invalid", file=path, field=field, reason=first["msg"]) from None
    return LoadedNorm(norm=norm, path=path, sha256=hashlib.sha256(raw).hexdigest())
