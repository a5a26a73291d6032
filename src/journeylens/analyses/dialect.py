"""The few engine-specific fragments, in one place (DESIGN.md decision 2, STYLE.md principle 3).

Everything else in ``analyses/`` is plain Ibis and runs on every backend. A fragment here is a
function taking the engine name (``Tables.engine``: ``duckdb``, ``pyspark``) and returning an
Ibis expression; what differs per engine is data (``UNSUPPORTED``) or a builtin function that
Ibis has no portable operation for, each with the reason beside it.
"""

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

NAIVE = dt.Timestamp()
INSTANT = dt.Timestamp(timezone="UTC")

# Options an engine cannot run, with what it raises instead: {engine: {option: reason}}.
UNSUPPORTED: dict[str, dict[str, str]] = {}


def check_supported(engine: str, option: str) -> None:
    from journeylens.analyses.base import AnalysisError

    reason = UNSUPPORTED.get(engine, {}).get(option)
    if reason:
        raise AnalysisError(f"{option} is not available on {engine}: {reason}")


# --- time zones -----------------------------------------------------------------------------
# Timestamps are stored as naive UTC wall-clock time. Ibis has no portable "convert to this
# zone" operation, so each engine's own function is named here.


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_utc_instant(zone: str, ts: NAIVE) -> INSTANT:  # type: ignore[valid-type]
    """DuckDB: ``timezone('UTC', ts)`` reads a naive timestamp as UTC (a TIMESTAMPTZ)."""


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_local_wall_clock(zone: str, ts: INSTANT) -> NAIVE:  # type: ignore[valid-type]
    """DuckDB: ``timezone(zone, tstz)`` gives the wall-clock time in ``zone`` (a TIMESTAMP)."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_from_utc(ts: NAIVE, zone: str) -> NAIVE:  # type: ignore[valid-type]
    """Spark: wall-clock time in ``zone`` of a UTC timestamp (session time zone is UTC)."""


def to_local(ts: ir.TimestampValue, zone: str, engine: str) -> ir.TimestampValue:
    """The wall-clock time in the workspace time zone of a naive-UTC timestamp."""
    if zone in ("UTC", "Etc/UTC", "GMT"):
        return ts
    if engine == "duckdb":
        return _duckdb_local_wall_clock(zone, _duckdb_utc_instant("UTC", ts))
    if engine == "pyspark":
        return _spark_from_utc(ts, zone)
    raise NotImplementedError(f"No time-zone conversion for the {engine} engine yet.")
