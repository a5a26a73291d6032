"""The few engine-specific fragments, in one place (STYLE.md principle 3; ADR 0005).

Everything else in ``analyses/`` is plain Ibis and runs on every backend. A fragment here is a
function taking the engine name (``Tables.engine``: ``duckdb``, ``pyspark``) and returning an
Ibis expression; what differs per engine is data (``LIST_FUNNEL_ENGINES``) or a builtin function
that Ibis has no portable operation for, each with the reason beside it. An option an engine
cannot run belongs here too, as data with the error it raises, when there is one.
"""

import math
import re
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
from ibis.common.exceptions import IbisError

NAIVE = dt.Timestamp()
INSTANT = dt.Timestamp(timezone="UTC")

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


def engine_of(expr: ir.Expr) -> str:
    """The engine an expression's tables live on (``duckdb``, the default, for unbound ones)."""
    try:
        return ibis.get_backend(expr).name
    except IbisError:  # an unbound table: compile for the default engine
        return "duckdb"


def json_text(value: ir.Value, keys: tuple[str, ...], engine: str) -> ir.StringValue:
    """The text at ``keys`` inside a JSON column (numbers as their digits, strings unquoted)."""
    if engine == "duckdb":
        return _duckdb_json_text(value, json_pointer(keys))
    if engine == "pyspark":
        return _spark_json_text(value, keys)
    for key in keys:
        value = value[key]
    return value.unwrap_as("string")


# Spark has no JSON type: JSON columns are strings there. Ibis's Spark JSON access splices the
# key into a JSONPath (``$.key``: a key with ``.``/``[``/``'`` would navigate) and unwraps with
# a Python UDF that fails on unquoted strings, so: parse each level as map<string,string>
# (strings unquoted, numbers/booleans as their text, objects as JSON text) and look the key
# up as a bound value.
_TEXT_MAP = dt.Map(dt.string, dt.string)


@ibis.udf.scalar.builtin(name="from_json")
def _spark_text_map(document: str, schema: str) -> _TEXT_MAP:  # type: ignore[valid-type]
    """Spark: ``from_json(document, 'map<string,string>')``; NULL when not a JSON object."""


@ibis.udf.scalar.builtin(name="element_at")
def _spark_map_value(mapping: _TEXT_MAP, key: str) -> str:  # type: ignore[valid-type]
    """Spark: the value under ``key`` (NULL when absent, also in ANSI mode)."""


def _spark_json_text(value: ir.Value, keys: tuple[str, ...]) -> ir.StringValue:
    text = value.cast("string")
    for key in keys:
        text = _spark_map_value(_spark_text_map(text, "map<string,string>"), key)
    return text


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
# times (``list(ts)``) and walking the steps with list lambdas (docs/architecture.md
# "Performance notes").
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
    null when there is none (or ``after`` is null). Entries without such times (most of them,
    for a late step) skip the list walk: building the filtered list costs more than the test."""
    if until is None:
        walk = times.filter(lambda t: t > after).mins()
    else:
        walk = times.filter(lambda t: (t > after) & (t <= until)).mins()
    return (times.isnull() | after.isnull()).ifelse(ibis.null("timestamp"), walk)


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

    hit = (times.filter(inside).length() > 0).fill_null(False)
    return times.isnull().ifelse(ibis.literal(False), hit)


def is_one_of(column: ir.Value, values: list[str]) -> ir.BooleanValue:
    """``column IN values``, false for NULL — as ``coalesce(column IN (...), false)``, the form
    DuckDB evaluates inside the table scan, once per dictionary entry of a compressed text
    column: ~2× faster than a bare ``IN``, which it applies row by row after the scan (the
    events filter of a funnel on 10M events). The same rows on every engine."""
    return column.isin(values).fill_null(False)


# --- bit sets of periods ----------------------------------------------------------------------
# Retention and lifecycle collect each person's active periods as bits of one BIGINT in a single
# GROUP BY person (``activity.PeriodBits``). Ibis compiles ``bit_or`` for DuckDB but has no rule
# for it on Spark, though both engines have the aggregate under that name; so it is called as a
# builtin. ``bit`` avoids a typed ``1 << n``: DuckDB and Spark read a bare ``1`` as a 32-bit
# INTEGER (DuckDB raises past bit 31, Spark wraps), whereas 2^62 is a BIGINT literal on both.
TOP_BIT = 62


@ibis.udf.agg.builtin(name="bit_or")
def _bit_or(value: dt.int64) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB and Spark: the bitwise OR of the group's values."""


