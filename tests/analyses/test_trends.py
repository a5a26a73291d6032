"""Trends as journeys, the numbers worked out by hand."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.trends import TrendsQuery
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 3, 10, 0, 0)  # Monday
DAY = timedelta(days=1)
MON, TUE, WED = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)

JOURNEYS = [
    # ann views twice on Monday, once on Tuesday, and buys (plan pro) on Tuesday.
    at(T0, "ann", "Viewed"),
    at(T0 + timedelta(hours=1), "ann", "Viewed"),
    at(T0 + DAY, "ann", "Viewed"),
    at(T0 + DAY, "ann", "Bought", properties={"plan": "pro"}),
    # bob views and buys (plan free) on Monday.
    at(T0, "bob", "Viewed"),
    at(T0 + timedelta(minutes=5), "bob", "Bought", properties={"plan": "free"}),
    # cat views on Wednesday.
    at(T0 + 2 * DAY, "cat", "Viewed"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("trends") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys
    journeys.close()


def line(result, event: str, breakdown: str | None = None) -> dict:
    return {
        p.period_start: (p.count, p.persons)
        for p in result.points
        if p.event == event and p.breakdown == breakdown
    }


def test_counts_and_persons_per_day(shop, engine):
    result = engine.run(
        shop.ws, "trends", events=["Viewed", "Bought", "Viewed|Bought"], period="day",
        date_from=datetime(2025, 3, 3), date_to=datetime(2025, 3, 6),
    )  # fmt: skip
    assert line(result, "Viewed") == {MON: (3, 2), TUE: (1, 1), WED: (1, 1)}
    assert line(result, "Bought") == {MON: (1, 1), TUE: (1, 1), WED: (0, 0)}  # Wednesday: none
    # Either event: Monday ann 2 + bob 2 events; Tuesday ann's view and purchase.
    assert line(result, "Viewed|Bought") == {MON: (4, 2), TUE: (2, 1), WED: (1, 1)}


def test_a_week_counts_each_person_once(shop, engine):
    result = engine.run(shop.ws, "trends", events=["Viewed"], period="week")
    assert line(result, "Viewed") == {MON: (5, 3)}


def test_breakdown_and_filters(shop, engine):
    result = engine.run(
        shop.ws, "trends", events=["Bought", "Viewed"], period="total", breakdown="properties.plan"
    )
    assert line(result, "Bought", "pro") == {None: (1, 1)}
    assert line(result, "Bought", "free") == {None: (1, 1)}
    assert line(result, "Bought", None) == {None: (0, 0)}
    assert line(result, "Viewed", None) == {None: (5, 3)}
    assert line(result, "Viewed", "pro") == {None: (0, 0)}
    only_pro = engine.run(
        shop.ws, "trends", events=["Bought"], period="total", filters=["properties.plan = pro"]
    )
    assert line(only_pro, "Bought") == {None: (1, 1)}


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="at least one event"):
        TrendsQuery.parse({"events": [" "]})
    with pytest.raises(AnalysisError, match="Unknown property"):
        TrendsQuery.parse({"events": ["Viewed"], "breakdown": "colour"})


def test_the_cli_gives_the_python_answer(tmp_path):
    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    expected = journeys.ws.trends(["Viewed"], period="week").to_dict()
    journeys.close()
    args = ["trends", "--workspace", str(tmp_path / "ws"), "--event", "Viewed"]
    printed = cli(*args, "--period", "week", "--format", "json")
    assert json.loads(printed.stdout) == expected
    as_csv = cli(*args, "--period", "week", "--format", "csv").stdout.splitlines()
    # The week of 3 March is in progress: the data ends on its Wednesday (cat's view).
    assert as_csv == ["event,period_start,count,persons,in_progress", "Viewed,2025-03-03,5,3,True"]
