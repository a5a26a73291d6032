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


# --- JSON properties ------------------------------------------------------------------------
# Ibis's JSON ``value[key].unwrap_as("string")`` returns NULL unless the value is a JSON string,
# so a number or boolean property would never match a filter. DuckDB's json_extract_string
# gives the text of any value; the keys travel as one JSON Pointer (RFC 6901: ``~`` → ``~0``,
# ``/`` → ``~1``), a bound string, so a key with quotes, dots or ``$`` is just a key.


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(document: dt.JSON, pointer: str) -> str:  # type: ignore[valid-type]
    """DuckDB: the text of the value at ``pointer`` (strings unquoted), NULL when absent."""


def json_pointer(keys: tuple[str, ...]) -> str:
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def json_text(value: ir.Value, keys: tuple[str, ...], engine: str) -> ir.StringValue:
    """The text at ``keys`` inside a JSON column (numbers as their digits, strings unquoted)."""
    if engine == "duckdb":
        return _duckdb_json_text(value, json_pointer(keys))
    for key in keys:
        value = value[key]
    return value.unwrap_as("string")


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


# --- funnels: list lambdas --------------------------------------------------------------------
# The fastest sequential funnel on DuckDB is one GROUP BY per person collecting each step's
# times (``list(ts)``) and walking the steps with list lambdas (DESIGN.md "Performance notes").
# Ibis compiles ``ArrayValue.filter(lambda ...)`` to DuckDB's ``LAMBDA t: ...`` (DuckDB 2 refuses
# ``t -> ...``), with times and bounds bound as values. Other engines use the join formulation
# in ``funnel_steps.sequential_joins`` (Spark's collect_list of every person's times is untested
# at scale there), so this is a choice per engine, kept as data.
LIST_FUNNEL_ENGINES = frozenset({"duckdb"})


def list_funnel(engine: str) -> bool:
    """Whether ``engine`` runs sequential funnels with list lambdas."""
    return engine in LIST_FUNNEL_ENGINES


def earliest_between(
    times: ir.ArrayValue, after: ir.TimestampValue, until: ir.TimestampValue | None
) -> ir.TimestampValue:
    """The earliest of ``times`` strictly after ``after`` and (if given) no later than ``until``;
    null when there is none (or ``after`` is null)."""
    if until is None:
        return times.filter(lambda t: t > after).mins()
    return times.filter(lambda t: (t > after) & (t <= until)).mins()


def any_between(
    times: ir.ArrayValue,
    after: ir.TimestampValue,
    before: ir.TimestampValue,
    until: ir.TimestampValue | None,
) -> ir.BooleanValue:
    """Whether one of ``times`` is strictly after ``after`` and strictly before ``before`` —
    or, when ``before`` is null, no later than ``until`` (no limit when ``until`` is None)."""

    def inside(t: ir.TimestampValue) -> ir.BooleanValue:
        open_end = ibis.literal(True) if until is None else t <= until
        return (t > after) & before.notnull().ifelse(t < before, open_end)

    return (times.filter(inside).length() > 0).fill_null(False)


# --- regex replacement text -----------------------------------------------------------------
# Ibis compiles ``re_replace`` to ``regexp_replace`` on both engines (all matches), but the
# replacement text differs: RE2 (DuckDB) names groups ``\1`` and takes ``$`` literally, Java
# (Spark) names them ``$1`` and needs ``\$`` and ``\\`` for a literal dollar and backslash.


def regex_replacement(replacement: str, engine: str) -> str:
    """A replacement written with ``\\1`` groups and ``\\\\`` backslashes, for ``engine``."""
    if engine != "pyspark":
        return replacement
    out, i = [], 0
    while i < len(replacement):
        char, following = replacement[i], replacement[i + 1 : i + 2]
        if char == "\\" and following.isdigit():
            out.append("$" + following)
            i += 2
        elif char == "\\" and following == "\\":
            out.append("\\\\")
            i += 2
        else:
            out.append("\\" + char if char in "$\\" else char)
            i += 1
    return "".join(out)
