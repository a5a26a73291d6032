"""A ``journeylens serve`` child process and load generators that drive it over loopback.

The load generators run in their own processes (``spawn``), read pre-serialised bodies
from a file, build every request before the clock starts, and send them over raw
keep-alive sockets (one ``sendall`` per request), so a request costs the client a few
microseconds; they report their own CPU time so a run can show the client was not the
bottleneck.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import multiprocessing as mp
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson


# ---- the server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``journeylens serve`` on a fresh workspace in a child process (as tests/conftest.py)."""

    def __init__(self, workspace: Path) -> None:
        from journeylens.store.keys import KeyStore

        self.workspace = workspace
        workspace.mkdir(parents=True)
        _, self.write_key = KeyStore(workspace).create("write", "benchmark")
        self.port = free_port()
        self.log = workspace.parent / f"{workspace.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        with self.log.open("ab") as log:
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
                cwd=self.workspace.parent,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads), from /proc."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def stored_events(self) -> int:
        con = duckdb.connect(str(self.workspace / "journeylens.duckdb"), read_only=True)
        try:
            return int(con.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
        finally:
            con.close()


# ---- load generators (separate processes, raw keep-alive sockets) -------------------------
def request_bytes(body: bytes, port: int, write_key: str) -> bytes:
    auth = base64.b64encode(f"{write_key}:".encode()).decode()
    head = (
        "POST /v1/batch HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Basic {auth}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


class Connection:
    """One HTTP/1.1 keep-alive connection: one sendall per request, minimal response parsing."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def send(self, request: bytes) -> int:
        if self.sock is None:
            self.sock = self._connect()
        self.sock.sendall(request)
        return self._read_response()

    def _read_response(self) -> int:
        assert self.sock is not None
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            rest += self._recv(keep=False)
        self.buffer = rest[length:]
        if close:
            self.close()
        return status

    def _recv(self, keep: bool = True) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        if keep:
            self.buffer += chunk
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


@dataclass
class LoadSpec:
    bodies_file: str
    indices: list[int]  # which bodies this process sends
    port: int
    write_key: str
    threads: int
    rate: float | None = None  # requests/s for this process (open loop); None = closed loop
    warmup: int = 0


def _read_bodies(path: str) -> list[bytes]:
    return [body.encode() for body in orjson.loads(Path(path).read_bytes())["bodies"]]


def load_worker(spec: LoadSpec, ready: Any, go: Any, results: Any) -> None:
    """Runs in its own process: pre-builds every request, waits for ``go``, sends them."""
    try:
        bodies = _read_bodies(spec.bodies_file)
        requests = [request_bytes(bodies[i], spec.port, spec.write_key) for i in spec.indices]
        connections = [Connection(spec.port) for _ in range(spec.threads)]
        for connection in connections:  # connect (and warm up) before the clock starts
            connection.sock = connection._connect()
        ready.set()
        go.wait()
        latencies: list[float] = []
        scheduled_latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        counter = itertools.count()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()

        def run(connection: Connection) -> None:
            clock = time.perf_counter
            mine: list[tuple[float, float, int]] = []
            while (i := next(counter)) < len(requests):
                due = start + i / spec.rate if spec.rate else None
                if due is not None and (wait := due - clock()) > 0:
                    time.sleep(wait)
                sent = clock()
                status = connection.send(requests[i])
                done = clock()
                mine.append((done - sent, done - (due if due is not None else sent), status))
            with lock:
                for latency, from_schedule, status in mine:
                    latencies.append(latency)
                    scheduled_latencies.append(from_schedule)
                    statuses[status] = statuses.get(status, 0) + 1

        workers = [threading.Thread(target=run, args=(c,)) for c in connections]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        end = time.perf_counter()
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        for connection in connections:
            connection.close()
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        results.put(
            {
                "start": start,
                "end": end,
                "latencies": latencies,
                "scheduled": scheduled_latencies,
                "statuses": statuses,
                "cpu": cpu,
            }
        )
    except BaseException as error:
        ready.set()
        results.put({"error": f"{type(error).__name__}: {error}"})
        raise


def run_load(
    server: ServerProcess,
    bodies_file: Path,
    count: int,
    *,
    clients: int,
    processes: int,
    rate: float | None = None,
) -> dict[str, Any]:
    """Send bodies [0, count) with ``clients`` connections over ``processes`` processes."""
    ctx = mp.get_context("spawn")
    processes = max(1, min(processes, clients))
    go = ctx.Event()
    results = ctx.Queue()
    children = []
    readies = []
    for p in range(processes):
        threads = clients // processes + (1 if p < clients % processes else 0)
        spec = LoadSpec(
            bodies_file=str(bodies_file),
            indices=list(range(p, count, processes)),
            port=server.port,
            write_key=server.write_key,
            threads=threads,
            rate=rate / processes if rate else None,
        )
        ready = ctx.Event()
        child = ctx.Process(target=load_worker, args=(spec, ready, go, results), daemon=True)
        child.start()
        children.append(child)
        readies.append(ready)
    try:
        deadline = time.monotonic() + 300
        while not all(ready.is_set() for ready in readies):
            if any(child.exitcode is not None for child in children):
                raise RuntimeError("a load generator exited before it was ready")
            if time.monotonic() > deadline:
                raise RuntimeError("the load generators did not get ready")
            time.sleep(0.05)
        cpu_before = server.cpu_seconds()
        go.set()
        outcomes = [results.get(timeout=1800) for _ in children]
        cpu_after = server.cpu_seconds()
    finally:
        for child in children:  # they have reported (or we are failing): do not wait long
            child.join(5)
            if child.is_alive():
                child.kill()
                child.join()
    failed = [o["error"] for o in outcomes if "error" in o]
    if failed:
        raise RuntimeError(f"load generator failed: {failed[0]}")
    start = min(o["start"] for o in outcomes)
    end = max(o["end"] for o in outcomes)
    statuses: dict[int, int] = {}
    for outcome in outcomes:
        for status, n in outcome["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + n
    return {
        "seconds": end - start,
        "latencies": [x for o in outcomes for x in o["latencies"]],
        "scheduled": [x for o in outcomes for x in o["scheduled"]],
        "statuses": statuses,
        "client_cpu": sum(o["cpu"] for o in outcomes) / (end - start),
        "server_cpu": (cpu_after - cpu_before) / (end - start),
    }


def write_bodies(bodies: Sequence[bytes], path: Path) -> Path:
    path.write_bytes(orjson.dumps({"bodies": [body.decode() for body in bodies]}))
    return path


@contextlib.contextmanager
def fresh_server(directory: Path, name: str) -> Iterator[ServerProcess]:
    with ServerProcess(directory / name) as server:
        # Warm up: import paths, the first DuckDB statements, one person each.
        warm = Connection(server.port)
        body = orjson.dumps({"batch": [{"type": "track", "event": "Warm", "userId": "warm-up"}]})
        status = warm.send(request_bytes(body, server.port, server.write_key))
        warm.close()
        if status != 200:
            raise RuntimeError(f"warm-up request answered {status}")
        yield server
