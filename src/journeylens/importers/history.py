"""The ``imports`` table: one row per import, written at its start and its end.

``Importer.run`` writes both rows itself, so every import is listed on the Imports page
however it was started (``journeylens import``, the demo, a script).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from journeylens.ingest.normalize import utc_now

if TYPE_CHECKING:
    from journeylens.importers.run import ImportSummary


def record_start(con: duckdb.DuckDBPyConnection, import_id: str, summary: ImportSummary) -> None:
    con.execute(
        "INSERT INTO imports (import_id, kind, path, format, started_at, status)"
        " VALUES (?, ?, ?, ?, ?, 'running')",
        [import_id, summary.kind, summary.path, summary.format, utc_now()],
    )


def record_end(
    con: duckdb.DuckDBPyConnection, import_id: str, summary: ImportSummary, status: str
) -> None:
    con.execute(
        "UPDATE imports SET finished_at = ?, rows_read = ?, imported = ?, duplicates = ?,"
        " rejected = ?, status = ? WHERE import_id = ?",
        [
            utc_now(),
            summary.rows_read,
            summary.imported,
            summary.duplicates,
            summary.rejected,
            status,
            import_id,
        ],
    )
