"""Per-person results as tables keyed by ``person_id``: ``person_rfm`` and ``person_personas``.

Each save rewrites its table whole, in one transaction, from what was computed: RFM from its
Ibis expression, run in the engine as ``INSERT ... SELECT`` (no person id passes through
Python); personas from the k-means labels, handed to DuckDB as one Arrow batch. Readers get
the table through :func:`saved`, which says what to run when nothing is saved yet, so code
that reads a tier or a persona works before anyone computed one (ADR 0012).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from journeylens.analyses import rfm
from journeylens.analyses.base import Tables
from journeylens.analyses.errors import InputError
from journeylens.store.sql import batch_view

RFM_TABLE = "person_rfm"
PERSONAS_TABLE = "person_personas"
HOW_TO_SAVE = {
    RFM_TABLE: "journeylens rfm --save",
    PERSONAS_TABLE: "journeylens personas --save",
}
RFM_COLUMNS = (
    "person_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
    "rfm_score", "tier", "window_start", "window_end", "computed_at",
)  # fmt: skip


class NothingSavedError(InputError):
    """A per-person table that nobody has computed yet; the message says how to."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _rewrite(con: duckdb.DuckDBPyConnection, table: str, select_sql: str) -> int:
    """Replace every row of ``table`` with ``select_sql``'s, atomically; the rows written."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} {select_sql}")
        written = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return int(written[0]) if written else 0


def save_rfm(con: duckdb.DuckDBPyConnection, tables: Tables, query: rfm.RfmQuery) -> dict[str, Any]:
    """Score every customer of the query's window into ``person_rfm`` (in the engine)."""
    span = rfm.window(tables, query)
    if span is None:
        raise NothingSavedError("There are no orders yet, so there is no customer to score.")
    start, end = span
    expr = rfm.build(tables, query, span=span).mutate(
        window_start=ibis.literal(start, "timestamp"),
        window_end=ibis.literal(end, "timestamp"),
        computed_at=ibis.literal(_now(), "timestamp"),
    )
    select_sql = str(tables.backend.compile(expr.select(*RFM_COLUMNS)))
    written = _rewrite(con, RFM_TABLE, select_sql)
    return {"table": RFM_TABLE, "persons": written, "window_start": start, "window_end": end}


def save_personas(con: duckdb.DuckDBPyConnection, labels: pd.DataFrame) -> dict[str, Any]:
    """Write ``labels`` (``person_id``, ``cluster``, ``persona``) into ``person_personas``."""
    batch = pa.table(
        {
            "person_id": pa.array(labels["person_id"].astype("int64"), pa.int64()),
            "persona": pa.array(labels["persona"].astype(str), pa.string()),
            "cluster": pa.array(labels["cluster"].astype("int64"), pa.int64()),
        }
    )
    stamp = _now().isoformat(sep=" ")
    with batch_view(con, "persona_labels", batch):
        written = _rewrite(
            con,
            PERSONAS_TABLE,
            f"SELECT person_id, persona, cluster, TIMESTAMP '{stamp}' FROM persona_labels",
        )
    return {"table": PERSONAS_TABLE, "persons": written}


def saved(tables: Tables, table: str) -> ir.Table:
    """The saved per-person table ``table``; NothingSavedError (saying what to run) when it is
    missing or empty."""
    how = HOW_TO_SAVE.get(table, "its save command")
    try:
        found = tables.table(table)
    except Exception:  # an older workspace, or an engine copy without it
        raise NothingSavedError(f"No {table} in this workspace yet: run `{how}` first.") from None
    if tables.execute(found.count()) == 0:
        raise NothingSavedError(f"Nothing saved in {table} yet: run `{how}` first.")
    return found


def rfm_tiers(tables: Tables) -> ir.Table:
    """``person_id``, ``tier`` of every customer scored by the last ``journeylens rfm --save``."""
    return saved(tables, RFM_TABLE).select("person_id", "tier")


def personas(tables: Tables) -> ir.Table:
    """``person_id``, ``persona`` of every person of the last ``journeylens personas --save``."""
    return saved(tables, PERSONAS_TABLE).select("person_id", "persona")
