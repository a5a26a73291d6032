"""Reading query results as plain rows; handing Arrow batches to SQL by name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the cursor's last query, each as ``{column: value}``."""
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def batch_view(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` readable as ``name`` by the statements run inside the block. Registered
    explicitly rather than found by DuckDB's scan of Python variables: Ibis turns that scan off
    on a connection it wraps (``Workspace`` wraps its own), and a batch must store either way."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)
