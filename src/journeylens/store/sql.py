"""Reading query results as plain rows."""

from __future__ import annotations

from typing import Any

import duckdb


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the cursor's last query, each as ``{column: value}``."""
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
