"""Segments: named groups of persons. Static segments are fixed lists (``segment_members``),
saved from an analysis — the persons who dropped off at a funnel step, say — with the query
they came from in ``source``, so the later segmentation work can build on them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from journeylens.store.sql import batch_view, dicts


class SegmentError(ValueError):
    pass


def create_static(
    con: duckdb.DuckDBPyConnection,
    name: str,
    person_ids: Iterable[int],
    *,
    source: dict[str, Any] | None = None,
    created_by: str | None = None,
) -> dict[str, Any]:
    """A new static segment holding ``person_ids`` (duplicates kept once)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise SegmentError("Give the segment a name (up to 200 characters).")
    members = sorted({int(p) for p in person_ids})
    segment_id = secrets.token_hex(6)
    con.execute("BEGIN TRANSACTION")
    try:
        if con.execute("SELECT 1 FROM segments WHERE name = ?", [name]).fetchone():
            raise SegmentError(f"A segment named {name!r} exists; choose another name.")
        con.execute(
            "INSERT INTO segments VALUES (?, ?, 'static', ?, ?, ?)",
            [
                segment_id,
                name,
                json.dumps(source, ensure_ascii=False) if source is not None else None,
                created_by,
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )
        new_members = pa.table(
            {"segment_id": [segment_id] * len(members), "person_id": pa.array(members, pa.int64())}
        )
        with batch_view(con, "new_members", new_members):
            con.execute("INSERT INTO segment_members SELECT segment_id, person_id FROM new_members")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return get(con, segment_id)


def get(con: duckdb.DuckDBPyConnection, segment_id: str) -> dict[str, Any]:
    found = dicts(
        con.execute(
            "SELECT s.*, (SELECT count(*) FROM segment_members m WHERE m.segment_id = s.segment_id)"
            " AS persons FROM segments s WHERE segment_id = ?",
            [segment_id],
        )
    )
    if not found:
        raise SegmentError(f"No segment {segment_id!r}.")
    segment = found[0]
    segment["source"] = json.loads(segment["source"]) if segment["source"] else None
    return segment


def list_all(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = dicts(
        con.execute(
            "SELECT s.*, count(m.person_id) AS persons FROM segments s"
            " LEFT JOIN segment_members m USING (segment_id)"
            " GROUP BY ALL ORDER BY s.created_at DESC, s.name"
        )
    )
    for row in rows:
        row["source"] = json.loads(row["source"]) if row["source"] else None
    return rows


def members(
    con: duckdb.DuckDBPyConnection, segment_id: str, *, limit: int = 100, offset: int = 0
) -> list[int]:
    get(con, segment_id)
    return [
        int(r[0])
        for r in con.execute(
            "SELECT person_id FROM segment_members WHERE segment_id = ? ORDER BY person_id"
            " LIMIT ? OFFSET ?",
            [segment_id, limit, offset],
        ).fetchall()
    ]


def delete(con: duckdb.DuckDBPyConnection, segment_id: str) -> None:
    get(con, segment_id)
    con.execute("DELETE FROM segment_members WHERE segment_id = ?", [segment_id])
    con.execute("DELETE FROM segments WHERE segment_id = ?", [segment_id])
