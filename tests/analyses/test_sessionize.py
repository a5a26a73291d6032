"""``sessions.sessionize`` against a plain-Python reading of DESIGN.md "Sessions".

A client ``session_id`` makes its events one session; a person's other events start a new
session after more than 30 minutes without one of them, and a session is cut every 24 hours
from its start. Both window layouts (the whole table sorted at once, as on DuckDB, and
partitioned by person, as on Spark) must split events the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses import dialect, sessions

T0 = datetime(2025, 3, 1)


def reference(rows: list[tuple[int, str | None, datetime]]) -> set[frozenset[int]]:
    """The sessions as sets of row indexes, straight from the rules."""
    found: dict[tuple, set[int]] = {}
    by_person: dict[int, list[tuple[datetime, int]]] = {}
    for i, (person, sent, ts) in enumerate(rows):
        if sent:
            found.setdefault((person, "sent", sent), set()).add(i)
        else:
            by_person.setdefault(person, []).append((ts, i))
    for person, events in by_person.items():
        events.sort()
        run, start, previous = -1, None, None
        for ts, i in events:
            if previous is None or ts - previous > sessions.IDLE:
                run, start = run + 1, ts
            previous = ts
            chunk = (ts - start) // sessions.MAX_LENGTH
            found.setdefault((person, run, chunk), set()).add(i)
    return {frozenset(s) for s in found.values()}


def computed(rows: list[tuple[int, str | None, datetime]], whole_table: bool) -> set:
    con = ibis.duckdb.connect()
    table = con.create_table(
        "events",
        ibis.memtable(
            {
                "person_id": [p for p, _, _ in rows],
                "session_id": [s for _, s, _ in rows],
                "timestamp": [t for _, _, t in rows],
                "type": ["track"] * len(rows),
                "event": [str(i) for i in range(len(rows))],
                "channel": ["web"] * len(rows),
            },
            schema={"person_id": "int64", "session_id": "string", "timestamp": "timestamp",
                    "type": "string", "event": "string", "channel": "string"},
        ),
    )  # fmt: skip
    original = dialect.whole_table_windows
    dialect.whole_table_windows = lambda engine: whole_table
    try:
        out = con.execute(sessions.sessionize(table).select("event", "person_id", "session_key"))
    finally:
        dialect.whole_table_windows = original
    groups: dict[str, set[int]] = {}
    for event, _, key in out.itertuples(index=False):
        groups.setdefault(key, set()).add(int(event))
    return {frozenset(s) for s in groups.values()}


# Gaps around the 30-minute idle limit (seconds, some fractional) and long runs past 24 hours.
gaps = st.one_of(
    st.sampled_from([0, 1, 1799, 1800, 1800.5, 1801, 3600, 86399.5, 86400, 86401]),
    st.floats(min_value=0, max_value=3 * 86400, allow_nan=False).map(lambda s: round(s, 3)),
)
rows_strategy = st.lists(
    st.tuples(st.integers(1, 3), st.sampled_from([None, None, None, "", "a", "b"]), gaps),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_strategy)
@pytest.mark.parametrize("whole_table", [True, False])
def test_sessionize_follows_the_rules(whole_table, drawn):
    # Each event comes ``gap`` seconds after the previous one drawn (any person): runs of
    # steady activity cross 24 hours, ties (gap 0) and gaps of exactly 30 minutes occur.
    rows, at = [], T0
    for person, sent, gap in drawn:
        at += timedelta(seconds=gap)
        rows.append((person, sent, at))
    assert computed(rows, whole_table) == reference(rows)


def test_a_steady_run_is_cut_every_24_hours():
    # One event every 20 minutes for 50 hours: one run; cut at 24 h and 48 h from its start,
    # so 3 sessions (0–24 h: 72 events at 0, 20, ..., 1420 min; 24–48 h: 72; 48–50 h: 7).
    rows = [(1, None, T0 + timedelta(minutes=20 * k)) for k in range(151)]
    found = computed(rows, True)
    assert sorted(len(s) for s in found) == [7, 72, 72]
    assert found == computed(rows, False) == reference(rows)
