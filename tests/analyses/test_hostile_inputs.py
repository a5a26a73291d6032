"""Issue 4 item 10: names and values from users are data, never SQL — in every analysis.

The journey itself carries the hostile text: an event *named* like an injection and a
property key full of quotes, dollars, brackets and slashes, holding an injection as its
value. Each analysis is asked about exactly those names, so the test checks the right answer
(derived from the journey below), not merely the absence of an error.

    ann  10:00  H   {K: V}        11:00  Viewed
    bob  12:00  H   {K: "other"}
    cat  10:00  Viewed
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from journeylens.analyses.base import AnalysisError
from tests.journeys import Journeys, at

H = "x'; DROP TABLE events; --"
K = 'it\'s "q" $[0]/~ 名'
V = "'; DELETE FROM persons; --"
T0 = datetime(2025, 3, 3, 10, 0)  # a Monday
F = {"property": f"properties.{K}", "op": "=", "value": V}  # ann's H only
NOW = {"now": (T0 + timedelta(days=1)).isoformat()}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("hostile") / "ws")
    journeys.send(
        at(T0, "ann", H, properties={K: V}),
        at(T0 + timedelta(hours=1), "ann", "Viewed"),
        at(T0 + timedelta(hours=2), "bob", H, properties={K: "other"}),
        at(T0, "cat", "Viewed"),
    )
    yield journeys.ws
    journeys.close()


@pytest.fixture(autouse=True)
def tables_stay_whole(shop):
    yield
    assert shop.con.execute("SELECT count(*) FROM events").fetchall() == [(4,)]
    assert shop.con.execute("SELECT count(*) FROM persons").fetchall() == [(3,)]


def test_trends(shop, engine):
    both = engine.run(shop, "trends", events=[H], period="total").points
    assert [(p.event, p.count, p.persons) for p in both] == [(H, 2, 2)]
    ann = engine.run(shop, "trends", events=[H], period="total", filters=[F]).points
    assert [(p.count, p.persons) for p in ann] == [(1, 1)]
    split = engine.run(shop, "trends", events=[H], period="total", breakdown=f"properties.{K}")
    assert {p.breakdown: p.count for p in split.points} == {V: 1, "other": 1}


def test_funnel(shop, engine):
    assert [s.users for s in engine.run(shop, "funnel", [H, "Viewed"]).steps] == [2, 1]
    narrowed = engine.run(shop, "funnel", [{"events": [H], "filters": [F]}, "Viewed"])
    assert [s.users for s in narrowed.steps] == [1, 1]
    split = engine.run(shop, "funnel", [H, "Viewed"], breakdown=f"properties.{K}")
    assert {g.value: [s.users for s in g.steps] for g in split.breakdown} == {
        V: [1, 1],
        "other": [1, 0],
    }
    excluded = engine.run(shop, "funnel", [H, "Viewed"], exclusions=[{"events": [V]}])
    assert [s.users for s in excluded.steps] == [2, 1]  # nobody did an event named V


def test_measures(shop, engine):
    measure = {"kind": "count", "events": [H], "filters": [F], "name": H}
    points = engine.run(shop, "measures", measures=[measure], period="total").points
    assert [(p.measure, p.value) for p in points] == [(H, 1)]


def test_sessions(shop, engine):
    # ann's H and her view are an hour apart: two sessions; only the first holds her H.
    result = engine.run(shop, "sessions", period="total", filters=[F])
    assert [(p.sessions, p.persons) for p in result.periods] == [(1, 1)]


def test_retention(shop, engine):
    start = {"events": [H], "filters": [F]}
    result = engine.run(
        shop, "retention", start=start, returns=[{"events": ["Viewed"]}], period="day", **NOW
    )
    assert [(c.size, c.periods[0].retained) for c in result.cohorts] == [(1, 1)]


def test_lifecycle_and_stickiness(shop, engine):
    periods = engine.run(shop, "lifecycle", events=[{"events": [H]}], **NOW).periods
    assert [(p.new, p.active) for p in periods] == [(2, 2)]
    sticky = engine.run(shop, "stickiness", events=[{"events": [H], "filters": [F]}], **NOW)
    # ann alone did H with V, on one day of the week.
    assert [(p.active_persons, p.counts[0].k, p.counts[0].persons) for p in sticky.periods] == [
        (1, 1, 1)
    ]


def test_paths(shop, engine):
    result = engine.run(shop, "paths", per="person", start_event=H, exclude=[V])
    into_h = [t for t in result.transitions if t.source == "[start]"]
    assert [(t.target, t.users) for t in into_h] == [(f"1_{H}", 2)]
    onwards = [t for t in result.transitions if t.source == f"1_{H}" and t.target != "[end]"]
    assert [(t.target, t.users) for t in onwards] == [("2_Viewed", 1)]


def test_stages(shop, engine):
    mapping = {"stages": [{"name": V, "events": [H]}, {"name": K, "events": ["Viewed"]}]}
    result = engine.run(shop, "stages", mapping=mapping)
    assert {s.name: s.reached for s in result.stages} == {V: 2, K: 2}


def test_kpis(shop, engine):
    window = {"date_from": T0 - timedelta(days=1), "date_to": T0 + timedelta(days=1)}
    result = engine.run(
        shop, "kpis", conversion_event=H, support_events=[H], ignore_events=[V], **window
    )
    assert result.kpis  # every KPI computed with the hostile names as plain values


@pytest.mark.parametrize(
    ("analysis", "params"),
    [
        ("trends", {"events": [H], "breakdown": "properties"}),
        ("trends", {"events": [H], "breakdown": f"{K}; DROP TABLE events"}),
        ("funnel", {"steps": [H, "Viewed"], "breakdown": "password; --"}),
        ("measures", {"measures": [{"kind": "sum", "events": [H], "property": "x'--"}]}),
        ("sessions", {"filters": [{"property": "1=1; --", "op": "=", "value": "x"}]}),
        ("retention", {"breakdown": "person.password"}),
        ("paths", {"clean": [{"pattern": "([", "replacement": "x"}]}),
    ],
)
def test_bad_names_get_a_clear_error_not_a_sql_error(shop, engine, analysis, params):
    with pytest.raises(AnalysisError) as error:
        engine.run(shop, analysis, **params)
    assert "SQL" not in str(error.value) and "Binder" not in str(error.value)
