"""Stickiness as journeys, the numbers worked out by hand.

T0 is Monday 3 March 2025, 10:00 UTC; W0 = 3–9 March, W1 = 10–16 March.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.stickiness import StickinessQuery
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 3, 10, 0, 0)
W0, W1 = date(2025, 3, 3), date(2025, 3, 10)


def hour(n: float, user: str, event: str = "Purchased") -> dict:
    return at(T0 + timedelta(hours=n), user, event)


JOURNEYS = [
    # ann in W0: Monday 10:00, 10:30 and 11:00, Wednesday 10:00 (a view), Sunday 23:30 UTC.
    hour(0, "ann"),
    hour(0.5, "ann"),
    hour(1, "ann"),
    hour(48, "ann", "Viewed"),
    hour(6 * 24 + 13.5, "ann"),
    # bob: Tuesday of W0, then every day of W1 at 10:00 — his Sunday is the latest event.
    hour(24, "bob"),
    *[hour(24 * (7 + k), "bob") for k in range(7)],
    # cat: Monday and Tuesday of W0.
    hour(2, "cat"),
    hour(24, "cat"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("stickiness") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def nonzero(result) -> dict[date, dict[int, int]]:
    """period start → {k: persons} for the k with anyone."""
    return {p.period_start: {c.k: c.persons for c in p.counts if c.persons} for p in result.periods}


def test_distinct_days_per_week(shop, engine):
    result = engine.run(shop, "stickiness")
    # W0: bob 1 day, cat 2, ann 3 (Monday, Wednesday, Sunday). W1: bob all 7.
    assert nonzero(result) == {W0: {1: 1, 2: 1, 3: 1}, W1: {7: 1}}
    assert [len(p.counts) for p in result.periods] == [7, 7]  # k = 1..7 days
    assert [p.active_persons for p in result.periods] == [3, 1]
    assert result.periods[0].counts[2].share == pytest.approx(1 / 3)
    # Now is bob's Sunday 10:00, so W1 has not ended.
    assert [p.in_progress for p in result.periods] == [False, True]
    assert result.unit == "day"


def test_distinct_hours_per_week(shop, engine):
    result = engine.run(shop, "stickiness", unit="hour")
    # ann: hours Monday 10 and 11, Wednesday 10, Sunday 23 = 4; bob 1; cat Monday 12,
    # Tuesday 10 = 2. W1: bob 7 hours.
    assert nonzero(result) == {W0: {1: 1, 2: 1, 4: 1}, W1: {7: 1}}
    assert len(result.periods[0].counts) == 168


def test_days_per_month(shop, engine):
    result = engine.run(shop, "stickiness", period="month")
    # March: cat 2 days, ann 3, bob 8; k runs to 31.
    assert nonzero(result) == {date(2025, 3, 1): {2: 1, 3: 1, 8: 1}}
    assert len(result.periods[0].counts) == 31


def test_hours_per_day(shop, engine):
    result = engine.run(
        shop,
        "stickiness",
        period="day",
        date_from=datetime(2025, 3, 3),
        date_to=datetime(2025, 3, 5),
    )
    # 3 March: ann hours 10 and 11, cat 12. 4 March: bob and cat, one hour each.
    assert nonzero(result) == {date(2025, 3, 3): {1: 1, 2: 1}, date(2025, 3, 4): {1: 2}}
    assert result.unit == "hour"
    assert len(result.periods[0].counts) == 24


def test_only_the_named_events_count(shop, engine):
    result = engine.run(shop, "stickiness", events=["Purchased"])
    # ann's Wednesday was a view: 2 days left.
    assert nonzero(result) == {W0: {1: 1, 2: 2}, W1: {7: 1}}
    filtered = engine.run(shop, "stickiness", events=["* where properties.x is set"])
    assert nonzero(filtered) == {}


def test_the_date_range_picks_whole_periods(shop, engine):
    result = engine.run(shop, "stickiness", date_from=datetime(2025, 3, 16))
    assert nonzero(result) == {W1: {7: 1}}  # Sunday of W1 picks the whole W1
    before = engine.run(shop, "stickiness", date_to=datetime(2025, 3, 4))
    assert nonzero(before) == {W0: {1: 1, 2: 1, 3: 1}}  # Monday of W0 picks the whole W0


def test_days_are_cut_in_the_workspace_time_zone(tmp_path, engine):
    shanghai = tmp_path / "shanghai"
    shanghai.mkdir()
    (shanghai / "config.toml").write_text('[workspace]\ntimezone = "Asia/Shanghai"\n')
    journeys = Journeys(shanghai)
    try:
        journeys.send(*JOURNEYS)
        result = engine.run(journeys.ws, "stickiness")
        # In Shanghai (UTC+8) ann's Sunday 23:30 UTC is Monday 07:30 of W1, and everything
        # else stays on its day (10:00–13:00 UTC is 18:00–21:00 there): ann 2 days in W0 and
        # 1 in W1.
        assert nonzero(result) == {W0: {1: 1, 2: 2}, W1: {1: 1, 7: 1}}
    finally:
        journeys.close()


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="--unit hour"):
        StickinessQuery.parse({"period": "day", "unit": "day"})
    with pytest.raises(AnalysisError, match="unit"):
        StickinessQuery.parse({"unit": "minute"})


def test_the_cli_gives_the_python_answer(tmp_path):
    import json

    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    expected = journeys.ws.stickiness(unit="hour").to_dict()
    journeys.close()
    base = ["stickiness", "--workspace", str(tmp_path / "ws"), "--unit", "hour"]
    assert json.loads(cli(*base, "--format", "json").stdout) == expected
    as_csv = cli(*base, "--format", "csv").stdout.splitlines()
    assert as_csv[0] == "period_start,in_progress,k,persons,share"
    assert as_csv[4] == "2025-03-03,False,4,1,0.3333333333333333"


users = st.sampled_from(["u1", "u2", "u3", "u4"])
hours = st.floats(min_value=0, max_value=24 * 30, allow_nan=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(users, hours), min_size=1, max_size=25))
def test_every_active_person_is_counted_once_per_period(tmp_path_factory, journey):
    shop = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        shop.send(*[hour(h, user) for user, h in journey])
        result = shop.ws.stickiness(period="month")
        for period in result.periods:
            month = period.period_start
            active = {
                user
                for user, h in journey
                if (T0 + timedelta(hours=h)).date().replace(day=1) == month
            }
            assert sum(c.persons for c in period.counts) == len(active) == period.active_persons
            days = {
                k: sum(
                    1
                    for user in active
                    if len(
                        {
                            (T0 + timedelta(hours=h)).date()
                            for u, h in journey
                            if u == user
                            and (T0 + timedelta(hours=h)).date().replace(day=1) == month
                        }
                    )
                    == k
                )
                for k in range(1, 32)
            }
            assert {c.k: c.persons for c in period.counts if c.persons} == {
                k: n for k, n in days.items() if n
            }
    finally:
        shop.close()
