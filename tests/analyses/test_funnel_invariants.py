"""Funnel invariants on random journeys: the DuckDB list formulation equals the portable joins,
and strict ≤ sequential ≤ any at every step (docs/architecture.md "Funnels")."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta

import duckdb
import ibis
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses import funnel
from journeylens.analyses.base import Tables
from journeylens.analyses.funnel import FunnelQuery

T0 = datetime(2025, 3, 3, 10, 0, 0)

# Each configuration is compiled once by Ibis (against an empty events table of the same
# shape) and run on every example's fresh in-memory table, so many journeys stay fast.

EVENT_COLUMNS = (
    "message_id VARCHAR, type VARCHAR, event VARCHAR, timestamp TIMESTAMP, person_id BIGINT, "
    "session_id VARCHAR, channel VARCHAR, properties JSON"
)
# (person, event, day, ten-minute slot): sessions form (10-minute gaps < 30 idle minutes), days
# apart cross the 14-day window, and equal slots make ties.
moments = st.tuples(
    st.integers(1, 8), st.sampled_from("ABCX"), st.integers(0, 20), st.integers(0, 12)
)
random_journeys = st.lists(moments, min_size=1, max_size=80)


@functools.cache
def compiled(params: str, formulation: str | None = None) -> str:
    """The SQL Ibis generates for the funnel entries of ``params`` (JSON)."""
    con = ibis.duckdb.connect()
    con.raw_sql(f"CREATE TABLE events ({EVENT_COLUMNS})")
    query = FunnelQuery.parse(json.loads(params))
    people = funnel.build(Tables(con), query, formulation=formulation)
    columns = ["unit", *(f"reached_{k}" for k in range(len(query.steps)))]
    return str(ibis.to_sql(people.select(*columns)))


class RandomShop:
    def __init__(self, journey: list[tuple[int, str, int, int]]) -> None:
        frame = pd.DataFrame(
            {
                "message_id": [f"m{i:03d}" for i in range(len(journey))],
                "type": "track",
                "event": [name for _, name, _, _ in journey],
                "timestamp": [T0 + timedelta(days=d, minutes=10 * s) for _, _, d, s in journey],
                "person_id": [person for person, _, _, _ in journey],
            }
        )
        self.con = duckdb.connect()
        self.con.execute(f"CREATE TABLE events ({EVENT_COLUMNS})")
        self.con.register("frame", frame)
        self.con.execute(
            "INSERT INTO events SELECT message_id, type, event, timestamp, person_id, NULL, "
            "'web', '{}' FROM frame"
        )

    def entries(self, formulation: str | None = None, **params) -> pd.DataFrame:
        """One row per entry, by unit: when it reached each step (NaT if it did not)."""
        query = json.dumps({"steps": ["A", "B|X", "C"], **params}, default=str, sort_keys=True)
        frame = self.con.execute(compiled(query, formulation)).fetchdf()
        return frame.astype({"unit": str}).set_index("unit").sort_index()


CONFIGURATIONS = [
    {"window": "14d"},
    {"window": "none"},
    {"count_by": "session"},
    {"exclusions": ["X"]},
    {"window": "none", "exclusions": ["X:2-3"]},
    {"count_by": "session", "exclusions": ["X:1-2"]},
    {"date_from": T0 + timedelta(days=3), "date_to": T0 + timedelta(days=9)},
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_journeys, st.sampled_from(CONFIGURATIONS))
def test_the_list_and_join_formulations_agree(journey, params):
    shop = RandomShop(journey)
    lists, joins = shop.entries("lists", **params), shop.entries("joins", **params)
    pd.testing.assert_frame_equal(lists, joins, check_dtype=False)


def steps_reached(frame: pd.DataFrame) -> pd.Series:
    return frame.notna().sum(axis=1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    random_journeys,
    st.sampled_from(["14d", "none"]),
    st.sampled_from(["person", "session"]),
    st.sampled_from(["sequential", "strict", "any"]),
)
def test_strict_never_exceeds_sequential_and_any_order_never_falls_below(
    journey, window, count_by, excluded_order
):
    shop = RandomShop(journey)
    frames = {
        order: shop.entries(order=order, window=window, count_by=count_by)
        for order in ("strict", "sequential", "any")
    }
    for order, frame in frames.items():
        times = frame.to_numpy()
        for k in range(1, times.shape[1]):
            reached = ~pd.isna(times[:, k])
            assert not (reached & pd.isna(times[:, k - 1])).any()  # step k+1 only after step k
            previous, current = times[reached, k - 1], times[reached, k]
            # Ordered modes move strictly forward in time; any order's k-th distinct step
            # may share its instant with the one before.
            assert (current >= previous).all()
            assert order == "any" or (current > previous).all()
    # Per entry (a person or a session): strict ≤ sequential ≤ any steps reached.
    strict, sequential, any_order = (
        steps_reached(frames[o]) for o in ("strict", "sequential", "any")
    )
    assert set(strict.index) == set(sequential.index) <= set(any_order.index)
    assert (strict <= sequential).all()
    assert (sequential <= any_order.reindex(sequential.index)).all()
    # Exclusions only remove entries, leaving the others as they were.
    excluded = shop.entries(
        order=excluded_order, window=window, count_by=count_by, exclusions=["X"]
    )
    kept = frames[excluded_order].loc[excluded.index]
    pd.testing.assert_frame_equal(excluded, kept, check_dtype=False)
