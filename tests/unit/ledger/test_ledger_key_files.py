"""Key files: owner-only, never overwritten, one per origin; witness keys round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from salur.ledger.cosignature import CosignatureSigner
from salur.ledger.errors import KeyFileError
from salur.ledger.keyfile import key_dir, log_key_path, read_key_file, write_key_file


def test_a_key_file_is_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    """Mode 0600 in a 0700 folder; writing the same path again is refused, the key kept."""
    path = tmp_path / "keys" / "log.key"
    write_key_file(path, "PRIVATE+KEY+first")
    with pytest.raises(KeyFileError, match="sudah ada"):
        write_key_file(path, "PRIVATE+KEY+second")
    assert read_key_file(path) == "PRIVATE+KEY+first"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_each_origin_gets_its_own_readable_key_file_name(tmp_path: Path) -> None:
    """Origins that sanitise alike still get different files; the name stays recognisable."""
    a = log_key_path(tmp_path, "salur.kpu.go.id/pemilu-2024/14")
    b = log_key_path(tmp_path, "salur.kpu.go.id_pemilu-2024_14")
    assert a != b and a.name.startswith("salur.kpu.go.id_pemilu-2024_14-")


def test_the_key_folder_comes_from_salur_key_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """SALUR_KEY_DIR wins; without it keys live under ./var/keys."""
    monkeypatch.setenv("SALUR_KEY_DIR", "/srv/salur/keys")
    assert key_dir() == Path("/srv/salur/keys")
    monkeypatch.delenv("SALUR_KEY_DIR")
    assert key_dir() == Path("var/keys")


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    """Reading a key that is not there names the file."""
    with pytest.raises(KeyFileError, match="tidak ditemukan"):
        read_key_file(tmp_path / "nope.key")


def test_a_witness_secret_key_round_trips_and_checks_its_key_id() -> None:
    """`skey` reloads to the same key; a key string with a wrong key ID is refused."""
    signer = CosignatureSigner.generate("bawaslu.example/w1")
    again = CosignatureSigner.from_skey(signer.skey)
    assert again.verifier() == signer.verifier()
    name, key_id, material = signer.skey.removeprefix("PRIVATE+KEY+").split("+", 2)
    wrong = f"PRIVATE+KEY+{name}+{'0' * 8 if key_id != '0' * 8 else '1' * 8}+{material}"
    with pytest.raises(ValueError, match="key ID"):
        CosignatureSigner.from_skey(wrong)
    with pytest.raises(ValueError):
        CosignatureSigner.from_skey("not a key")
