"""A witness for salur's logs (Bawaslu, an observer): cosigns a checkpoint only if the log grew.

Implements the add-checkpoint rules of c2sp.org/tlog-witness without the HTTP layer. The
witness keeps, per log origin, the trusted log keys and the size and root it last cosigned, in
a folder of its own (`SALUR_WITNESS_DIR`, default ./var/witness): `witness.key`, `state.json`
and `evidence/`, where refused but log-signed checkpoints are kept as proof of misbehaviour.
The check of the old state and the write of the new one happen under one file lock, as the
spec requires, and the new state is on disk before the cosignature is returned.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from salur.errors import SalurError
from salur.ledger.checkpoint import Checkpoint, parse_checkpoint
from salur.ledger.cosignature import CosignatureSigner, add_cosignature
from salur.ledger.errors import KeyFileError, WitnessRefusedError
from salur.ledger.keyfile import read_key_file, write_key_file
from salur.ledger.keys import Ed25519Verifier
from salur.ledger.merkle import HASH_SIZE, ProofError, verify_consistency
from salur.ledger.note import NoteError, decode_base64, open_note, parse_note

DEFAULT_WITNESS_DIR = Path("var") / "witness"
MAX_PROOF_LINES: Final = 63  # tlog-witness: a client MUST NOT send more
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
# Refusals whose log-signed checkpoint may prove the log misbehaved (the spec says MAY keep).
_EVIDENCE = frozenset({"ledger.witness_fork", "ledger.witness_inconsistent"})


def witness_dir() -> Path:
    """`SALUR_WITNESS_DIR`, else ./var/witness."""
    configured = os.environ.get("SALUR_WITNESS_DIR", "").strip()
    return Path(configured) if configured else DEFAULT_WITNESS_DIR


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The `old <size>` line and proof hashes of a tlog-witness add-checkpoint request."""

    old_size: int
    hashes: tuple[bytes, ...] = ()

    def to_text(self) -> str:
        """`old N`, then one base64 hash per line."""
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.hashes)]
        return "".join(f"{line}\n" for line in lines)


def parse_proof(text: str) -> ConsistencyProof:
    """Parse `old N` and the hash lines that follow (a trailing blank line is allowed)."""
    lines = text.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("old "):
        raise WitnessRefusedError("ledger.witness_bad_request", status=400, reason="old")
    size = lines[0].removeprefix("old ")
    if not _DECIMAL.fullmatch(size) or len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusedError("ledger.witness_bad_request", status=400, reason=lines[0])
    try:
        hashes = tuple(decode_base64(line) for line in lines[1:])
    except ValueError as exc:
        raise WitnessRefusedError(
            "ledger.witness_bad_request", status=400, reason=str(exc)
        ) from None
    if any(len(h) != HASH_SIZE for h in hashes):
        raise WitnessRefusedError("ledger.witness_bad_request", status=400, reason="hash size")
    return ConsistencyProof(int(size), hashes)


def parse_add_checkpoint(body: bytes) -> tuple[ConsistencyProof, bytes]:
    """Split an add-checkpoint request body into its consistency proof and signed checkpoint."""
    split = body.find(b"\n\n")
    if split < 0:
        raise WitnessRefusedError("ledger.witness_bad_request", status=400, reason="blank line")
    try:
        proof = parse_proof(body[: split + 1].decode("ascii"))
    except UnicodeDecodeError:
        raise WitnessRefusedError(
            "ledger.witness_bad_request", status=400, reason="ascii"
        ) from None
    return proof, body[split + 2 :]


@dataclass(frozen=True, slots=True)
class LogState:
    """What the witness knows of one log: trusted keys, and the tree it last cosigned."""

    keys: tuple[str, ...]
    size: int = 0
    root: bytes | None = None  # None: never cosigned
    checkpoint: str | None = None  # the last cosigned note, log signature included, as evidence


