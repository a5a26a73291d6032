"""``sessions.sessionize`` against a plain-Python reading of docs/architecture.md "Sessions".

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


def events_of(rows: list[tuple[int, str | None, datetime]]) -> tuple[ibis.BaseBackend, ibis.Table]:
    """A DuckDB connection and its ``events`` table of ``rows`` (person, client session id,
    time): track events named by their row index."""
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
    return con, table


def computed(rows: list[tuple[int, str | None, datetime]], whole_table: bool) -> set:
    con, table = events_of(rows)
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


def sessions_started_in(
    rows: list[tuple[int, str | None, datetime]],
    date_from: datetime | None,
    date_to: datetime | None,
    pruned: bool,
    max_length: timedelta = sessions.MAX_LENGTH,
) -> set[tuple[frozenset[int], datetime]]:
    """The sessions (row indexes and start) that start in ``[date_from, date_to)``, cut from
    all the rows or from ``sessions.deciding``'s share of them."""
    con, table = events_of(rows)
    if pruned:
        table = sessions.deciding(table, date_from, date_to, max_length=max_length)
    cut = sessions.sessionize(table, max_length=max_length)
    out = con.execute(cut.select("event", "session_key", "timestamp"))
    groups: dict[str, set[int]] = {}
    starts: dict[str, datetime] = {}
    for event, key, ts in out.itertuples(index=False):
        groups.setdefault(key, set()).add(int(event))
        starts[key] = min(starts.get(key, ts), ts)
    return {
        (frozenset(groups[key]), start.to_pydatetime())
        for key, start in starts.items()
        if (date_from is None or start >= date_from) and (date_to is None or start < date_to)
    }


# Sessions cut every 2 hours (not 24), so that a few events make runs that cross the cut and
# the range's edges; gaps around the 30-minute idle limit and the 2-hour cut.
SHORT = timedelta(hours=2)
short_gaps = st.one_of(
    st.sampled_from([0, 1, 300, 600, 1200, 1200, 1799, 1800, 1801, 2400, 7200]),
    st.floats(min_value=0, max_value=3 * 3600, allow_nan=False).map(lambda s: round(s, 1)),
)
short_rows = st.lists(
    st.tuples(
        st.integers(1, 2), st.sampled_from([None, None, None, None, "", "a", "b"]), short_gaps
    ),
    min_size=1,
    max_size=40,
)


near_an_event = st.sampled_from([-7200, -1801, -1800, -1, 0, 0.5, 1, 1800, 3600])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    short_rows.filter(lambda rows: len(rows) >= 4),
    st.integers(0, 39),
    st.integers(0, 39),
    near_an_event,
    near_an_event,
    st.sampled_from(["closed", "closed", "closed", "open start", "open end"]),
)
def test_the_events_deciding_a_range_give_its_sessions(drawn, first, last, shift, end_shift, kind):
    # A range from near one event (just before, on, or just after it, or an idle gap or a cut
    # away) to near another, or open at one end; pruned history must not change a session
    # started in it: not its events, not its start.
    rows, moment = [], T0
    for person, sent, gap in drawn:
        moment += timedelta(seconds=gap)
        rows.append((person, sent, moment))
    date_from = rows[first % len(rows)][2] + timedelta(seconds=shift)
    date_to = rows[last % len(rows)][2] + timedelta(seconds=end_shift)
    date_from, date_to = min(date_from, date_to), max(date_from, date_to)
    if kind == "open start":
        date_from = None
    elif kind == "open end":
        date_to = None
    full = sessions_started_in(rows, date_from, date_to, pruned=False, max_length=SHORT)
    assert sessions_started_in(rows, date_from, date_to, pruned=True, max_length=SHORT) == full


def test_a_run_reaching_into_the_range_keeps_its_history():
    # One event every 20 minutes from T0 for 30 hours; the range starts at 25 h. The run began
    # at T0, so its 24-hour cut falls at 24 h: the session started in the range is none (the
    # 24 h session began before it). Without the early events the run would seem to begin at
    # 25 h and give a session starting in the range.
    rows = [(1, None, T0 + timedelta(minutes=20 * k)) for k in range(91)]
    date_from, date_to = T0 + timedelta(hours=25), T0 + timedelta(hours=31)
    assert sessions_started_in(rows, date_from, date_to, pruned=True) == set()
    assert sessions_started_in(rows, date_from, date_to, pruned=False) == set()
    # The same with events exactly 30 minutes apart (the idle limit: still one run) and the
    # range starting between two of them.
    steady = [(1, None, T0 + timedelta(minutes=30 * k)) for k in range(61)]
    between = T0 + timedelta(hours=25, minutes=10)
    assert sessions_started_in(steady, between, date_to, pruned=True) == set()
    # ... or on one of them, the one before exactly 30 minutes earlier.
    on = T0 + timedelta(hours=25)
    assert sessions_started_in(steady, on, date_to, pruned=True) == set()
    # With an hour without events before the range (the last at 24 h), a new run begins in
    # it: one session of the events from 25 h, 20 minutes apart until 30 h (16 events).
    gap = [(1, None, T0 + timedelta(minutes=20 * k)) for k in range(73)]
    later = [(1, None, T0 + timedelta(hours=25, minutes=20 * k)) for k in range(16)]
    found = sessions_started_in(gap + later, date_from, date_to, pruned=True)
    assert [len(events) for events, _ in found] == [16]
    assert found == sessions_started_in(gap + later, date_from, date_to, pruned=False)


def test_history_before_a_pause_and_long_after_the_range_is_left_out():
    # Person 1: every 20 minutes for 24 h, an hour's pause, then 25 h–30 h (as above); person 2:
    # an app session (client id) begun before the range, and one begun in it that goes on 2 days
    # after it; person 3: a visit 2 days after the range.
    early = [(1, None, T0 + timedelta(minutes=20 * k)) for k in range(73)]
    later = [(1, None, T0 + timedelta(hours=25, minutes=20 * k)) for k in range(16)]
    app = [(2, "app-1", T0 + timedelta(hours=h)) for h in (0, 26)]
    app += [(2, "app-2", T0 + timedelta(hours=h)) for h in (27, 28, 31 + 48)]
    after = [(3, None, T0 + timedelta(hours=31 + 48))]
    con, table = events_of(early + later + app + after)
    kept = sessions.deciding(table, T0 + timedelta(hours=25), T0 + timedelta(hours=31))
    counts = con.execute(kept.group_by("person_id").aggregate(n=kept.count()))
    # Person 1's 16 events from the range, person 2's second app session whole, nobody else.
    assert dict(zip(counts.person_id, counts.n, strict=True)) == {1: 16, 2: 3}
