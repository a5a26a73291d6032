"""Data pages: what the collector and the importers refused or flagged, and what was imported.

``/data/failed`` (``failed_events``: events rejected with a reason), ``/data/violations``
(``plan_violations``: events stored but breaking the tracking plan) and ``/data/imports``
(``imports``: one row per file import), newest first, 50 rows a page (``?page=N``). These are
logs of what happened, not analyses: they ignore the shared date range. The live stream is in
``data_live.py``, the keys page in ``data_keys.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.web.deps import CursorDep
from journeylens.web.ui.render import ViewerDep, page

router = APIRouter(include_in_schema=False)
PER_PAGE = 50


@dataclass(frozen=True)
class Log:
    """One log table as a page: its columns and its newest-first order (with tie-breakers)."""

    table: str
    columns: tuple[str, ...]
    order: str


FAILED = Log(
    "failed_events",
    ("received_at", "source", "route", "batch_index", "code", "message", "message_id", "raw"),
    "received_at DESC, route, batch_index",
)
VIOLATIONS = Log(
    "plan_violations",
    ("detected_at", "message_id", "event", "property", "code", "message", "mode"),
    "detected_at DESC, message_id, property",
)
IMPORTS = Log(
    "imports",
    (
        "import_id",
        "kind",
        "path",
        "format",
        "started_at",
        "finished_at",
        "rows_read",
        "imported",
        "duplicates",
        "rejected",
        "status",
    ),
    "started_at DESC, import_id",
)


class BadPage(ValueError):
    pass


def page_number(request: Request) -> int:
    """``?page=N`` (from 1); anything else is a clear error, not a 500."""
    raw = request.query_params.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise BadPage(raw)
    return int(raw)


def read_log(cursor: duckdb.DuckDBPyConnection, log: Log, number: int) -> dict[str, Any]:
    """One page of ``log``, newest first; a page past the end shows the last one."""
    (total,) = cursor.execute(f"SELECT count(*) FROM {log.table}").fetchone()  # type: ignore[misc]
    pages = max(1, -(-total // PER_PAGE))
    number = min(number, pages)
    cursor.execute(
        f"SELECT {', '.join(log.columns)} FROM {log.table} ORDER BY {log.order} LIMIT ? OFFSET ?",
        [PER_PAGE, (number - 1) * PER_PAGE],
    )
    rows = [dict(zip(log.columns, values, strict=True)) for values in cursor.fetchall()]
    return {"page": number, "pages": pages, "per_page": PER_PAGE, "total": total, "rows": rows}


def log_page(
    request: Request, viewer: ViewerDep, cursor: CursorDep, log: Log, template: str
) -> Response:
    """The page of ``log`` the URL asks for; its JSON twin names the rows after the table."""
    try:
        number = page_number(request)
    except BadPage as error:
        message = f"The page number must be a whole number from 1, not {str(error)!r}."
        problem = {"error": message, "page": str(error)}
        return page(request, template, problem, viewer=viewer, status_code=400)
    data = read_log(cursor, log, number)
    return page(request, template, {log.table: data.pop("rows"), **data}, viewer=viewer)


@router.get("/data/failed")
def failed(request: Request, viewer: ViewerDep, cursor: CursorDep) -> Response:
    return log_page(request, viewer, cursor, FAILED, "data_failed.html")


@router.get("/data/violations")
def violations(request: Request, viewer: ViewerDep, cursor: CursorDep) -> Response:
    return log_page(request, viewer, cursor, VIOLATIONS, "data_violations.html")


@router.get("/data/imports")
def imports(request: Request, viewer: ViewerDep, cursor: CursorDep) -> Response:
    return log_page(request, viewer, cursor, IMPORTS, "data_imports.html")
