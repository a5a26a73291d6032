"""Saved insights: a builder page's state (its query string) under a name, maybe pinned.

An insight is exactly what its URL says: ``analysis`` names the page (``funnel``) and
``query`` is the page's query string, so opening it shows the same view, on today's data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import duckdb

from journeylens.store.sql import dicts

PAGES = ("trends", "funnels", "paths", "retention", "lifecycle", "stages")


class InsightError(ValueError):
    pass


def save(
    con: duckdb.DuckDBPyConnection,
    name: str,
    analysis: str,
    query: str,
    *,
    created_by: str | None = None,
    pinned: bool = False,
) -> dict[str, Any]:
    name = name.strip()
    if not name or len(name) > 200:
        raise InsightError("Give the insight a name (up to 200 characters).")
    if analysis not in PAGES:
        raise InsightError(
            f"Unknown page {analysis!r}; insights are saved from: {', '.join(PAGES)}."
        )
    insight_id = secrets.token_hex(6)
    con.execute(
        "INSERT INTO insights VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            insight_id,
            name,
            analysis,
            query,
            pinned,
            created_by,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
    return get(con, insight_id)


def get(con: duckdb.DuckDBPyConnection, insight_id: str) -> dict[str, Any]:
    found = dicts(con.execute("SELECT * FROM insights WHERE insight_id = ?", [insight_id]))
    if not found:
        raise InsightError(f"No insight {insight_id!r}.")
    return found[0]


def list_all(con: duckdb.DuckDBPyConnection, *, pinned_only: bool = False) -> list[dict[str, Any]]:
    where = "WHERE pinned" if pinned_only else ""
    return dicts(con.execute(f"SELECT * FROM insights {where} ORDER BY created_at DESC, name"))


def set_pinned(con: duckdb.DuckDBPyConnection, insight_id: str, pinned: bool) -> dict[str, Any]:
    get(con, insight_id)
    con.execute("UPDATE insights SET pinned = ? WHERE insight_id = ?", [pinned, insight_id])
    return get(con, insight_id)


def delete(con: duckdb.DuckDBPyConnection, insight_id: str) -> None:
    get(con, insight_id)
    con.execute("DELETE FROM insights WHERE insight_id = ?", [insight_id])
