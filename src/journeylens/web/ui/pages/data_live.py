"""The live event stream: the newest events, then each new one as it arrives.

``/data/live`` shows the newest events and the events received per minute over the last 30
minutes; ``/data/live/stream`` (server-sent events, signed-in users only) sends each event
received after a point (``?since=`` or the ``Last-Event-ID`` a reconnecting browser sends)
as a JSON ``data:`` line, the per-minute counts as ``counts`` events, and a comment every
15 seconds so proxies keep the connection open. ``static/app.js`` (``liveStream``) adds them
to the page.

The stream polls the ``events`` table once a second, each query on a worker thread (DuckDB
calls block). Events are loaded from the collector's journal in the order they were
appended, which can differ slightly from ``received_at`` order, so each poll looks back a
few seconds and skips what it already sent. A burst (an import, a load test) is shown by its
newest ``BURST`` events per poll; the per-minute counts still count all of it.

The stream ends when the browser goes away or the server is asked to stop: uvicorn waits
for open responses before it shuts down, so an endless response would hold it up.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import duckdb
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from journeylens.ingest.normalize import utc_now
from journeylens.web.deps import CursorDep, StateDep
from journeylens.web.ui import i18n
from journeylens.web.ui.render import ViewerDep, json_default, language_of, page

router = APIRouter(include_in_schema=False)

SHOWN = 50  # events on the page when it opens
BURST = 200  # events sent per poll at most
MINUTES = 30  # per-minute counts: this many minutes, the current one last
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
LOOKBACK = timedelta(seconds=10)
EPOCH = datetime(1970, 1, 1)
COLUMNS = (
    "message_id",
    "received_at",
    "timestamp",
    "type",
    "event",
    "user_id",
    "anonymous_id",
    "person_id",
    "channel",
    "source",
)
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM events"


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, values, strict=True)) for values in cursor.fetchall()]


def latest_events(cursor: duckdb.DuckDBPyConnection, limit: int = SHOWN) -> list[dict[str, Any]]:
    cursor.execute(f"{_SELECT} ORDER BY received_at DESC, message_id DESC LIMIT ?", [limit])
    return _rows(cursor)


def per_minute(cursor: duckdb.DuckDBPyConnection, now: datetime) -> list[dict[str, Any]]:
    """Events received in each of the last ``MINUTES`` minutes (UTC), oldest first."""
    first = now.replace(second=0, microsecond=0) - timedelta(minutes=MINUTES - 1)
    cursor.execute(
        "SELECT date_trunc('minute', received_at) AS minute, count(*) FROM events"
        " WHERE received_at >= ? GROUP BY minute",
        [first],
    )
    counts = dict(cursor.fetchall())
    minutes = [first + timedelta(minutes=i) for i in range(MINUTES)]
    return [{"minute": minute, "events": counts.get(minute, 0)} for minute in minutes]


def parse_point(raw: str | None) -> datetime | None:
    """An ISO time as stored (naive UTC); ``None`` when missing or unreadable."""
    try:
        value = datetime.fromisoformat(raw.strip()) if raw else None
    except ValueError:
        return None
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def server_stopping() -> bool:
    """Whether uvicorn has been asked to stop (SIGTERM or Ctrl+C).

    uvicorn has no public hook for this; while it serves, its own ``handle_exit`` is the
    SIGTERM handler and sets ``should_exit`` on its server. Anything else (another server,
    tests calling the app directly) reads as "not stopping".
    """
    handler = signal.getsignal(signal.SIGTERM)
    return bool(getattr(getattr(handler, "__self__", None), "should_exit", False))


@dataclass
class Tail:
    """Where one stream is: events after ``start``, minus those already sent."""

    start: datetime
    watermark: datetime = EPOCH
    sent: dict[str, datetime] = field(default_factory=dict)  # message id → received_at

    def __post_init__(self) -> None:
        self.watermark = max(self.watermark, self.start)

    def fetch(self, con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        """New events, oldest first (runs on a worker thread)."""
        floor = max(self.start, self.watermark - LOOKBACK)
        cursor = con.cursor()
        try:
            cursor.execute(
                f"{_SELECT} WHERE received_at > ? AND NOT list_contains(?::VARCHAR[], message_id)"
                " ORDER BY received_at DESC, message_id DESC LIMIT ?",
                [floor, list(self.sent), BURST],
            )
            rows = _rows(cursor)[::-1]
        finally:
            cursor.close()
        for row in rows:
            self.sent[row["message_id"]] = row["received_at"]
            self.watermark = max(self.watermark, row["received_at"])
        keep_after = self.watermark - LOOKBACK
        self.sent = {mid: at for mid, at in self.sent.items() if at > keep_after}
        return rows


def counts_now(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.cursor()
    try:
        return per_minute(cursor, utc_now())
    finally:
        cursor.close()


def newest_received(con: duckdb.DuckDBPyConnection) -> datetime | None:
    cursor = con.cursor()
    try:
        return cursor.execute("SELECT max(received_at) FROM events").fetchone()[0]  # type: ignore[index]
    finally:
        cursor.close()


def _json(value: Any) -> str:
    return orjson.dumps(value, default=json_default).decode()


def event_message(row: dict[str, Any]) -> str:
    return f"id: {row['received_at'].isoformat()}\ndata: {_json(row)}\n\n"


def counts_message(minutes: list[dict[str, Any]]) -> str:
    return f"event: counts\ndata: {_json({'per_minute': minutes})}\n\n"


async def follow(
    request: Request, con: duckdb.DuckDBPyConnection, tail: Tail
) -> AsyncIterator[str]:
    yield f"retry: 3000\n\n{counts_message(await run_in_threadpool(counts_now, con))}"
    counted_minute = utc_now().replace(second=0, microsecond=0)
    last_sent = time.monotonic()
    while not server_stopping() and not await request.is_disconnected():
        rows = await run_in_threadpool(tail.fetch, con)
        chunks = [event_message(row) for row in rows]
        minute = utc_now().replace(second=0, microsecond=0)
        if rows or minute != counted_minute:
            chunks.append(counts_message(await run_in_threadpool(counts_now, con)))
            counted_minute = minute
        if chunks:
            yield "".join(chunks)
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= HEARTBEAT_SECONDS:
            yield ": still here\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


@router.get("/data/live/stream")
async def live_stream(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    start = parse_point(request.headers.get("last-event-id")) or parse_point(
        request.query_params.get("since")
    )
    if start is None:  # from now on: the newest event already stored is not news
        start = await run_in_threadpool(newest_received, state.workspace.con)
    return StreamingResponse(
        follow(request, state.workspace.con, Tail(start or EPOCH)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/data/live")
def live(request: Request, viewer: ViewerDep, cursor: CursorDep) -> Response:
    events = latest_events(cursor)
    minutes = per_minute(cursor, utc_now())
    since = events[0]["received_at"] if events else EPOCH
    data = {
        "events": events,
        "per_minute": minutes,
        "stream": "/data/live/stream?" + urlencode({"since": since.isoformat()}),
    }
    return page(
        request,
        "data_live.html",
        data,
        viewer=viewer,
        busiest=max((m["events"] for m in minutes), default=0),
        base_url=str(request.base_url).rstrip("/"),
        labels=_json(i18n.vocabulary(language_of(request, viewer), "channel", "event_type")),
    )
