"""Declarative measures as journeys, the numbers worked out by hand."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.measures import Measure, parse_measure, periods_in_range
from tests.journeys import Journeys, at, identify

T0 = datetime(2025, 3, 3, 10, 0, 0)  # Monday
DAY = timedelta(days=1)
MON, TUE, WED = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)


def order(when: datetime, user: str, revenue: float, **properties: object) -> dict:
    props = {"revenue": revenue, "currency": "USD", **properties}
    return at(when, user, "Order Completed", properties=props)


JOURNEYS = [
    identify("ann", country="US"),
    identify("bob", country="GB"),
    identify("cat", country="US"),
    identify("eve", country="US"),  # eve only identifies: no behaviour, never counted
    # Monday: ann views twice and buys (30), bob views and buys (50), cat views (plan pro).
    at(T0, "ann", "Product Viewed"),
    at(T0 + timedelta(minutes=1), "ann", "Product Viewed"),
    order(T0 + timedelta(minutes=2), "ann", 30, items="2"),
    at(T0, "bob", "Product Viewed"),
    order(T0 + timedelta(hours=1), "bob", 50, items=3),
    at(T0, "cat", "Product Viewed", properties={"plan": "pro"}),
    # Tuesday: ann views, bob buys again (10), dan (no country) signs up.
    at(T0 + DAY, "ann", "Product Viewed"),
    order(T0 + DAY, "bob", 10, items="n/a"),
    at(T0 + DAY, "dan", "Signed Up"),
]
BUYERS_SHARE = "ratio(persons(Order Completed), persons(*))"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("measures") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def test_measures_per_day_with_empty_days_listed(shop, engine):
    measures = ["count(*)", "persons(*)", "count(Order Completed)",
                "sum(revenue of Order Completed)", "avg(revenue of Order Completed)", BUYERS_SHARE]  # fmt: skip
    result = engine.run(
        shop, "measures", measures=measures, period="day", date_from=T0 - timedelta(hours=10),
        date_to=T0 + 2 * DAY + timedelta(hours=14),
    )  # fmt: skip

    def day(when: date) -> list[float | None]:
        return [result.value(m, when) for m in measures]

    # Monday: 6 events by ann, bob, cat; 2 orders (30 + 50); buyers ann and bob of 3 persons.
    assert day(MON) == [6, 3, 2, 80, 40, pytest.approx(2 / 3)]
    # Tuesday: ann's view, bob's order (10), dan's sign-up.
    assert day(TUE) == [3, 3, 1, 10, 10, pytest.approx(1 / 3)]
    # Wednesday is in the range but empty: counts are 0, an average and a ratio are unknown.
    assert day(WED) == [0, 0, 0, 0, None, None]
    assert [row["period_start"] for row in result.rows()] == ["2025-03-03", "2025-03-04",
                                                              "2025-03-05"]  # fmt: skip


def test_the_whole_range_counts_each_person_once(shop, engine):
    result = engine.run(shop, "measures", measures=["persons(*)", BUYERS_SHARE], period="week")
    # ann, bob, cat, dan were active; ann and bob bought (eve only identified).
    assert result.value("persons(*)", MON) == 4
    assert result.value(BUYERS_SHARE, MON) == pytest.approx(0.5)


def test_percentiles_and_extremes_of_a_property(shop, engine):
    measures = ["p50(revenue of Order Completed)", "median(revenue of Order Completed)",
                "p90(revenue of Order Completed)", "min(revenue)", "max(revenue)"]  # fmt: skip
    result = engine.run(shop, "measures", measures=measures, period="total")
    # Order revenues 10, 30, 50; p90 interpolates at position 0.9 × 2 = 1.8: 30 + 0.8 × 20.
    assert [result.value(m) for m in measures] == [30, 30, pytest.approx(46), 10, 50]


def test_a_json_property_is_read_as_a_number(shop, engine):
    measures = ["sum(properties.items of Order Completed)", "avg(properties.items)"]
    result = engine.run(shop, "measures", measures=measures, period="total")
    # "2" and 3 are numbers; "n/a" is not, and is left out.
    assert [result.value(m) for m in measures] == [5, 2.5]


def test_breakdown_by_a_person_property(shop, engine):
    result = engine.run(
        shop, "measures", measures=["count(*)", "persons(*)", BUYERS_SHARE],
        period="total", breakdown="person.country",
    )  # fmt: skip
    table = {(p.measure, p.breakdown): p.value for p in result.points}
    # US: ann (4 events) and cat (1); GB: bob (3 events); no country: dan (1).
    assert table[("count(*)", "US")] == 5
    assert table[("count(*)", "GB")] == 3
    assert table[("count(*)", None)] == 1
    assert table[("persons(*)", "US")] == 2
    assert table[(BUYERS_SHARE, "US")] == pytest.approx(1 / 2)
    assert table[(BUYERS_SHARE, "GB")] == 1
    assert table[(BUYERS_SHARE, None)] == 0  # dan bought nothing: 0 of 1
    assert {row["breakdown"] for row in result.rows()} == {"US", "GB", None}


def test_breakdown_by_an_event_property_and_filters(shop, engine):
    result = engine.run(
        shop, "measures", measures=["count(*)"], period="total", breakdown="properties.plan"
    )
    assert {p.breakdown: p.value for p in result.points} == {"pro": 1, None: 8}
    filtered = engine.run(
        shop,
        "measures",
        measures=["count(Product Viewed where properties.plan = pro)", "persons(*)"],
        period="total",
        filters=["person.country = US"],
    )
    # Only cat's view has plan=pro; US persons with behaviour are ann and cat.
    assert [p.value for p in filtered.points] == [1, 2]


def test_the_object_form_and_labels(shop, engine):
    eur_share = {
        "kind": "ratio",
        "numerator": {"kind": "sum", "property": "revenue", "events": ["Order Completed"],
                      "filters": ["currency = USD"]},
        "denominator": "count(Order Completed)",
        "name": "revenue per order",
    }  # fmt: skip
    result = engine.run(shop, "measures", measures=[eur_share], period="total")
    assert result.measures == ["revenue per order"]
    assert result.value("revenue per order") == pytest.approx(90 / 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("counts(Order Completed)", "unknown function 'counts'"),
        ("sum(Order Completed)", "Unknown property"),
        ("avg()", "name the property"),
        ("ratio(persons(*))", "two measures"),
        ("ratio(ratio(count(A), count(B)), count(C))", "not ratios"),
        ("count(A where plan pro)", "PROPERTY OP VALUE"),
        ("persons(A", "write count"),
        ("p0(revenue)", "greater than 0"),
        ("count(x'); DROP TABLE events; --)", None),  # just a name that matches nothing
    ],
)
def test_bad_measures_say_what_to_do(text, message):
    if message is None:
        assert parse_measure(text).events == ("x'); DROP TABLE events; --",)
        return
    with pytest.raises(AnalysisError, match=message):
        parse_measure(text)


def test_hostile_names_are_values(shop, engine):
    hostile = "x'); DROP TABLE events; --"
    result = engine.run(
        shop, "measures", measures=[f"count({hostile})", "count(*)"], period="total",
        filters=[f"properties.{hostile} = 1'"], breakdown="person.traits.名字",
    )  # fmt: skip
    assert [p.value for p in result.points] == [0, 0]
    assert shop.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(JOURNEYS)


def test_week_and_month_periods_in_a_time_zone():
    # 2025-03-02 20:00 UTC is Monday 3 March 05:00 in Tokyo: the first week is the 3rd's.
    found = periods_in_range("Asia/Tokyo", datetime(2025, 3, 2, 20), datetime(2025, 4, 1), "week")
    assert found[0] == date(2025, 3, 3) and found[-1] == date(2025, 3, 31)
    months = periods_in_range("UTC", datetime(2025, 1, 31), datetime(2025, 3, 1), "month")
    assert months == [date(2025, 1, 1), date(2025, 2, 1)]  # to is exclusive


names = st.text(
    alphabet=st.characters(blacklist_characters="|(),", blacklist_categories=("Cs", "Cc")),
    min_size=1,
).filter(
    lambda s: s.strip() == s and s != "*" and not re.search(r"\s(where|of|and)\s", f" {s} ", re.I)
)


@given(st.sampled_from(["count", "persons", "sum", "p75"]), st.lists(names, min_size=1))
def test_the_text_form_round_trips(function, events):
    measure = Measure(
        kind="percentile" if function == "p75" else function,
        events=tuple(events),
        property="revenue" if function in ("sum", "p75") else None,
        percentile=0.75 if function == "p75" else None,
    )
    assert parse_measure(measure.text()) == measure
