"""The write-ahead journal: acknowledged means fsync'd here (ADR 0004).

The collector appends each request's canonical rows as one JSON line and answers
once the line is on disk; appends arriving together share one ``fsync`` (group
commit). :class:`~journeylens.store.loader.Loader` moves lines into DuckDB in large
transactions, recording how far it got in the same transaction, so after a crash
it resumes exactly where it stopped. A line cut short by a crash was never
acknowledged and is dropped when the journal is reopened.

Segments are ``journal/<number>.jsonl``; a new one starts when the current one
passes ``SEGMENT_BYTES`` and a loaded segment is deleted.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("journeylens.journal")

SEGMENT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Position:
    segment: int
    offset: int


class JournalStopped(Exception):
    pass


class Journal:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._repair()
        segments = self.segments()
        self._segment = segments[-1] if segments else 1
        self._file = (self.folder / f"{self._segment:010d}.jsonl").open("ab")
        self._offset = self._file.tell()
        self._queue: queue.SimpleQueue[tuple[bytes, Future[Position]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="journeylens-journal", daemon=True)
        self._stopping = False
        self._lock = threading.Lock()
        self._durable = Position(self._segment, self._offset)
        self._thread.start()

    # ---- files ---------------------------------------------------------------------
    def segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.folder.glob("*.jsonl") if p.stem.isdigit())

    def path(self, segment: int) -> Path:
        return self.folder / f"{segment:010d}.jsonl"

    def _repair(self) -> None:
        """Drop a torn last line (the process died mid-write: it was never acknowledged)."""
        for segment in self.segments():
            path = self.path(segment)
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                keep = data.rfind(b"\n") + 1
                log.warning(
                    "dropping %d unacknowledged bytes at the end of %s", len(data) - keep, path.name
                )
                with path.open("r+b") as file:
                    file.truncate(keep)
                    file.flush()
                    os.fsync(file.fileno())

    @property
    def durable(self) -> Position:
        """Everything before this position is on disk (and acknowledged)."""
        with self._lock:
            return self._durable

    # ---- appending -----------------------------------------------------------------
    def append(self, line: bytes) -> Future[Position]:
        """Queue one line (no newline inside); the future resolves once it is fsync'd."""
        future: Future[Position] = Future()
        if self._stopping:
            raise JournalStopped("The journal is closed.")
        self._queue.put((line, future))
        return future

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            waiting = [item]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                waiting.append(more)
            try:
                self._write(waiting)
            except Exception as error:  # disk full, I/O error: nobody is acknowledged
                log.exception("journal write failed")
                for _, future in waiting:
                    future.set_exception(error)
        self._file.close()

    def _write(self, waiting: list[tuple[bytes, Future[Position]]]) -> None:
        self._file.write(b"".join(line + b"\n" for line, _ in waiting))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._offset = self._file.tell()
        position = Position(self._segment, self._offset)
        with self._lock:
            self._durable = position
        for _, future in waiting:
            future.set_result(position)
        if self._offset >= SEGMENT_BYTES:
            self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        self._segment += 1
        self._file = self.path(self._segment).open("ab")
        self._offset = 0
        os.fsync(os.open(self.folder, os.O_RDONLY))  # make the new file's name durable
        with self._lock:
            self._durable = Position(self._segment, 0)

    def stop(self) -> None:
        self._stopping = True
        self._queue.put(None)
        self._thread.join(30)

    # ---- reading (the loader) ------------------------------------------------------
    def read(self, start: Position, limit_bytes: int) -> tuple[list[bytes], Position]:
        """Whole lines after ``start`` that are durable (at most about ``limit_bytes``).

        Returns the lines and the position just after the last one.
        """
        durable = self.durable
        position = start
        while position.segment < durable.segment and position.offset >= file_size(
            self.path(position.segment)
        ):
            position = Position(position.segment + 1, 0)
        path = self.path(position.segment)
        end = durable.offset if position.segment == durable.segment else file_size(path)
        if end <= position.offset:
            return [], position
        with path.open("rb") as file:
            file.seek(position.offset)
            data = file.read(min(limit_bytes, end - position.offset))
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # one line longer than the limit: take it whole
                data += file.read(end - position.offset - len(data))
                cut = data.rfind(b"\n") + 1
        return data[:cut].splitlines(), Position(position.segment, position.offset + cut)

    def drop_loaded(self, position: Position) -> None:
        """Delete segments wholly before ``position``."""
        for segment in self.segments():
            if segment < position.segment and segment < self._segment:
                self.path(segment).unlink(missing_ok=True)


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
