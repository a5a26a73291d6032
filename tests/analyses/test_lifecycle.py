"""Lifecycle as journeys, the numbers worked out by hand (docs/architecture.md "Lifecycle").

T0 is Monday 3 March 2025, 10:00 UTC; weeks W0 = 3 March, W1 = 10, W2 = 17, W3 = 24,
W4 = 31 March.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.lifecycle import LifecycleQuery
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 3, 10, 0, 0)
W = [date(2025, 3, 3) + timedelta(weeks=k) for k in range(6)]


def day(n: float, user: str, event: str = "Purchased", amount: int = 20) -> dict:
    return at(T0 + timedelta(days=n), user, event, properties={"amount": amount})


JOURNEYS = [
    # ann: W0, W1 (a view), W3.
    day(0, "ann"),
    day(8, "ann", "Viewed"),
    day(22, "ann"),
    # bob: W1 only.
    day(9, "bob"),
    # cat: every week; her W2 activity is a view. Her Tuesday of W4 is the latest event.
    day(1, "cat"),
    day(7, "cat"),
    day(14, "cat", "Viewed"),
    day(21, "cat"),
    day(29, "cat"),
    # dan: twice in W2 (the first a small purchase of 5), then W4.
    day(15, "dan", amount=5),
    day(16, "dan"),
    day(28, "dan"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("lifecycle") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def table(result) -> dict[date, tuple[int, int, int, int]]:
    """period start → (new, returning, resurrecting, dormant)."""
    return {p.period_start: (p.new, p.returning, p.resurrecting, p.dormant) for p in result.periods}


def test_any_activity_by_week(shop, engine):
    result = engine.run(shop, "lifecycle")
    # Active weeks: ann W0 W1 W3; bob W1; cat W0–W4; dan W2 W4.
    assert table(result) == {
        W[0]: (2, 0, 0, 0),  # new: ann, cat
        W[1]: (1, 2, 0, 0),  # new: bob; returning: ann, cat
        W[2]: (1, 1, 0, 2),  # new: dan; returning: cat; dormant: ann, bob
        W[3]: (0, 1, 1, 1),  # returning: cat; resurrecting: ann; dormant: dan
        W[4]: (0, 1, 1, 1),  # returning: cat; resurrecting: dan; dormant: ann
    }
    assert [p.active for p in result.periods] == [2, 3, 2, 2, 2]
    # Now is cat's Tuesday of W4, which has not ended.
    assert [p.in_progress for p in result.periods] == [False] * 4 + [True]
    assert result.now == T0 + timedelta(days=29)


def test_only_the_named_events_count(shop, engine):
    result = engine.run(shop, "lifecycle", events=["Purchased"])
    # Without views: ann W0 W3; bob W1; cat W0 W1 W3 W4; dan W2 W4.
    assert table(result) == {
        W[0]: (2, 0, 0, 0),  # new: ann, cat
        W[1]: (1, 1, 0, 1),  # new: bob; returning: cat; dormant: ann
        W[2]: (1, 0, 0, 2),  # new: dan; dormant: bob, cat
        W[3]: (0, 0, 2, 1),  # resurrecting: ann, cat; dormant: dan
        W[4]: (0, 1, 1, 1),  # returning: cat; resurrecting: dan; dormant: ann
    }


def test_event_property_filters(shop, engine):
    big = {"events": ["Purchased"], "filters": ["properties.amount > 10"]}
    result = engine.run(shop, "lifecycle", events=[big])
    # dan's W2 has his purchase of 5 and one of 20, so W2 still counts for him.
    assert table(result)[W[2]] == (1, 0, 0, 2)
    text = engine.run(shop, "lifecycle", events=["Purchased where properties.amount < 10"])
    # Only dan's small purchase: he is new in W2, dormant in W3, and W4 has nobody.
    assert table(text) == {W[2]: (1, 0, 0, 0), W[3]: (0, 0, 0, 1), W[4]: (0, 0, 0, 0)}


def test_the_date_range_picks_periods_but_history_counts(shop, engine):
    result = engine.run(
        shop, "lifecycle", date_from=datetime(2025, 3, 26), date_to=datetime(2025, 3, 31)
    )
    # Only W3 (touched from Wednesday on, counted whole); ann is resurrecting because of her
    # W0 and W1, which are outside the range.
    assert table(result) == {W[3]: (0, 1, 1, 1)}
    assert result.periods[0].in_progress is False


def test_now_caps_the_periods(shop, engine):
    result = engine.run(shop, "lifecycle", now=datetime(2025, 3, 18))
    # Up to W2, which is in progress; dan's and cat's W2 activity after now still counts.
    assert table(result) == {W[0]: (2, 0, 0, 0), W[1]: (1, 2, 0, 0), W[2]: (1, 1, 0, 2)}
    assert [p.in_progress for p in result.periods] == [False, False, True]


def test_day_and_month_periods(shop, engine):
    days = engine.run(
        shop,
        "lifecycle",
        period="day",
        date_from=datetime(2025, 3, 10),
        date_to=datetime(2025, 3, 13),
    )
    # 10 March: cat (day 7; active 4 March before): resurrecting. 11 March: ann (day 8):
    # resurrecting; cat dormant. 12 March: bob new; ann dormant.
    assert table(days) == {
        date(2025, 3, 10): (0, 0, 1, 0),
        date(2025, 3, 11): (0, 0, 1, 1),
        date(2025, 3, 12): (1, 0, 0, 1),
    }
    months = engine.run(shop, "lifecycle", period="month")
    # March: everyone new; April (cat's 1 April): cat returning, the other three dormant.
    assert table(months) == {date(2025, 3, 1): (4, 0, 0, 0), date(2025, 4, 1): (0, 1, 0, 3)}


def test_periods_are_cut_in_the_workspace_time_zone(tmp_path, engine):
    # zoe on Sunday 9 March 20:00 UTC (Monday 10 March 04:00 in Shanghai) and Monday
    # 10 March 02:00 UTC (10:00 in Shanghai).
    zoe = [
        at(datetime(2025, 3, 9, 20), "zoe", "Viewed"),
        at(datetime(2025, 3, 10, 2), "zoe", "Viewed"),
    ]
    in_utc = Journeys(tmp_path / "utc")
    shanghai = tmp_path / "shanghai"
    shanghai.mkdir()
    (shanghai / "config.toml").write_text('[workspace]\ntimezone = "Asia/Shanghai"\n')
    in_shanghai = Journeys(shanghai)
    try:
        for journeys in (in_utc, in_shanghai):
            journeys.send(*zoe)
        # UTC: new in W0 (3 March), returning in W1; by day new 9 March, returning 10 March.
        assert table(engine.run(in_utc.ws, "lifecycle")) == {
            date(2025, 3, 3): (1, 0, 0, 0),
            date(2025, 3, 10): (0, 1, 0, 0),
        }
        assert table(engine.run(in_utc.ws, "lifecycle", period="day")) == {
            date(2025, 3, 9): (1, 0, 0, 0),
            date(2025, 3, 10): (0, 1, 0, 0),
        }
        # Shanghai: both on Monday 10 March.
        assert table(engine.run(in_shanghai.ws, "lifecycle")) == {date(2025, 3, 10): (1, 0, 0, 0)}
        assert table(engine.run(in_shanghai.ws, "lifecycle", period="day")) == {
            date(2025, 3, 10): (1, 0, 0, 0)
        }
    finally:
        in_utc.close()
        in_shanghai.close()


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="period"):
        LifecycleQuery.parse({"period": "year"})
    with pytest.raises(AnalysisError, match="compare with a number"):
        LifecycleQuery.parse({"events": ["Purchased where revenue > lots"]})


def test_hostile_names_are_values_not_sql(shop, engine):
    for name in ["x'; DROP TABLE events; --", 'quo"te', "名字", "🙂"]:
        assert engine.run(shop, "lifecycle", events=[name]).periods == []
        where = {
            "events": ["Purchased"],
            "filters": [{"property": f"properties.{name}", "value": name}],
        }
        assert engine.run(shop, "lifecycle", events=[where]).periods == []
    assert shop.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(JOURNEYS)


def test_the_cli_gives_the_python_answer(tmp_path):
    import json

    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    expected = journeys.ws.lifecycle(events=["Purchased"]).to_dict()
    journeys.close()
    base = ["lifecycle", "--workspace", str(tmp_path / "ws"), "--event", "Purchased"]
    assert json.loads(cli(*base, "--format", "json").stdout) == expected
    as_csv = cli(*base, "--format", "csv").stdout.splitlines()
    assert as_csv[0] == "period_start,in_progress,new,returning,resurrecting,dormant,active"
    assert as_csv[2] == "2025-03-10,False,1,1,0,1,2"


users = st.sampled_from(["u1", "u2", "u3", "u4", "u5"])
days = st.integers(min_value=0, max_value=40)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(users, days), min_size=1, max_size=25))
def test_the_counts_balance(tmp_path_factory, journey):
    """Active this period = new + returning + resurrecting; returning + dormant = active last
    period; the new persons over all periods are everyone."""
    shop = Journeys(Path(tmp_path_factory.mktemp("prop")) / "ws")
    try:
        shop.send(*[at(T0 + timedelta(days=d), user, "Viewed") for user, d in journey])
        for period in ("day", "week"):
            periods = shop.ws.lifecycle(period=period).periods
            assert sum(p.new for p in periods) == len({u for u, _ in journey})
            for previous, current in itertools.pairwise(periods):
                assert current.returning + current.dormant == previous.active
            assert periods[0].returning == periods[0].resurrecting == periods[0].dormant == 0
    finally:
        shop.close()
