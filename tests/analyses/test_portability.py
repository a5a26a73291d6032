"""Portability (docs/architecture.md decision 2, ADR 0005): the analyses are plain Ibis; what
differs per engine lives in ``analyses/dialect.py``; every analysis is tested on every engine."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

import ibis
import pytest

from journeylens.analyses import dialect, registry
from tests.journeys import Journeys, at

ANALYSES = Path(dialect.__file__).parent
TESTS = Path(__file__).parent
ENGINE_NAMES = {"duckdb", "pyspark", "spark", "clickhouse", "postgres", "snowflake", "bigquery"}
SQL_TEXT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP)\b.*\b(FROM|INTO|TABLE|SET)\b")
# Ibis calls that compile but that Spark refuses, with what to write instead.
TRAPS = {
    ("median", "where"): "Spark: percentile() with a non-constant percentage; "
    "write cond.ifelse(x, ibis.null()).median()",
    ("quantile", "where"): "Spark: percentile() with a non-constant percentage; "
    "write cond.ifelse(x, ibis.null()).quantile(q)",
}


def portable_modules() -> list[Path]:
    return sorted(p for p in ANALYSES.glob("*.py") if p.name != "dialect.py")


def engine_specific(tree: ast.AST) -> list[str]:
    """What in a module's syntax tree would tie it to one engine."""
    found = []
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Constant) and str(side.value).lower() in ENGINE_NAMES:
                    found.append(f"{where}: compares with the engine name {side.value!r}")
        if isinstance(node, ast.Attribute) and node.attr in ("_find_backend", "get_backend"):
            found.append(f"{where}: asks for the backend ({node.attr}); use dialect.engine_of")
        if isinstance(node, ast.Attribute) and node.attr in ("sql", "raw_sql", "udf"):
            found.append(f"{where}: .{node.attr} (raw SQL or a UDF) belongs in dialect.py")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and SQL_TEXT.search(node.value)
        ):
            found.append(f"{where}: SQL text {node.value[:40]!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            for keyword in node.keywords:
                reason = TRAPS.get((node.func.attr, keyword.arg or ""))
                if reason:
                    found.append(f"{where}: .{node.func.attr}({keyword.arg}=...): {reason}")
    return found


@pytest.mark.parametrize("module", portable_modules(), ids=lambda p: p.name)
def test_engine_specific_fragments_live_only_in_the_dialect_module(module):
    assert engine_specific(ast.parse(module.read_text(encoding="utf-8"))) == []


def test_the_check_catches_what_it_looks_for():
    source = '''
"""SELECT a FROM docstrings is prose."""
def f(tables, t, x, ok):
    if tables.engine == "pyspark":
        return tables.backend.raw_sql("SELECT 1 FROM events")
    backend = t._find_backend()
    return x.median(where=ok)
'''
    found = engine_specific(ast.parse(source))
    assert len(found) == 5, found
    assert sorted(f.split(":")[0] for f in found) == [
        "line 4",
        "line 5",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert engine_specific(ast.parse('"""SELECT a FROM b"""\nx = "Order Completed"')) == []


def test_every_analysis_is_tested_on_every_engine():
    calls = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py"))
    run = re.compile(r'engine\.run\(\s*[\w.]+,\s*"(?P<name>\w+)"')
    tested = {match["name"] for match in run.finditer(calls)}
    assert set(registry.analyses()) - tested == set()


# --- JSON keys are data on every engine ---------------------------------------------------------
DOCUMENT = {
    "plain": "text",
    "count": 10,
    "price": 1.5,
    "flag": True,
    "empty": None,
    "nested": {"inner": "deep", "a.b": "dotted inside"},
    "a.b": "a dot is part of the key",
    "$.plain": "a JSONPath is part of the key",
    "[0]": "brackets are part of the key",
    "it's": "a single quote",
    'say "hi"': "double quotes",
    "back\\slash": "a backslash",
    "a/b~c": "JSON Pointer characters",
    "名字": "猫",
}
EXPECTED = [
    # Strings unquoted; numbers and booleans as their JSON text; JSON null and absent keys NULL.
    (("plain",), "text"),
    (("count",), "10"),
    (("price",), "1.5"),
    (("flag",), "true"),
    (("empty",), None),
    (("missing",), None),
    # Each key is one key, whatever characters it holds: never a path to navigate.
    (("a.b",), "a dot is part of the key"),
    (("$.plain",), "a JSONPath is part of the key"),
    (("[0]",), "brackets are part of the key"),
    (("it's",), "a single quote"),
    (('say "hi"',), "double quotes"),
    (("back\\slash",), "a backslash"),
    (("a/b~c",), "JSON Pointer characters"),
    (("名字",), "猫"),
    # Nesting is spelled as several keys.
    (("nested", "inner"), "deep"),
    (("nested", "a.b"), "dotted inside"),
    (("nested", "missing"), None),
    (("plain", "deeper"), None),  # a string has no keys
]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("portability") / "ws")
    journeys.send(at(datetime(2025, 3, 3, 12), "ann", "Viewed", properties=DOCUMENT))
    yield journeys.ws
    journeys.close()


def test_json_keys_are_data_not_paths(documents, engine):
    tables = engine.tables(documents)
    events = tables.events
    texts = events.select(
        **{f"k{i}": dialect.json_text(events.properties, keys, tables.engine)
           for i, (keys, _) in enumerate(EXPECTED)}
    )  # fmt: skip
    row = tables.execute(texts).astype(object).iloc[0]
    got = [None if v is None or v != v else v for v in row.tolist()]  # NaN → None
    assert got == [text for _, text in EXPECTED]


def test_integer_nulls_come_back_alike(documents, engine):
    """An empty sum is NULL on every engine, returned as None (Spark's toPandas gives NaN)."""
    tables = engine.tables(documents)
    events = tables.events
    nobody = events.filter(events.event == "Nothing")
    result = tables.execute(nobody.aggregate(users=nobody.person_id.notnull().cast("int64").sum()))
    assert result["users"].tolist() == [None]
    by_event = events.group_by("event").aggregate(
        reached=(events.event == "Nothing").cast("int64").sum(),
        maybe=ibis.ifelse(events.event == "Nothing", events.person_id, ibis.null()).max(),
    )
    rows = tables.execute(by_event).to_dict("records")
    assert rows == [{"event": "Viewed", "reached": 0, "maybe": None}]
