"""Group commit: one thread owns every write to the workspace's DuckDB file.

Producers — the server's journal loader (ADR 0004), the importers, the demo loader —
hand canonical rows to :meth:`Writer.submit` and wait on the returned future. The
writer thread takes everything queued at that moment (many submissions per
transaction when busy, one at once when idle), stores it with :func:`store_batch`
in one transaction (with the journal position, when the rows come from the
journal), and only then resolves the futures. Other writes (CRM contacts, import
history) run as jobs between event commits with :meth:`Writer.submit_job`.

A full queue raises :class:`QueueFull`. If a transaction fails, each submission of
the group is retried alone, so one poisonous submission cannot fail its
neighbours; those that still fail get the exception.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import duckdb

from journeylens.store.commit import FailedEvent, StoreResult, store_batch
from journeylens.store.identity import IdentityGraph
from journeylens.store.journal import Position

log = logging.getLogger("journeylens.writer")

MAX_EVENTS_PER_TRANSACTION = 50_000


class QueueFull(Exception):
    pass


class WriterStopped(Exception):
    pass


Job = Callable[[duckdb.DuckDBPyConnection, IdentityGraph], Any]


@dataclass
class Ticket:
    rows: list[dict[str, Any]]
    failed: list[FailedEvent]
    future: Future[Any] = field(default_factory=Future)
    job: Job | None = None  # other writes (contacts...) run alone, in order
    position: Position | None = None  # journal position these rows come up to

    @property
    def size(self) -> int:
        return max(1, len(self.rows) + len(self.failed))


class Writer:
    def __init__(self, con: duckdb.DuckDBPyConnection, *, max_queued_events: int = 200_000) -> None:
        self.con = con
        self.graph = IdentityGraph.load(con)
        self.max_queued_events = max_queued_events
        self._queue: queue.SimpleQueue[Ticket | None] = queue.SimpleQueue()
        self._queued = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="journeylens-writer", daemon=True)
        self._stopping = False
        self.commits = 0

    # ---- public --------------------------------------------------------------------
    def start(self) -> Writer:
        self._thread.start()
        return self

    def submit(
        self,
        rows: list[dict[str, Any]],
        failed: list[FailedEvent] | None = None,
        position: Position | None = None,
    ) -> Future[StoreResult]:
        return self._enqueue(Ticket(rows, failed or [], position=position))

    def submit_job(self, job: Job) -> Future[Any]:
        """Run ``job(con, graph)`` on the writer thread, between event commits."""
        return self._enqueue(Ticket([], [], job=job))

    def _enqueue(self, ticket: Ticket) -> Future[Any]:
        with self._lock:
            if self._stopping:
                raise WriterStopped("The server is shutting down.")
            if self._queued + ticket.size > self.max_queued_events and self._queued > 0:
                raise QueueFull(f"{self._queued} events are waiting to be written.")
            self._queued += ticket.size
        self._queue.put(ticket)
        return ticket.future

    def write(
        self, rows: list[dict[str, Any]], failed: list[FailedEvent] | None = None
    ) -> StoreResult:
        """Submit and wait: for importers and tests."""
        return self.submit(rows, failed).result()

    @property
    def queued_events(self) -> int:
        return self._queued

    def stop(self, timeout: float = 30.0) -> None:
        """Write everything already accepted, then stop."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout)

    # ---- the thread ----------------------------------------------------------------
    def _run(self) -> None:
        done = False
        while not done:
            first = self._queue.get()
            tickets: list[Ticket] = []
            if first is None:
                done = True
            else:
                tickets.append(first)
            size = sum(t.size for t in tickets)
            while size < MAX_EVENTS_PER_TRANSACTION:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    done = True
                    continue
                tickets.append(more)
                size += more.size
            group: list[Ticket] = []
            for ticket in tickets:
                if ticket.job is None:
                    group.append(ticket)
                    continue
                if group:
                    self._commit(group)
                    group = []
                self._run_job(ticket)
            if group:
                self._commit(group)

    def _run_job(self, ticket: Ticket) -> None:
        assert ticket.job is not None
        try:
            result = ticket.job(self.con, self.graph)
        except Exception as error:
            self.graph = IdentityGraph.load(self.con)
            self._fail(ticket, error)
            return
        self._release(ticket)
        ticket.future.set_result(result)

    def _commit(self, tickets: list[Ticket]) -> None:
        try:
            result = self._store(tickets)
        except Exception as error:
            if len(tickets) == 1:
                self._fail(tickets[0], error)
                return
            log.warning(
                "group commit of %d requests failed (%s); retrying one by one", len(tickets), error
            )
            for ticket in tickets:
                self._commit([ticket])
            return
        # The group's counts are not split per request; each gets the group total.
        for ticket in tickets:
            self._release(ticket)
            ticket.future.set_result(result)

    def _store(self, tickets: list[Ticket]) -> StoreResult:
        rows = [row for t in tickets for row in t.rows]
        failed = [f for t in tickets for f in t.failed]
        positions = [t.position for t in tickets if t.position is not None]
        after = _record_position(max(positions)) if positions else None
        try:
            result = store_batch(self.con, self.graph, rows, failed, after)
        except Exception:
            # The graph moved ahead of the rolled-back database: reload it.
            self.graph = IdentityGraph.load(self.con)
            raise
        self.commits += 1
        return result

    def _fail(self, ticket: Ticket, error: Exception) -> None:
        log.error("could not store a request of %d events: %s", ticket.size, error)
        self._release(ticket)
        ticket.future.set_exception(error)

    def _release(self, ticket: Ticket) -> None:
        with self._lock:
            self._queued -= ticket.size


def _record_position(position: Position) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def record(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "UPDATE journal_position SET journal_segment = ?, journal_offset = ?",
            [position.segment, position.offset],
        )

    return record
