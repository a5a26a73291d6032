"""Collector routes: the Segment HTTP Tracking API and PostHog capture.

Each request: read at most 500 KB → inflate → parse → authenticate the write
key → normalise each event (bad ones are listed, not fatal) → apply the tracking
plan → append the canonical rows and the rejections as one line to the journal →
answer once that line is fsync'd (ADR 0004). The loader moves the journal into
DuckDB through the writer afterwards, a fraction of a second later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from journeylens.ingest import posthog, segment
from journeylens.ingest.batch import ParsedBatch, Rejection, raw_text
from journeylens.ingest.body import (
    MAX_BODY_BYTES,
    BodyError,
    decode_posthog_form,
    decompress,
    parse_json,
)
from journeylens.ingest.normalize import utc_now
from journeylens.plan.enforce import apply_plan
from journeylens.plan.model import PlanError
from journeylens.store.commit import FailedEvent
from journeylens.store.journal import JournalStopped
from journeylens.store.loader import encode
from journeylens.web.deps import StateDep, key_from_headers
from journeylens.web.schemas import (
    INGEST_RESPONSES,
    PostHogBatch,
    PostHogEvent,
    SegmentBatch,
    SegmentMessage,
    request_body,
)
from journeylens.web.state import ServerState

log = logging.getLogger("journeylens.collector")
router = APIRouter(tags=["collector"])

RETRY_AFTER_SECONDS = "1"


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
    body = {"success": False, "code": code, "message": message, **extra}
    if status == 401:
        headers = {"WWW-Authenticate": 'Basic realm="journeylens"'}
    return JSONResponse(body, status_code=status, headers=headers)


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise BodyError(
            413,
            "body_too_large",
            f"The body is larger than {MAX_BODY_BYTES // 1024} KB; send smaller batches.",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyError(
                413,
                "body_too_large",
                f"The body is larger than {MAX_BODY_BYTES // 1024} KB; send smaller batches.",
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _store(
    state: ServerState, rows: list[dict[str, Any]], failed: list[FailedEvent]
) -> JSONResponse | None:
    """Append the request to the journal and wait for its fsync; a response only on failure."""
    if state.loader.lag_bytes > state.max_lag_bytes:
        return _error(
            503, "queue_full", "The server is behind on loading events; retry after a second."
        )
    try:
        future = state.journal.append(encode(rows, failed))
    except JournalStopped:
        return _error(503, "shutting_down", "The server is shutting down; retry shortly.")
    try:
        await asyncio.wrap_future(future)
    except Exception as error:
        log.exception("journaling a request failed")
        return _error(
            503,
            "store_unavailable",
            f"The events could not be stored ({type(error).__name__}); retry.",
        )
    return None


async def _ingest(
    request: Request,
    state: ServerState,
    *,
    source: str,
    parse: Callable[[Any, datetime], ParsedBatch],
    key_in_body: Callable[[Any], str | None],
    posthog_body: bool = False,
) -> JSONResponse:
    received_at = utc_now()
    route = request.url.path
    header_key = key_from_headers(request)
    if header_key is not None and state.keys.kind_of(header_key) is None:
        return _error(401, "unauthorized", "Unknown or revoked write key.")
    raw = b""
    try:
        raw = await _read_body(request)
        data = decompress(raw, request.headers.get("content-encoding", ""))
        if posthog_body:
            if request.query_params.get("compression") == "gzip-js":
                data = decompress(data, "gzip")
            elif request.query_params.get("compression") == "lz64":
                raise BodyError(
                    400,
                    "unsupported_compression",
                    "lz64 compression is not supported; use gzip-js.",
                )
            if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
                data = decode_posthog_form(data)
        body = parse_json(data)
        key = header_key or key_in_body(body)
        if key is None:
            return _error(
                401,
                "unauthorized",
                "No write key: send Basic auth with the write key as user name, or writeKey/api_key in the body.",
            )
        if state.keys.kind_of(key) is None:
            return _error(401, "unauthorized", "Unknown or revoked write key.")
        parsed = parse(body, received_at)
    except BodyError as error:
        if header_key is not None and error.status == 400:
            # Authenticated garbage is kept for inspection; anonymous garbage is not.
            failed = [
                FailedEvent(
                    received_at,
                    source,
                    route,
                    Rejection(-1, error.code, error.message, raw_text(None, raw)),
                )
            ]
            await _store(state, [], failed)
        return _error(error.status, error.code, error.message, accepted=0, rejected=[])
    try:
        plan = state.plans.current()
    except PlanError as error:  # a broken plan file must not stop collection
        log.error("ignoring the tracking plan: %s", error)
        plan = None
    parsed.rows, blocked = apply_plan(plan, parsed.rows)
    if blocked:
        parsed.rejected = sorted([*parsed.rejected, *blocked], key=lambda r: r.index)
    failed = [FailedEvent(received_at, source, route, rejection) for rejection in parsed.rejected]
    problem = await _store(state, parsed.rows, failed)
    if problem is not None:
        return problem
    rejected = [r.public() for r in parsed.rejected]
    if rejected and not parsed.rows:
        first = parsed.rejected[0]
        return _error(400, first.code, first.message, accepted=0, rejected=rejected)
    content: dict[str, Any] = {"success": True, "accepted": len(parsed.rows), "rejected": rejected}
    if source == posthog.SOURCE:
        content["status"] = 1
    return JSONResponse(content)


# ---- Segment ---------------------------------------------------------------------------
def _segment_route(route_type: str | None):  # type: ignore[no-untyped-def]
    def parse(body: Any, received_at: datetime) -> ParsedBatch:
        return segment.parse_body(body, route_type=route_type, received_at=received_at)

    async def endpoint(request: Request, state: StateDep) -> JSONResponse:
        return await _ingest(
            request, state, source=segment.SOURCE, parse=parse, key_in_body=segment.write_key_of
        )

    return endpoint


for _type in ("track", "identify", "page", "screen", "group", "alias"):
    router.add_api_route(
        f"/v1/{_type}",
        _segment_route(_type),
        methods=["POST"],
        summary=f"Segment {_type} call",
        description=f"Segment HTTP Tracking API `{_type}`. Write key by Basic auth (`base64(writeKey:)`) or `writeKey` in the body; gzip accepted.",
        responses=INGEST_RESPONSES,
        openapi_extra=request_body(SegmentMessage),
        operation_id=f"segment_{_type}",
    )
for _path in ("/v1/batch", "/v1/import"):
    router.add_api_route(
        _path,
        _segment_route(None),
        methods=["POST"],
        summary="Segment batch",
        description="Up to 500 KB of Segment messages; each is validated on its own.",
        responses=INGEST_RESPONSES,
        openapi_extra=request_body(SegmentBatch),
        operation_id="segment_" + _path.rsplit("/", 1)[1],
    )


# ---- PostHog ---------------------------------------------------------------------------
def _posthog_parse(body: Any, received_at: datetime) -> ParsedBatch:
    return posthog.parse_body(body, received_at=received_at)


async def _posthog_endpoint(request: Request, state: StateDep) -> JSONResponse:
    return await _ingest(
        request,
        state,
        source=posthog.SOURCE,
        parse=_posthog_parse,
        key_in_body=posthog.api_key_of,
        posthog_body=True,
    )


for _path in ("/batch/", "/capture/", "/e/", "/i/v0/e/", "/track/"):
    router.add_api_route(
        _path,
        _posthog_endpoint,
        methods=["POST"],
        summary=f"PostHog capture {_path}",
        description="PostHog capture: `api_key` (or `token`) in the body; gzip or `?compression=gzip-js` accepted.",
        responses=INGEST_RESPONSES,
        openapi_extra=request_body(PostHogBatch, PostHogEvent),
        operation_id="posthog_" + (_path.strip("/").replace("/", "_") or "root"),
    )
