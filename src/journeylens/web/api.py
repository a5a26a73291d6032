"""The admin JSON API (every route needs an admin key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ibis
import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from journeylens.web.deps import AdminKey, CursorDep, StateDep
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
def status(_: AdminKey, cursor: CursorDep) -> dict[str, Any]:
    return workspace_status(cursor)


@router.get("/events", summary="Most recently received events")
def recent_events(
    _: AdminKey, cursor: CursorDep, limit: int = Query(50, ge=1, le=1000)
) -> dict[str, Any]:
    cursor.execute("SELECT * FROM events ORDER BY received_at DESC, message_id LIMIT ?", [limit])
    return {"events": _rows(cursor)}


@router.get("/failed-events", summary="Rejected events with their reasons")
def failed_events(
    _: AdminKey, cursor: CursorDep, limit: int = Query(50, ge=1, le=1000)
) -> dict[str, Any]:
    cursor.execute("SELECT * FROM failed_events ORDER BY received_at DESC LIMIT ?", [limit])
    return {"failed_events": _rows(cursor)}


@router.get("/persons/{distinct_id}", summary="A person by any of their ids")
def person(distinct_id: str, _: AdminKey, cursor: CursorDep) -> dict[str, Any]:
    from fastapi import HTTPException

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


class FunnelRequest(BaseModel):
    steps: list[str] = Field(description="Events in order; a step may be 'A|B' (any of them).")
    window: str = Field(
        "14d", description="Conversion window from the first step-1 event, or 'none'."
    )
    date_from: datetime | None = Field(None, description="Step 1 on or after (UTC).")
    date_to: datetime | None = Field(None, description="Step 1 before (UTC).")
    breakdown: str | None = Field(
        None, description="First-touch breakdown: a column, properties.KEY or context.PATH."
    )


@router.post("/funnels", summary="A funnel: users per step, conversion, drop-off, time to convert")
def funnels(request: FunnelRequest, _: AdminKey, state: StateDep) -> dict[str, Any]:
    from fastapi import HTTPException

    from journeylens.analyses import funnel

    state.loader.wait_for(timeout=5.0)
    try:
        query = funnel.FunnelQuery(
            tuple(funnel.Step.parse(s) for s in request.steps),
            funnel.parse_window(request.window),
            _naive_utc(request.date_from),
            _naive_utc(request.date_to),
            request.breakdown,
        )
        cursor = state.workspace.con.cursor()
        try:
            backend = ibis.duckdb.from_connection(cursor)
            return funnel.run(backend, backend.table("events"), query).to_dict()
        finally:
            cursor.close()
    except funnel.FunnelError as error:
        raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None


@router.get("/funnels", summary="A funnel (query-string form: ?step=A&step=B|C&window=14d)")
def funnels_get(
    _: AdminKey,
    state: StateDep,
    step: list[str] = Query(..., description="Repeat in order."),
    window: str = "14d",
) -> dict[str, Any]:
    return funnels(FunnelRequest(steps=step, window=window), _, state)


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
