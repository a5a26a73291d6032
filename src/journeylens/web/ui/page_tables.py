"""A page's tables as CSV: ``?format=csv`` beside ``?format=json`` on every page.

A page's tables are the lists of objects in its JSON twin, named by their key (``points``;
nested, by the keys that lead there: ``result.steps``), outside ``query`` (what was asked,
not what was found). ``format=csv`` gives the page's main table (its first, or the one the
page names), ``&table=NAME`` another one; a row's nested values (a list, an object) are one
cell of JSON text. A page without a table answers 400 naming the formats it has.

A text cell that a spreadsheet would read as a formula (one starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return: event names and page paths come from browsers) is
written with a leading ``'``, so opening a download cannot run it.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import orjson

from journeylens.analyses.errors import InputError

FORMATS = ("html", "json", "csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_IN_NAME = re.compile(r"[^a-z0-9]+")


def tables_of(data: dict[str, Any], prefix: str = "") -> dict[str, list[Any]]:
    """The tables of a JSON twin by name, in the order of its keys."""
    found: dict[str, list[Any]] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name == "query":
            continue
        if isinstance(value, dict):
            found.update(tables_of(value, f"{name}."))
        elif isinstance(value, list) and all(isinstance(row, dict) for row in value):
            found[name] = value
    return found


def chosen(tables: dict[str, list[Any]], name: str | None, main: str | None) -> str:
    """The name of the table ``&table=NAME`` asks for (by its name or its last part), else the
    page's main one."""
    if not tables:
        raise InputError(
            "This page has no table to give as CSV; it is given as html (the default) or json."
        )
    if not name:
        return main if main in tables else next(iter(tables))
    if name in tables:
        return name
    by_last = [full for full in tables if full.rsplit(".", 1)[-1] == name]
    if len(by_last) == 1:
        return by_last[0]
    raise InputError(f"This page has no table {name!r}; its tables are {', '.join(tables)}.")


def check_format(value: str | None) -> str:
    """The format a URL asks for (``html`` by default), or a refusal naming those there are."""
    wanted = (value or "html").strip().lower()
    if wanted not in FORMATS:
        raise InputError(
            f"Format {value!r}: a page is given as html (the default), json or csv "
            "(its main table; &table=NAME for another)."
        )
    return wanted


def cell(value: Any) -> str:
    """A JSON value as a CSV cell: text as it is, numbers and booleans as JSON writes them,
    nested values as JSON text, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return orjson.dumps(value).decode()


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows (of a JSON twin read back: JSON values only) with a header row of every
    column, in the order they first appear."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if not columns:
        return ""  # no rows: no columns to name either
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return out.getvalue()


def filename(path: str, table: str) -> str:
    """``journeylens-funnels-result-steps.csv`` for the ``result.steps`` table of /funnels."""
    page = _NOT_IN_NAME.sub("-", path.lower()).strip("-") or "overview"
    return f"journeylens-{page}-{_NOT_IN_NAME.sub('-', table.lower()).strip('-')}.csv"