class Witness:
    """One witness identity and its state folder; `clock` gives POSIX seconds (a fake in tests)."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.clock = clock

    @classmethod
    def create(cls, directory: Path, name: str) -> Witness:
        """Make a new witness key in `directory` (refusing to replace one) and an empty state."""
        try:
            signer = CosignatureSigner.generate(name)
        except ValueError:
            raise SalurError("ledger.bad_key_name", name=name) from None
        write_key_file(directory / "witness.key", signer.skey)
        witness = cls(directory)
        with witness._locked():
            if not witness._state_path.exists():
                witness._write_state({})
        return witness

    @property
    def signer(self) -> CosignatureSigner:
        """The witness's cosigning key."""
        path = self.directory / "witness.key"
        try:
            return CosignatureSigner.from_skey(read_key_file(path))
        except ValueError:
            raise KeyFileError("ledger.key_unreadable", path=str(path)) from None

    @property
    def vkey(self) -> str:
        """The verifier key logs and receipt holders configure for this witness."""
        return self.signer.verifier().vkey

    def logs(self) -> dict[str, LogState]:
        """The state of every trusted log, by origin."""
        return self._read_state()

    def trust(self, log_vkey: str, origin: str | None = None) -> str:
        """Accept checkpoints signed by `log_vkey` for `origin` (default: the key's name)."""
        try:
            verifier = Ed25519Verifier.from_vkey(log_vkey.strip())
        except ValueError:
            raise SalurError("ledger.bad_log_vkey", vkey=log_vkey) from None
        origin = origin or verifier.name
        with self._locked():
            states = self._read_state()
            state = states.get(origin, LogState(keys=()))
            if verifier.vkey not in state.keys:
                states[origin] = replace(state, keys=(*state.keys, verifier.vkey))
                self._write_state(states)
        return origin

    def cosign(self, signed_checkpoint: bytes, proof: ConsistencyProof) -> bytes:
        """Cosign the checkpoint if it extends what this witness last cosigned; else refuse.

        Returns the checkpoint note with the witness's timestamped cosignature added. Refusals
        raise WitnessRefusedError with the HTTP status tlog-witness gives the case.
        """
        checkpoint = _parse(signed_checkpoint)
        signer = self.signer  # a missing key must fail before the state moves on
        with self._locked():
            states = self._read_state()
            state = states.get(checkpoint.origin)
            if state is None:
                raise WitnessRefusedError(
                    "ledger.witness_unknown_log", status=404, origin=checkpoint.origin
                )
            _check_log_signature(signed_checkpoint, state)
            try:
                _check_extends(state, checkpoint, proof)
            except WitnessRefusedError as refusal:
                if refusal.key in _EVIDENCE:
                    self._keep_evidence(checkpoint, proof, signed_checkpoint, state)
                raise
            states[checkpoint.origin] = replace(
                state,
                size=checkpoint.size,
                root=checkpoint.root_hash,
                checkpoint=signed_checkpoint.decode("utf-8"),
            )
            self._write_state(states)
        return add_cosignature(signed_checkpoint, signer, int(self.clock()))

    @property
    def _state_path(self) -> Path:
        return self.directory / "state.json"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.directory / "state.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_state(self) -> dict[str, LogState]:
        try:
            raw = json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise KeyFileError(
                "ledger.witness_state_unreadable", path=str(self._state_path)
            ) from None
        return {origin: _state_from_json(item) for origin, item in raw["logs"].items()}

    def _write_state(self, states: dict[str, LogState]) -> None:
        data = {"version": 1, "logs": {o: _state_to_json(s) for o, s in sorted(states.items())}}
        temporary = self._state_path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        temporary.replace(self._state_path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # make the rename itself durable
        finally:
            os.close(directory)

    def _keep_evidence(
        self, checkpoint: Checkpoint, proof: ConsistencyProof, note: bytes, state: LogState
    ) -> None:
        # The refused request, then the checkpoint this witness cosigned before, both signed.
        folder = self.directory / "evidence"
        folder.mkdir(exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", checkpoint.origin)
        path = folder / f"{safe}-{checkpoint.size}-{time.time_ns()}.txt"
        earlier = (state.checkpoint or "").encode("utf-8")
        path.write_bytes(proof.to_text().encode("ascii") + b"\n" + note + b"\n" + earlier)


def _parse(signed_checkpoint: bytes) -> Checkpoint:
    try:
        return parse_checkpoint(parse_note(signed_checkpoint).text)
    except NoteError as exc:
        raise WitnessRefusedError(
            "ledger.witness_bad_request", status=400, reason=str(exc)
        ) from None


def _check_log_signature(signed_checkpoint: bytes, state: LogState) -> None:
    # Signatures by unknown keys (other witnesses, this one's older cosignature) are ignored.
    verifiers = [Ed25519Verifier.from_vkey(key) for key in state.keys]
    try:
        open_note(signed_checkpoint, verifiers)
    except NoteError:
        raise WitnessRefusedError("ledger.witness_bad_signature", status=403) from None


def _check_extends(state: LogState, checkpoint: Checkpoint, proof: ConsistencyProof) -> None:
    if state.root is not None and checkpoint.size < state.size:
        # The spec's status: 400 when the claimed old size exceeds the checkpoint, else 409.
        status = 400 if proof.old_size > checkpoint.size else 409
        raise WitnessRefusedError(
            "ledger.witness_rollback", status=status, size=checkpoint.size, cosigned=state.size
        )
    if proof.old_size > checkpoint.size:
        raise WitnessRefusedError(
            "ledger.witness_old_too_big", status=400, old=proof.old_size, size=checkpoint.size
        )
    if proof.old_size != state.size:
        raise WitnessRefusedError(
            "ledger.witness_old_mismatch", status=409, old=proof.old_size, cosigned=state.size
        )
    if proof.old_size == 0:
        if proof.hashes:
            raise WitnessRefusedError("ledger.witness_inconsistent", status=422, size=0)
        if state.root is None or checkpoint.size > 0:
            return  # every tree extends the empty one
    if checkpoint.size == state.size:
        if checkpoint.root_hash != state.root:
            raise WitnessRefusedError("ledger.witness_fork", status=409, size=checkpoint.size)
        if proof.hashes:
            raise WitnessRefusedError("ledger.witness_inconsistent", status=422, size=state.size)
        return
    assert state.root is not None
    try:
        verify_consistency(
            old_size=state.size,
            new_size=checkpoint.size,
            old_root=state.root,
            new_root=checkpoint.root_hash,
            proof=proof.hashes,
        )
    except ProofError:
        raise WitnessRefusedError(
            "ledger.witness_inconsistent", status=422, size=state.size
        ) from None


def _state_from_json(item: dict[str, Any]) -> LogState:
    root = item.get("root")
    return LogState(
        keys=tuple(item["keys"]),
        size=int(item["size"]),
        root=base64.b64decode(root) if root is not None else None,
        checkpoint=item.get("checkpoint"),
    )


def _state_to_json(state: LogState) -> dict[str, Any]:
    root = base64.b64encode(state.root).decode("ascii") if state.root is not None else None
    return {
        "keys": list(state.keys),
        "size": state.size,
        "root": root,
        "checkpoint": state.checkpoint,
    }
