"""The season talks to a real `salur serve` process over HTTP, as phones and offices do.

`Server` starts the service on a free local port against the season's database and stops it;
`Api` is a thin httpx client of the routes the field and Bawaslu use; `Phone` is one device
with its bearer token, sequence numbers and idempotency keys, which it keeps across retries.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from salur.errors import SalurError

READY_TIMEOUT_S = 60.0


class ServiceUnavailableError(SalurError):
    code = "season_service_unavailable"


@dataclass
class Server:
    """A `salur serve` child process on 127.0.0.1 and a free port."""

    database_url: str
    key_dir: Path
    log_file: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = self.port or _free_port()
        env = os.environ | {
            "SALUR_DATABASE_URL": self.database_url,
            "SALUR_KEY_DIR": str(self.key_dir),
        }
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        salur = Path(sys.executable).with_name("salur")  # the console script of this install
        command = [str(salur), "serve", "--host", "127.0.0.1", "--no-access-log"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise ServiceUnavailableError("season.service_down", log=str(self.log_file))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """The routes the season uses, with errors that name the route and the answer."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=120.0)

    def close(self) -> None:
        self.http.close()

    def token(self, username: str, password: str, device_id: str | None = None) -> str:
        body = {"username": username, "password": password}
        if device_id is not None:
            body["device_id"] = device_id
        return str(self._json("POST", "/auth/token", json=body)["token"])

    def register_device(self, token: str, vkey: str) -> dict[str, Any]:
        return self._json("POST", "/me/devices", json={"vkey": vkey}, token=token)

    def sync(
        self, token: str, device: str, events: Sequence[Mapping[str, Any]], known_size: int
    ) -> dict[str, Any]:
        body = {"known_size": known_size, "events": list(events)}
        return self._json("POST", f"/devices/{device}/sync", json=body, token=token)

    def checkpoint(self, province: str) -> bytes:
        return self._raw("GET", f"/log/{province}/checkpoint")

    def consistency(self, province: str, old: int, new: int) -> dict[str, Any]:
        params = {"old": old, "new": new}
        return self._json("GET", f"/log/{province}/proofs/consistency", params=params)

    def add_witness(self, token: str, province: str, vkey: str) -> dict[str, Any]:
        path = f"/log/{province}/witnesses"
        return self._json("POST", path, json={"vkey": vkey}, token=token)

    def cosign(self, token: str, province: str, note: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        path = f"/log/{province}/cosignatures"
        return self._json("POST", path, content=note, token=token, headers=headers)

    def receipt(self, token: str, event_id: int) -> bytes:
        return self._raw("GET", f"/events/{event_id}/receipt", token=token)

    def _json(
        self, method: str, path: str, *, token: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        answer: dict[str, Any] = self._send(method, path, token, **kw).json()
        return answer

    def _raw(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> bytes:
        return self._send(method, path, token, **kw).content

    def _send(self, method: str, path: str, token: str | None, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.request(method, path, headers=headers, **kw)
        if response.status_code >= 400:
            raise ServiceUnavailableError(
                "season.api_refused",
                route=f"{method} {path}",
                status=response.status_code,
                answer=response.text[:300],
            )
        return response


@dataclass
class Phone:
    """A field device: it numbers what it makes, keeps an outbox while offline, and uploads."""

    device: str
    token: str
    sequence: int = 0
    known_size: int = 0
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def queue(self, submission: Mapping[str, Any]) -> str:
        """Keep an event for the next upload; returns its idempotency key."""
        self.sequence += 1
        key = f"{self.device}:{self.sequence:07d}"
        self.outbox.append(
            {"idempotency_key": key, "sequence": self.sequence, "submission": dict(submission)}
        )
        return key

    def upload(self, api: Api, batch_size: int = 200) -> list[dict[str, Any]]:
        """Send the outbox in batches; returns every per-event result, in order."""
        results: list[dict[str, Any]] = []
        while self.outbox:
            batch = self.outbox[:batch_size]
            answer = api.sync(self.token, self.device, batch, self.known_size)
            checkpoint = answer.get("checkpoint")
            if checkpoint is not None:
                self.known_size = int(checkpoint["size"])
            done = {r["idempotency_key"] for r in answer["results"] if r["status"] != "pending"}
            results += [r for r in answer["results"] if r["status"] != "pending"]
            self.outbox = [e for e in self.outbox if e["idempotency_key"] not in done]
            if not done:
                time.sleep(0.2)  # another upload of these keys is at work: ask again
        return results
