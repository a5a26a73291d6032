"""Whole paths take a fast formulation (``paths_walk.walk``: one ordered pass that reads each
session's next steps, one row per path); on random journeys it must give exactly what the
general one (``paths.build``: sessionize, then number the steps of each path) gives."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta

import duckdb
import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses import dialect, paths, paths_walk
from journeylens.analyses.base import Tables

T0 = datetime(2025, 3, 3, 10, 0, 0)
SCHEMA = {
    "message_id": "string",
    "type": "string",
    "event": "string",
    "timestamp": "timestamp",
    "person_id": "int64",
    "session_id": "string",
    "path": "string",
    "url": "string",
    "properties": "json",
}
DUCKDB_TYPES = {
    "message_id": "VARCHAR", "type": "VARCHAR", "event": "VARCHAR", "timestamp": "TIMESTAMP",
    "person_id": "BIGINT", "session_id": "VARCHAR", "path": "VARCHAR", "url": "VARCHAR",
    "properties": "JSON",
}  # fmt: skip
# Gaps (seconds) around the 30-minute idle limit, ties (0) and steady runs past 24 hours.
gaps = st.sampled_from([0, 0, 60, 1799, 1800, 1801, 7200, 20 * 3600, 86400])
moments = st.tuples(
    st.integers(1, 3),  # person
    st.sampled_from(["/", "/a", "/b", "Buy", "Add"]),  # step: pages, or events
    st.sampled_from([None, None, None, "", "s1", "s2"]),  # client session id
    gaps,
)
journeys = st.lists(moments, min_size=1, max_size=40)
QUERIES = (
    {},
    {"per": "person"},
    {"max_steps": 1},
    {"max_steps": 2, "page_step": "url"},
    {"max_steps": 3, "clean": ["^/[ab]$ => /x"]},
)


@functools.cache
def compiled(params: str, whole_table: bool) -> tuple[str, str]:
    """The general and the fast SQL for ``params`` (JSON), compiled once against an empty
    events table of the same shape and run on every example's table."""
    con = ibis.duckdb.connect()
    con.create_table("events", schema=ibis.schema(SCHEMA))
    tables = Tables(con)
    query = paths.PathsQuery.parse({"purchase_event": "Buy", **json.loads(params)})
    assert paths_walk.whole_paths(query)
    original = dialect.whole_table_windows
    dialect.whole_table_windows = lambda engine: whole_table
    try:
        general = paths.answer(*paths.build(tables, query), query)
        return str(ibis.to_sql(general)), str(ibis.to_sql(paths.query_of(tables, query)))
    finally:
        dialect.whole_table_windows = original


def answers(drawn: list[tuple[int, str, str | None, int]], whole_table: bool) -> list[tuple]:
    rows, at = [], T0
    for i, (person, step, sent, gap) in enumerate(drawn):
        at += timedelta(seconds=gap)
        page = step.startswith("/")
        rows.append(
            {
                # Message ids in the reverse of drawing order, so ties are not in it.
                "message_id": f"m{len(drawn) - i:03d}",
                "type": "page" if page else "track",
                "event": None if page else step,
                "timestamp": at,
                "person_id": person,
                "session_id": sent,
                "path": step if page else None,
                "url": f"https://shop.example{step}" if page else None,
                "properties": "{}",
            }
        )
    con = duckdb.connect()
    columns = ", ".join(f"{name} {kind}" for name, kind in DUCKDB_TYPES.items())
    con.execute(f"CREATE TABLE events ({columns})")
    con.register("drawn", pd.DataFrame(rows, columns=list(DUCKDB_TYPES)))
    con.execute("INSERT INTO events SELECT * FROM drawn")
    found = []
    for params in QUERIES:
        general, fast = compiled(json.dumps(params), whole_table)
        found.append((params, _rows(con.execute(general).df()), _rows(con.execute(fast).df())))
    return found


def _rows(frame) -> list[tuple]:
    frame = frame.astype(object).where(frame.notna(), None)
    return sorted((tuple(row) for row in frame.itertuples(index=False)), key=repr)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys)
@pytest.mark.parametrize("whole_table", [True, False])
def test_walk_equals_the_general_formulation(whole_table, drawn):
    for params, general, fast in answers(drawn, whole_table):
        assert fast == general, params


def test_only_whole_paths_walk():
    assert paths_walk.whole_paths(paths.PathsQuery.parse({"per": "person", "max_steps": 3}))
    for params in (
        {"start_event": "/"},
        {"end_event": "Buy"},
        {"collapse_loops": True},
        {"include": "pages"},
        {"exclude": ["/"]},
    ):
        assert not paths_walk.whole_paths(paths.PathsQuery.parse(params))
