"""Shared fixtures: a real journeylens server process on 127.0.0.1, and helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``journeylens`` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "journeylens", *args],
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def create_key(workspace: Path, kind: str) -> str:
    result = cli("keys", "create", "--kind", kind, "--workspace", str(workspace))
    return result.stdout.strip().splitlines()[-1]


class Server:
    """``journeylens serve`` in a child process; can be stopped, killed and restarted."""

    def __init__(self, workspace: Path, env: dict[str, str] | None = None) -> None:
        self.workspace = workspace
        self.env = env or {}  # added to this process's environment (JOURNEYLENS_TODAY...)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workspace.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 120.0) -> Server:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "journeylens",
                "serve",
                "--workspace",
                str(self.workspace),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def keys(workspace: Path) -> dict[str, str]:
    return {"write": create_key(workspace, "write"), "admin": create_key(workspace, "admin")}


@pytest.fixture
def server(workspace: Path, keys: dict[str, str]) -> Iterator[Server]:
    srv = Server(workspace).start()
    try:
        yield srv
    finally:
        srv.stop()
