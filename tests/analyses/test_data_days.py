"""The default date range follows the busy days, not one stray event (issue 12 item 0)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from journeylens.analyses.data_days import DataDays, data_days
from tests.journeys import Journeys, at

DAY0 = date(2026, 9, 1)
TODAY = date(2026, 12, 2)


def test_a_stray_day_far_after_the_data_does_not_move_the_default_range():
    counts = {DAY0 + timedelta(days=k): 100 for k in range(60)} | {TODAY: 1}
    days = DataDays(counts)
    assert days.last == TODAY
    assert days.busy_last == DAY0 + timedelta(days=59)
    assert days.default_range(30, today=TODAY) == (DAY0 + timedelta(days=30), DAY0 + timedelta(59))
    assert days.after(DAY0 + timedelta(days=59)) == 1


def test_quiet_days_count_when_they_reach_a_tenth_of_a_typical_day():
    # median of (100, 100, 100, 10, 9) is 100: 10 is a tenth of it, 9 is not.
    counts = {DAY0: 100, DAY0 + timedelta(1): 100, DAY0 + timedelta(2): 100}
    assert DataDays(counts | {DAY0 + timedelta(3): 10}).busy_last == DAY0 + timedelta(3)
    assert DataDays(counts | {DAY0 + timedelta(3): 9}).busy_last == DAY0 + timedelta(2)


def test_a_new_business_with_few_events_a_day_has_every_day_busy():
    counts = {DAY0: 1, DAY0 + timedelta(1): 2, DAY0 + timedelta(2): 1}
    assert DataDays(counts).busy_last == DAY0 + timedelta(2)


def test_no_data_at_all_falls_back_to_today():
    assert DataDays({}).busy_last is None
    assert DataDays({}).default_range(30, today=TODAY) == (TODAY - timedelta(29), TODAY)


def test_counted_on_the_engine_over_customer_activity(tmp_path, engine):
    start = datetime(2026, 9, 1, 12)
    journeys = Journeys(tmp_path / "ws")
    journeys.send(
        *(at(start + timedelta(days=k, minutes=m), f"p{m}", "Viewed") for k in range(3) for m in range(20)),
        # A newsletter to 50 people the day after is no visit; one test event in December is
        # less than a tenth of a typical day (20 views).
        *(at(start + timedelta(days=3), f"n{k}", "Email Sent") for k in range(50)),
        at(datetime(2026, 12, 2, 8), "tester", "Viewed"),
    )  # fmt: skip
    days = data_days(engine.tables(journeys.ws))
    assert days.counts == {DAY0: 20, DAY0 + timedelta(1): 20, DAY0 + timedelta(2): 20, TODAY: 1}
    assert days.busy_last == DAY0 + timedelta(2)
    # The KPIs' default range is the 30 days up to the end of that day.
    kpis = engine.run(journeys.ws, "kpis")
    assert (kpis.date_from, kpis.date_to) == (
        datetime(2026, 8, 5),
        datetime(2026, 9, 4),
    )  # 30 days: 5 Aug – 3 Sep
    assert kpis.get("active_persons").value == 20
    journeys.close()