def bit_or(value: ir.IntegerValue) -> ir.IntegerScalar:
    """The bitwise OR of an int64 column (NULL for no rows)."""
    return _bit_or(value.cast("int64"))


def bit(position: ir.IntegerValue) -> ir.IntegerValue:
    """2 ** ``position`` as an int64, for 0 <= position <= TOP_BIT."""
    return ibis.literal(1 << TOP_BIT, "int64") >> (TOP_BIT - position)


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


# RE2 (DuckDB) and Java (Spark) regexes share most syntax, but not these constructs.
_UNSHARED_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P?<[A-Za-z]")


def check_portable_regex(pattern: str) -> str:
    """``pattern`` if it is a valid regex every engine reads alike, else a ValueError saying why."""
    if not pattern:
        raise ValueError("Write a regex pattern, e.g. '^/blog/'.")
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"{pattern!r} is not a valid regex: {error}.") from None
    if _UNSHARED_REGEX.search(pattern):
        raise ValueError(
            f"{pattern!r} uses look-around, named groups or back-references, which DuckDB "
            "(RE2) and Spark (Java) do not share; rewrite it without them."
        )
    return pattern


# --- results ----------------------------------------------------------------------------------
# The same expression comes back as the same pandas shape from every engine. Spark's
# ``toPandas`` gives an integer column holding NULLs as float64 with NaN (and an integer
# scalar NULL as NaN), where DuckDB gives Python ints and None; read as ``int(x or 0)``, the
# NaN would raise. ``Tables.execute`` passes every result through here.


def uniform_result(expr: ir.Expr, result: Any) -> Any:
    """``result`` of ``expr`` with integer NULLs as None (and integers as int), on any engine."""
    if isinstance(expr, ir.Table) and isinstance(result, pd.DataFrame):
        for name, dtype in expr.schema().items():
            if dtype.is_integer() and name in result.columns and result[name].dtype.kind == "f":
                result[name] = _integers(result[name])
    elif isinstance(expr, ir.Column) and isinstance(result, pd.Series):
        if expr.type().is_integer() and result.dtype.kind == "f":
            result = _integers(result)
    elif isinstance(expr, ir.Scalar) and expr.type().is_integer() and isinstance(result, float):
        result = None if math.isnan(result) else int(result)
    return result


def _integers(column: pd.Series) -> pd.Series:
    values = [None if pd.isna(v) else int(v) for v in column]
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


# --- whole-table windows --------------------------------------------------------------------
# DuckDB sorts an unpartitioned window in parallel, and one sort by (person, ..., time) was
# ~1.4× faster than the same window partitioned by person. Spark moves an unpartitioned
# window onto one worker, so it partitions by person.


def whole_table_windows(engine: str) -> bool:
    return engine == "duckdb"


def sort_key(text: ir.StringValue) -> ir.Value:
    """A key to sort ``text`` into runs of equal values, NULL where ``text`` is NULL.

    DuckDB sorts a 64-bit hash much faster than text (a client session id in a window's
    ORDER BY cost ~2× the whole window). Two texts with one hash (odds about 2**-64 per
    pair of one person's client session ids) would count as one. Other engines sort the
    text itself (Spark's ``hash`` has 32 bits).
    """
    if engine_of(text) == "duckdb":
        return text.isnull().ifelse(ibis.null().cast("int64"), text.hash())
    return text
