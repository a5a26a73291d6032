"""Sessions as journeys, the numbers worked out by hand (docs/architecture.md "Sessions")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.sessions import SessionsQuery
from tests.journeys import Journeys, at, identify

T0 = datetime(2025, 3, 3, 10, 0, 0)  # a Monday, 10:00 UTC
MINUTE = timedelta(minutes=1)


def page(when: datetime, user: str, **extra: object) -> dict:
    """A page call (stored as type ``page``, a page view)."""
    stamp = when.isoformat() + "Z"
    return {"type": "page", "userId": user, "name": "Home", "timestamp": stamp, **extra}


def in_client_session(message: dict, session: str) -> dict:
    return {**message, "properties": {**message.get("properties", {}), "session_id": session}}


JOURNEYS = [
    # ann: one page view and nothing else: a bounce of 0 s. Her identify is not a visit.
    page(T0, "ann"),
    identify("ann", email="ann@example.com"),
    # bob: two pages and a product view within 25 min (1,500 s, not a bounce), then 31 min
    # idle: a new session of one page (a bounce).
    page(T0, "bob", properties={"plan": "pro"}),
    page(T0 + 10 * MINUTE, "bob"),
    at(T0 + 25 * MINUTE, "bob", "Product Viewed"),
    page(T0 + 56 * MINUTE, "bob"),
    # cat: exactly 30 min idle is still the same session (1,800 s, two pages). Her entry page
    # says plan=free, the second plan=pro: the entry value counts.
    page(T0, "cat", properties={"plan": "free"}),
    page(T0 + 30 * MINUTE, "cat", properties={"plan": "pro"}),
    # dan: a heartbeat every 20 min for 25 h (76 events, no pages): cut at 24 h from the start
    # into 72 events over 71 × 20 min = 85,200 s, and 4 events from T0 + 24 h over 3,600 s.
    *[at(T0 + 20 * k * MINUTE, "dan", "Heartbeat") for k in range(76)],
    # eve: her client's session s1 holds two pages 2 h apart (one session of 7,200 s); her
    # event without a session id is a computed session of its own (0 s, no pages).
    in_client_session(page(T0, "eve"), "s1"),
    at(T0 + 5 * MINUTE, "eve", "Product Viewed"),
    in_client_session(page(T0 + 120 * MINUTE, "eve"), "s1"),
    # fay: one page and one product view a minute later: not a bounce (60 s).
    page(T0, "fay"),
    at(T0 + MINUTE, "fay", "Product Viewed"),
    # gus: a bounce at 23:30 UTC, which is already 08:30 on 4 March in Tokyo.
    page(datetime(2025, 3, 3, 23, 30), "gus"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("sessions") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def by_day(result) -> dict:
    return {p.period_start: p for p in result.periods}


def test_sessions_per_day(shop, engine):
    days = by_day(engine.run(shop, "sessions", period="day"))
    assert set(days) == {date(2025, 3, 3), date(2025, 3, 4)}
    first = days[date(2025, 3, 3)]
    # ann 1, bob 2, cat 1, dan 1 (first 24 h), eve 2, fay 1, gus 1.
    assert first.sessions == 9
    assert first.persons == 7
    # durations: ann 0, bob 1500 and 0, cat 1800, dan 85200, eve 7200 and 0, fay 60, gus 0.
    assert first.avg_duration_seconds == pytest.approx(95760 / 9)
    assert first.median_duration_seconds == 60  # 0 0 0 0 [60] 1500 1800 7200 85200
    assert first.single_event_sessions == 4  # ann, bob's second visit, eve's other one, gus
    # sessions with a page view: ann, bob ×2, cat, eve s1, fay, gus = 7, holding 10 pages.
    assert first.page_view_sessions == 7
    assert first.pages_per_session == pytest.approx(10 / 7)
    # bounces: ann, bob's second visit, gus (fay's page came with a product view).
    assert first.bounces == 3
    assert first.bounce_rate == pytest.approx(3 / 7)
    second = days[date(2025, 3, 4)]  # dan's session cut at 24 h starts here
    assert (second.sessions, second.persons, second.avg_duration_seconds) == (1, 1, 3600)
    assert second.page_view_sessions == 0
    assert second.pages_per_session is None and second.bounce_rate is None


def test_a_week_and_the_whole_range(shop, engine):
    week = engine.run(shop, "sessions", period="week").periods
    assert [(p.period_start, p.sessions, p.persons) for p in week] == [(date(2025, 3, 3), 10, 7)]
    total = engine.run(shop, "sessions", period="total").periods
    assert [(p.period_start, p.sessions) for p in total] == [(None, 10)]


def test_date_range_picks_sessions_by_their_start(shop, engine):
    # From 10:50: bob's second visit (10:56), gus (23:30) and dan's second chunk (4 March).
    # eve's s1 ends at 12:00 but started at 10:00: out, and not cut short.
    result = engine.run(shop, "sessions", period="day", date_from=T0 + 50 * MINUTE)
    days = by_day(result)
    assert days[date(2025, 3, 3)].sessions == 2
    assert days[date(2025, 3, 4)].sessions == 1
    until = engine.run(shop, "sessions", period="total", date_to=T0 + MINUTE).periods[0]
    # Starting at 10:00: ann, bob, cat, dan, eve's s1, fay (eve's other one starts 10:05).
    assert until.sessions == 6


def test_filters_keep_whole_sessions_with_a_matching_event(shop, engine):
    result = engine.run(shop, "sessions", period="total", filters=["event = Product Viewed"])
    only = result.periods[0]
    # bob's first visit, eve's computed session and fay's visit hold a product view.
    assert (only.sessions, only.persons) == (3, 3)
    # The sessions stay whole: bob's visit still has its two pages and 1,500 s.
    assert only.page_view_sessions == 2  # bob (2 pages), fay (1 page)
    assert only.pages_per_session == pytest.approx(3 / 2)
    assert only.avg_duration_seconds == pytest.approx((1500 + 0 + 60) / 3)


def test_breakdown_by_the_entry_value(shop, engine):
    result = engine.run(shop, "sessions", period="total", breakdown="properties.plan")
    groups = {p.breakdown: p.sessions for p in result.periods}
    assert groups == {"pro": 1, "free": 1, None: 8}  # bob's first visit; cat enters on free
    assert result.rows()[0]["breakdown"] in ("pro", "free", None)


def test_days_are_cut_in_the_workspace_time_zone(shop, engine):
    original = shop.config
    shop.config = replace(original, timezone="Asia/Tokyo")  # UTC+9, no daylight saving
    try:
        days = by_day(engine.run(shop, "sessions", period="day"))
    finally:
        shop.config = original
    # 10:00 UTC is 19:00 in Tokyo (same day); gus's 23:30 UTC is 08:30 the next day there.
    assert {d: p.sessions for d, p in days.items()} == {
        date(2025, 3, 3): 8,
        date(2025, 3, 4): 2,
    }


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="Unknown property"):
        SessionsQuery.parse({"breakdown": "nonsense"})
    with pytest.raises(AnalysisError, match="period"):
        SessionsQuery.parse({"period": "fortnight"})


users = st.sampled_from(["u1", "u2", "u3"])
kinds = st.sampled_from(["page", "track"])
minutes = st.integers(min_value=0, max_value=60 * 24 * 3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(users, kinds, minutes), min_size=1, max_size=25))
def test_session_counts_are_consistent(tmp_path_factory, visits):
    journeys = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        journeys.send(
            *[
                page(T0 + m * MINUTE, u) if kind == "page" else at(T0 + m * MINUTE, u, "Tap")
                for u, kind, m in visits
            ]
        )
        days = journeys.ws.sessions(period="day").periods
        total = journeys.ws.sessions(period="total").periods[0]
        assert sum(p.sessions for p in days) == total.sessions
        assert total.persons == len({u for u, _, _ in visits})
        # Every event is in one session: at most one session per event, at least one per person.
        assert total.persons <= total.sessions <= len(visits)
        for p in [*days, total]:
            assert p.bounces <= p.page_view_sessions <= p.sessions
            assert p.persons <= p.sessions
    finally:
        journeys.close()


def test_one_event_sessions_count_as_zero_in_the_median(tmp_path, engine):
    # Three one-event visits and two longer ones (60 s, 120 s): durations 0 0 [0] 60 120.
    journeys = Journeys(tmp_path / "ws")
    journeys.send(
        page(T0, "ann"),
        page(T0, "bob"),
        page(T0, "cat"),
        page(T0, "dan"),
        page(T0 + MINUTE, "dan"),
        page(T0, "eve"),
        page(T0 + 2 * MINUTE, "eve"),
    )
    try:
        total = engine.run(journeys.ws, "sessions", period="total").periods[0]
    finally:
        journeys.close()
    durations = [0, 0, 0, 60, 120]
    assert total.single_event_sessions == 3
    assert total.median_duration_seconds == numpy.median(durations) == 0
    assert total.avg_duration_seconds == pytest.approx(numpy.mean(durations))  # 36 s
