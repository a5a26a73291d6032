"""Run one import: read → map → convert → normalise → store, with progress and a summary."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from journeylens.importers import converters
from journeylens.importers.fields import FieldError, plain, timezone
from journeylens.importers.mapping import KINDS, ColumnMapping, MappingError, resolve
from journeylens.importers.readers import Row, RowSource
from journeylens.ingest import segment
from journeylens.ingest.batch import Rejection
from journeylens.ingest.normalize import Reject, utc_now
from journeylens.plan.enforce import apply_plan
from journeylens.plan.model import TrackingPlan
from journeylens.store.commit import Contact, FailedEvent, StoreResult, store_contacts
from journeylens.store.writer import Writer

CHUNK_ROWS = 5_000
MAX_ERRORS_SHOWN = 20


@dataclass
class ImportSummary:
    kind: str
    path: str
    format: str
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), the first few

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "format": self.format,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 2),
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
        }


Progress = Callable[[int, int], None]  # (done, total)


class Importer:
    def __init__(
        self,
        writer: Writer,
        kind: str,
        path: str | Path,
        *,
        fmt: str | None = None,
        mapping: dict[str, str] | None = None,
        tz: str = "UTC",
        channel: str | None = None,
        delimiter: str | None = None,
        plan: TrackingPlan | None = None,
    ) -> None:
        if kind not in KINDS:
            raise MappingError(f"Unknown import kind {kind!r}; use one of: {', '.join(KINDS)}.")
        self.writer = writer
        self.kind = kind
        self.source = RowSource(Path(path), fmt, delimiter=delimiter)
        self.overrides = mapping or {}
        self.tz = timezone(tz)
        self.channel = channel
        self.plan = plan
        self.summary = ImportSummary(kind, str(path), self.source.format)
        self._mappings: dict[tuple[str, ...], ColumnMapping] = {}
        self._pending: list[tuple[Future[StoreResult], int]] = []

    @property
    def progress_unit(self) -> str:
        """What ``run``'s progress counts: ``bytes`` of a text file, ``rows`` of Parquet."""
        return "rows" if self.source.format == "parquet" else "bytes"

    # ---- mapping -----------------------------------------------------------------------
    def mapping_for(self, row: dict[str, Any]) -> ColumnMapping:
        header = tuple(row)
        mapping = self._mappings.get(header)
        if mapping is None:
            first = not self._mappings
            mapping = self._mappings[header] = resolve(self.kind, list(header), self.overrides)
            if first:
                # A file whose columns cannot work stops at once; a later JSON line that
                # lacks a field is that row's problem, reported with its line number.
                self._check_required(mapping)
        return mapping

    def _check_required(self, mapping: ColumnMapping) -> None:
        required = {
            "events": [("event", "timestamp")],
            "contacts": [],
            "orders": [("order_id", "ordered_at", "user_id")],
            "feedback": [("created_at", "user_id")],
        }[self.kind]
        for fields in required:
            missing = [f for f in fields if f not in mapping.columns]
            if missing:
                raise MappingError(
                    f"{self.source.path.name}: no column for {', '.join(missing)} "
                    f"(columns: {', '.join(mapping.columns.values()) or 'none recognised'}); "
                    f"name it with --map {missing[0]}=COLUMN."
                )

    # ---- running -----------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> ImportSummary:
        """Import the file, listed in the ``imports`` table from its start to its end."""
        from journeylens.importers import history

        import_id = new_import_id()
        self.writer.submit_job(
            lambda con, graph: history.record_start(con, import_id, self.summary)
        ).result()
        status = "failed"
        try:
            self._run(progress)
            status = "done"
            return self.summary
        finally:
            self.writer.submit_job(
                lambda con, graph: history.record_end(con, import_id, self.summary, status)
            ).result()

    def _run(self, progress: Progress | None) -> None:
        started = time.perf_counter()
        rows: list[Row] = []
        for row in self._rows():
            rows.append(row)
            if len(rows) >= CHUNK_ROWS:
                self._store_chunk(rows)
                rows = []
                if progress:
                    progress(self.source.progress(), self.source.total)
        if rows:
            self._store_chunk(rows)
        self._drain(0)
        if progress:
            progress(self.source.total, self.source.total)
        self.summary.seconds = time.perf_counter() - started

    def _rows(self) -> Iterator[Row]:
        """Rows, with an order's line items grouped (contiguous lines of one order id)."""
        if self.kind != "orders":
            yield from self.source.rows()
            return
        yield from _group_orders(self.source.rows(), self)

    def _store_chunk(self, rows: list[Row]) -> None:
        received_at = utc_now()
        messages: list[dict[str, Any]] = []
        contacts: list[Contact] = []
        failed: list[FailedEvent] = []
        csv = self.source.format == "csv"
        for row in rows:
            self.summary.rows_read += row.lines if isinstance(row, OrderRow) else 1
            try:
                if row.error is not None or row.values is None:
                    raise FieldError(row.error or "unreadable row")
                if self.kind == "contacts":
                    contacts.append(
                        converters.contact(row.values, self.mapping_for(row.values), csv)
                    )
                    continue
                message = self._message(row, csv)
                event = segment.normalize_message(
                    message, received_at=received_at, source=f"import:{self.kind}"
                )
                event["_index"] = row.line
                messages.append(event)
            except (FieldError, Reject) as error:
                reason = error.message if isinstance(error, Reject) else str(error)
                code = error.code if isinstance(error, Reject) else "invalid_row"
                failed.append(self._failure(row, code, reason, received_at))
        messages, blocked = apply_plan(self.plan, messages)
        for rejection in blocked:
            failed.append(self._blocked(rejection, received_at))
        if contacts:
            future = self.writer.submit_job(
                lambda con, graph, batch=contacts: store_contacts(con, graph, batch)
            )
            self._pending.append((future, len(contacts)))
        if messages or failed:
            self._pending.append((self.writer.submit(messages, failed), len(messages)))
        self._drain(4)  # keep a few chunks in flight, not the whole file

    def _message(self, row: Row, csv: bool) -> dict[str, Any]:
        assert row.values is not None
        if self.kind == "events":
            return converters.event_message(row.values, self.mapping_for(row.values), self.tz, csv)
        if self.kind == "feedback":
            return converters.feedback_message(
                row.values, self.mapping_for(row.values), self.tz, csv
            )
        assert isinstance(row, OrderRow)
        return converters.order_message(
            row.lines_values, self.mapping_for(row.values), self.tz, self.channel
        )

    def _failure(self, row: Row, code: str, reason: str, received_at: Any) -> FailedEvent:
        self.summary.rejected += 1
        if len(self.summary.errors) < MAX_ERRORS_SHOWN:
            self.summary.errors.append((row.line, reason))
        raw = orjson.dumps(plain(row.values)).decode() if row.values is not None else None
        return FailedEvent(
            received_at,
            f"import:{self.kind}",
            str(self.source.path),
            Rejection(row.line, code, f"line {row.line}: {reason}", raw),
        )

    def _blocked(self, rejection: Rejection, received_at: Any) -> FailedEvent:
        self.summary.rejected += 1
        if len(self.summary.errors) < MAX_ERRORS_SHOWN:
            self.summary.errors.append((rejection.index, rejection.message))
        rejection.message = f"line {rejection.index}: {rejection.message}"
        return FailedEvent(received_at, f"import:{self.kind}", str(self.source.path), rejection)

    def _drain(self, keep: int) -> None:
        while len(self._pending) > keep:
            future, sent = self._pending.pop(0)
            result = future.result()
            inserted = result.inserted if self.kind != "contacts" else sent
            self.summary.imported += min(inserted, sent)
            self.summary.duplicates += max(0, sent - inserted)


