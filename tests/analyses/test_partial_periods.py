"""Partial periods as journeys: which day, week or month is in progress, by reasoning.

The workspace is UTC. ann is active on Monday 3 March 2025 and Wednesday 5 March; bob on
Monday 10 and Tuesday 11; cat on Wednesday 12 at 09:00 — the latest event. A period is in
progress when the query's range or ``now`` (default: that latest event) cuts it
(``activity.Seen``); dates are always given, never today's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from journeylens.analyses.activity import Seen
from tests.journeys import Journeys, at

MAR_3 = datetime(2025, 3, 3, 10, 0)  # a Monday
DAY = timedelta(days=1)
FEB_24, WEEK_3, WEEK_10 = date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)

JOURNEYS = [
    at(MAR_3, "ann", "Viewed"),
    at(MAR_3 + 2 * DAY, "ann", "Viewed"),
    at(MAR_3 + 7 * DAY, "bob", "Viewed"),
    at(MAR_3 + 8 * DAY, "bob", "Viewed"),
    at(datetime(2025, 3, 12, 9, 0), "cat", "Viewed"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("partial") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys
    journeys.close()


def flags(points) -> dict[date, bool]:
    return {p.period_start: p.in_progress for p in points}


def test_a_period_is_partial_when_the_range_or_now_cuts_it():
    seen = Seen.of("UTC", datetime(2025, 3, 1), datetime(2025, 3, 12))
    # The range starts on a Saturday, ends before Wednesday 12 March: both ends cut a week.
    assert seen.partial(FEB_24, "week") and seen.partial(WEEK_10, "week")
    assert not seen.partial(WEEK_3, "week")
    assert not seen.partial(date(2025, 3, 11), "day")  # the range's last whole day
    assert seen.partial(date(2025, 3, 1), "month")
    # now before the range's end wins: at noon on the 11th that day is not over.
    at_noon = Seen.of("UTC", None, datetime(2025, 3, 12), now=datetime(2025, 3, 11, 12))
    assert at_noon.partial(date(2025, 3, 11), "day")
    assert not at_noon.partial(date(2025, 3, 10), "day")
    # Midnight ends a day: now at 00:00 on the 12th leaves the 11th complete.
    assert not Seen.of("UTC", now=datetime(2025, 3, 12)).partial(date(2025, 3, 11), "day")
    # Local days: in Shanghai (UTC+8) 16:00 UTC on the 11th is midnight of the 12th.
    shanghai = Seen.of("Asia/Shanghai", now=datetime(2025, 3, 11, 16))
    assert not shanghai.partial(date(2025, 3, 11), "day")
    assert shanghai.partial(date(2025, 3, 12), "day")
    assert not Seen().partial(None, "total")


def test_trends_flag_the_weeks_the_range_cuts(shop, engine):
    result = engine.run(
        shop.ws, "trends", events=["Viewed"], period="week",
        date_from=datetime(2025, 3, 1), date_to=datetime(2025, 3, 12),
    )  # fmt: skip
    # The week of 24 Feb is seen from its Saturday only, the week of 10 March up to its
    # Wednesday; the week of 3 March is whole.
    assert flags(result.points) == {FEB_24: True, WEEK_3: False, WEEK_10: True}
    assert {p.period_start: p.count for p in result.points} == {FEB_24: 0, WEEK_3: 2, WEEK_10: 2}


def test_trends_flag_the_day_the_data_is_still_in(shop, engine):
    # No range: now is the latest event, cat's on Wednesday 12 at 09:00.
    result = engine.run(shop.ws, "trends", events=["Viewed"], period="day")
    assert [p.period_start for p in result.points if p.in_progress] == [date(2025, 3, 12)]
    # A later now ends that day; an explicit now inside the week of 10 March keeps it open.
    later = engine.run(shop.ws, "trends", events=["Viewed"], period="day", now="2025-03-13")
    assert not any(p.in_progress for p in later.points)
    weekly = engine.run(shop.ws, "trends", events=["Viewed"], period="week", now="2025-03-13")
    assert flags(weekly.points) == {WEEK_3: False, WEEK_10: True}


def test_measures_and_sessions_flag_the_same_periods(shop, engine):
    window = {"date_from": datetime(2025, 3, 3), "date_to": datetime(2025, 3, 12)}
    measures = engine.run(shop.ws, "measures", measures=["persons(*)"], period="week", **window)
    assert flags(measures.points) == {WEEK_3: False, WEEK_10: True}
    sessions = engine.run(shop.ws, "sessions", period="week", **window)
    # ann's two sessions in the week of 3 March, bob's two in the (cut) week of 10 March.
    assert {p.period_start: (p.sessions, p.in_progress) for p in sessions.periods} == {
        WEEK_3: (2, False),
        WEEK_10: (2, True),
    }
    whole = engine.run(shop.ws, "sessions", period="total", **window)
    assert not whole.periods[0].in_progress


def test_kpis_with_no_earlier_data_say_so_on_every_kpi(shop, engine):
    result = engine.run(
        shop.ws, "kpis", date_from=datetime(2025, 3, 3), date_to=datetime(2025, 3, 10),
        now="2025-03-20",
    )  # fmt: skip
    assert (result.previous_from, result.previous_to) == (datetime(2025, 2, 24), result.date_from)
    # Nothing happened from 24 February to 3 March: no KPI has a change, each says why.
    assert {k.change_reason for k in result.kpis} == {"no_earlier_data"}
    assert all(k.change is None for k in result.kpis)
    orders = result.get("orders")
    assert (orders.value, orders.previous) == (0.0, 0.0)


def test_kpis_flag_the_last_period_and_compare_only_whole_ones(shop, engine):
    result = engine.run(
        shop.ws, "kpis", date_from=datetime(2025, 3, 10), date_to=datetime(2025, 3, 17),
        now="2025-03-20",
    )  # fmt: skip
    wau, mau, dau = result.get("wau_last"), result.get("mau_last"), result.get("dau_last")
    # The range is the whole week of 10 March (bob, cat), the previous one that of 3 March
    # (ann): both complete, so compared.
    assert (wau.period_start, wau.in_progress, wau.value, wau.previous) == (WEEK_10, False, 2, 1)
    assert (wau.change, wau.change_reason) == (1, None)
    # Sunday 16 March is whole, and empty.
    assert (dau.period_start, dau.in_progress, dau.value) == (date(2025, 3, 16), False, 0)
    # March is cut by both ranges: flagged, not compared.
    assert (mau.period_start, mau.in_progress) == (date(2025, 3, 1), True)
    assert (mau.change, mau.change_reason) == (None, "in_progress")
    # The other KPIs compare the two weeks: 2 active against 1.
    active = result.get("active_persons")
    assert (active.change, active.change_reason, active.in_progress) == (1, None, False)


def test_kpis_last_week_is_in_progress_at_the_data_end(shop, engine):
    # No now: the latest event (Wednesday 12 March) leaves the week of 10 March open.
    result = engine.run(
        shop.ws, "kpis", date_from=datetime(2025, 3, 10), date_to=datetime(2025, 3, 17)
    )
    wau = result.get("wau_last")
    assert (wau.in_progress, wau.change, wau.change_reason) == (True, None, "in_progress")
