"""What people type, read one way (``analyses.inputs``): relative dates from an injected
today, reversed ranges, durations and unknown event names with a suggestion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from journeylens.analyses import inputs
from journeylens.analyses.base import AnalysisError
from journeylens.analyses.funnel import FunnelQuery
from journeylens.analyses.kpis import KpisQuery
from journeylens.analyses.measures import MeasuresQuery
from journeylens.analyses.paths_models import PathsQuery

TODAY = date(2026, 3, 10)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", date(2026, 3, 10)),
        ("Yesterday", date(2026, 3, 9)),
        ("-7d", date(2026, 3, 3)),
        ("-2w", date(2026, 2, 24)),
        ("2026-02-28", date(2026, 2, 28)),
        ("2026-02-28T23:30:00-02:00", date(2026, 3, 1)),  # 01:30 UTC the next day
    ],
)
def test_dates_read_relative_to_the_given_today(text, day):
    assert inputs.parse_day(text, today=TODAY, what="from") == day


def test_today_is_the_workspace_zone_day_of_the_clock():
    late = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # 04:00 on the 11th in Shanghai
    assert inputs.today("UTC", late) == date(2026, 3, 10)
    assert inputs.today("Asia/Shanghai", late) == date(2026, 3, 11)


@pytest.mark.parametrize("text", ["yesterdy", "2026-13-45", "-7 days", "last week"])
def test_a_date_that_cannot_be_read_names_the_forms(text):
    with pytest.raises(AnalysisError) as error:
        FunnelQuery.parse({"steps": ["A", "B"], "date_from": text}, today=TODAY)
    assert str(error.value).startswith(f"The from date {text!r} cannot be read: write 2026-03-01")
    assert "-7d" in str(error.value)


def test_a_relative_range_is_the_days_it_names():
    query = FunnelQuery.parse(
        {"steps": ["A", "B"], "date_from": "-7d", "date_to": "today"}, today=TODAY
    )
    assert query.date_from == datetime(2026, 3, 3)
    assert query.date_to == datetime(2026, 3, 10)


def test_a_reversed_range_is_refused_not_swapped():
    with pytest.raises(AnalysisError) as error:
        FunnelQuery.parse(
            {"steps": ["A", "B"], "date_from": "today", "date_to": "-2w"}, today=TODAY
        )
    assert str(error.value) == (
        "The date range is reversed: from 2026-03-10 is after to 2026-02-24; "
        "put the earlier date first."
    )


@pytest.mark.parametrize("text", ["0d", "2weeks", "-3h", "soon"])
def test_a_bad_window_names_the_accepted_forms(text):
    with pytest.raises(AnalysisError) as error:
        FunnelQuery.parse({"steps": ["A", "B"], "window": text})
    message = str(error.value)
    assert message.startswith(f"Window {text!r}: write a number above zero and a unit")
    assert "14d" in message and "none" in message and "Value error" not in message


def test_good_windows_still_read():
    assert inputs.parse_duration("2w") == timedelta(weeks=2)
    assert inputs.parse_duration("none") is None


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("Order Complete", "Order Completed"), ("order completed", "Order Completed"), ("Zzz", None)],
)
def test_the_closest_known_name(name, suggestion):
    assert inputs.closest(name, ["Product Viewed", "Order Completed"]) == suggestion


def test_funnel_names_its_steps_and_exclusions():
    query = FunnelQuery.parse({"steps": ["A|B", "C"], "exclusions": ["D:1-2"]})
    assert query.named_events() == [
        ("step 1", "A"),
        ("step 1", "B"),
        ("step 2", "C"),
        ("exclusion 1", "D"),
    ]


def test_paths_name_their_start_end_and_a_given_purchase_step():
    assert PathsQuery.parse({}).named_events() == []  # the default purchase step: not typed
    query = PathsQuery.parse({"start_event": "/cart", "purchase_event": "Order Placed"})
    assert query.named_events() == [
        ("the start step", "/cart"),
        ("the purchase step", "Order Placed"),
    ]


def test_kpis_name_the_conversion_event_only_when_it_is_given():
    assert KpisQuery.parse({}).named_events() == []
    query = KpisQuery.parse({"conversion_event": "Trial Started"})
    assert query.named_events() == [("the conversion event", "Trial Started")]


def test_measures_name_their_events_and_those_of_their_ratios():
    query = MeasuresQuery.parse(
        {"measures": ["count(*)", "sum(revenue of A|B)", "ratio(persons(C), persons(*))"]}
    )
    assert query.named_events() == [("measure 2", "A"), ("measure 2", "B"), ("measure 3", "C")]
