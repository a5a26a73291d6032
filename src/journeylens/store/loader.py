"""Moves the journal into DuckDB: large transactions, position recorded in the same one.

The loader tails the journal (see :mod:`journeylens.store.journal`), decodes a few
megabytes of lines at a time and hands them to the writer with the journal position
they reach; the writer stores them and that position in one transaction. Events
become queryable within a fraction of a second of their acknowledgement;
:meth:`Loader.wait_for` gives a reader its own writes.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import duckdb
import orjson

from journeylens.ingest.batch import Rejection
from journeylens.plan.model import Violation
from journeylens.store.commit import FailedEvent
from journeylens.store.journal import Journal, Position
from journeylens.store.writer import Writer

log = logging.getLogger("journeylens.loader")

READ_BYTES = 8 * 1024 * 1024
_TIMES = ("timestamp", "original_timestamp", "sent_at", "received_at")


# ---- the line format -------------------------------------------------------------------
def encode(rows: list[dict[str, Any]], failed: list[FailedEvent]) -> bytes:
    """One request as one JSON line (orjson never writes a raw newline)."""
    return orjson.dumps(
        {
            "rows": [{k: v for k, v in row.items() if k != "_index"} for row in rows],
            "failed": failed,
        }
    )


def decode(line: bytes) -> tuple[list[dict[str, Any]], list[FailedEvent]]:
    data = orjson.loads(line)
    rows = data["rows"]
    for row in rows:
        for name in _TIMES:
            if row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
        if row.get("_violations"):
            row["_violations"] = [Violation(**v) for v in row["_violations"]]
        row.setdefault("_set", None)
        row.setdefault("_set_once", None)
    failed = [
        FailedEvent(
            datetime.fromisoformat(f["received_at"]),
            f["source"],
            f["route"],
            Rejection(**f["rejection"]),
        )
        for f in data["failed"]
    ]
    return rows, failed


# ---- the loader --------------------------------------------------------------------------
class Loader:
    def __init__(self, journal: Journal, writer: Writer, con: duckdb.DuckDBPyConnection) -> None:
        self.journal = journal
        self.writer = writer
        segment, offset = con.execute(
            "SELECT journal_segment, journal_offset FROM journal_position"
        ).fetchone()  # type: ignore[misc]
        self.position = Position(segment, offset)
        self._loaded = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journeylens-loader", daemon=True)

    def start(self) -> Loader:
        self._thread.start()
        return self

    @property
    def lag_bytes(self) -> int:
        durable = self.journal.durable
        if durable.segment == self.position.segment:
            return durable.offset - self.position.offset
        return durable.offset + (durable.segment - self.position.segment) * 64 * 1024 * 1024

    def wait_for(self, position: Position | None = None, timeout: float = 10.0) -> bool:
        """Block until everything acknowledged up to ``position`` (default: now) is loaded."""
        target = position or self.journal.durable
        deadline = time.monotonic() + timeout
        with self._loaded:
            while self.position < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return False
                self._loaded.wait(min(remaining, 0.1))
        return True

    def stop(self) -> None:
        """Load everything acknowledged, then stop."""
        self._stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        while True:
            lines, position = self.journal.read(self.position, READ_BYTES)
            if not lines:
                if self._stop.is_set() and self.position >= self.journal.durable:
                    return
                time.sleep(0.02)
                continue
            self._load(lines, position)

    def _load(self, lines: list[bytes], position: Position) -> None:
        rows: list[dict[str, Any]] = []
        failed: list[FailedEvent] = []
        for line in lines:
            line_rows, line_failed = decode(line)
            rows.extend(line_rows)
            failed.extend(line_failed)
        while True:
            try:
                self.writer.submit(rows, failed, position).result()
                break
            except Exception:  # the store is failing (disk full...): keep the journal, retry
                log.exception("loading the journal failed; retrying in a second")
                time.sleep(1.0)
        with self._loaded:
            self.position = position
            self._loaded.notify_all()
        self.journal.drop_loaded(position)