@dataclass(slots=True)
class OrderRow(Row):
    """All lines of one order; ``values`` is the first line (for mapping)."""

    lines_values: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return max(1, len(self.lines_values))


def _group_orders(rows: Iterator[Row], importer: Importer) -> Iterator[Row]:
    """Join an order's line items, which must be next to each other in the file."""
    seen: set[str] = set()
    current: OrderRow | None = None
    current_id: str | None = None
    for row in rows:
        if row.error is not None or row.values is None:
            yield row
            continue
        try:
            order_id = converters.order_lines_key(row.values, importer.mapping_for(row.values))
        except FieldError as error:
            yield _bad(row, str(error))
            continue
        if current is not None and order_id == current_id:
            current.lines_values.append(row.values)
            continue
        if current is not None:
            yield current
            current = None
        if order_id in seen:
            yield _bad(
                row,
                f"order {order_id} appeared earlier in the file; an order's lines must be "
                "next to each other (sort the file by order id)",
            )
            continue
        seen.add(order_id)
        current, current_id = OrderRow(row.line, row.values, None, [row.values]), order_id
    if current is not None:
        yield current


def _bad(row: Row, reason: str) -> Row:
    return Row(row.line, row.values, reason)


def new_import_id() -> str:
    return uuid.uuid4().hex[:12]
