"""The JSON API: reads and analyses (every route needs a read or an admin key)."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, HTTPException, Query, Request

from journeylens.analyses import registry
from journeylens.analyses.base import Analysis
from journeylens.web import runs
from journeylens.web.deps import CursorDep, ReaderKey, StateDep
from journeylens.web.schemas import request_body
from journeylens.workspace import workspace_status

router = APIRouter(prefix="/api", tags=["api"])


def _rows(cursor: Any) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    out = []
    for values in cursor.fetchall():
        row = {}
        for name, value in zip(columns, values, strict=True):
            if name in ("properties", "traits", "context") and isinstance(value, str):
                value = orjson.loads(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            row[name] = value
        out.append(row)
    return out


@router.get("/status", summary="Table counts, event names and time range")
def status(_: ReaderKey, cursor: CursorDep) -> dict[str, Any]:
    return workspace_status(cursor)


@router.get("/events", summary="Most recently received events")
def recent_events(
    _: ReaderKey, cursor: CursorDep, limit: int = Query(50, ge=1, le=1000)
) -> dict[str, Any]:
    cursor.execute("SELECT * FROM events ORDER BY received_at DESC, message_id LIMIT ?", [limit])
    return {"events": _rows(cursor)}


@router.get("/failed-events", summary="Rejected events with their reasons")
def failed_events(
    _: ReaderKey, cursor: CursorDep, limit: int = Query(50, ge=1, le=1000)
) -> dict[str, Any]:
    cursor.execute("SELECT * FROM failed_events ORDER BY received_at DESC LIMIT ?", [limit])
    return {"failed_events": _rows(cursor)}


@router.get("/persons/{distinct_id}", summary="A person by any of their ids")
def person(distinct_id: str, _: ReaderKey, cursor: CursorDep) -> dict[str, Any]:
    cursor.execute(
        "SELECT p.* FROM persons p JOIN identities i USING (person_id) WHERE i.distinct_id = ?",
        [distinct_id],
    )
    found = _rows(cursor)
    if not found:
        raise HTTPException(
            404, {"code": "not_found", "message": f"No person with id {distinct_id!r}."}
        )
    cursor.execute(
        "SELECT distinct_id, kind FROM identities WHERE person_id = ? ORDER BY distinct_id",
        [found[0]["person_id"]],
    )
    return {"person": found[0], "identities": _rows(cursor)}


def _add_analysis_routes(analysis: Analysis) -> None:
    """``POST /api/<path>`` (JSON body = the query) and ``GET /api/<path>?field=...``.

    Both bodies are read by the query model's own parser (``runs.parse``), not by FastAPI, so
    a bad value gets the message the CLI and the pages give (a 400), not a 422 listing
    pydantic's locations; the OpenAPI spec still shows the query's schema."""

    def post(body: dict[str, Any], _: Any, state: Any) -> dict[str, Any]:
        return runs.run(state, analysis, runs.parse(analysis, body, state))

    def get(request: Request, _: Any, state: Any) -> dict[str, Any]:
        body = runs.body_from_params(analysis, request.query_params.multi_items())
        return runs.run(state, analysis, runs.parse(analysis, body, state))

    keyword = inspect.Parameter.KEYWORD_ONLY
    post.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("body", keyword, annotation=Annotated[dict[str, Any], Body()]),
            inspect.Parameter("_", keyword, annotation=ReaderKey),
            inspect.Parameter("state", keyword, annotation=StateDep),
        ]
    )
    get.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("_", keyword, annotation=ReaderKey),
            inspect.Parameter("state", keyword, annotation=StateDep),
        ]
    )
    router.add_api_route(
        f"/{analysis.path}", post, methods=["POST"], summary=analysis.summary,
        name=f"{analysis.name}_post", openapi_extra=request_body(analysis.query),
    )  # fmt: skip
    router.add_api_route(
        f"/{analysis.path}", get, methods=["GET"], name=f"{analysis.name}_get",
        summary=f"{analysis.summary} (query-string form: repeat list fields, e.g. ?step=A&step=B)",
    )  # fmt: skip


for _analysis in registry.analyses().values():
    _add_analysis_routes(_analysis)
