"""The KPI dashboard on small journeys, every number worked out by hand.

The range R is Monday 10 March to Monday 17 March 2025 (7 days); the previous range P is the
7 days before it (3–9 March).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from journeylens.analyses.base import AnalysisError
from tests.journeys import Journeys, at

R_FROM, R_TO = datetime(2025, 3, 10), datetime(2025, 3, 17)


def when(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute)


def page(moment: datetime, user: str) -> dict:
    return {"type": "page", "userId": user, "name": "Home", "timestamp": moment.isoformat() + "Z"}


def order(
    moment: datetime, user: str, revenue: float, currency: str = "USD", order_id: str | None = None
) -> dict:
    properties = {"revenue": revenue, "currency": currency}
    if order_id is not None:
        properties["order_id"] = order_id
    return at(moment, user, "Order Completed", properties=properties)


def nps(moment: datetime, user: str, score: int) -> dict:
    return at(moment, user, "NPS Submitted", properties={"nps": score})


JOURNEYS = [
    # Before P: ann and bob become customers.
    order(when(20, month=2), "ann", 100),
    order(when(21, month=2), "bob", 40),
    # P: ann views (3rd), dan views (4th), cat buys for 20 USD (5th).
    at(when(3), "ann", "Product Viewed"),
    at(when(4), "dan", "Product Viewed"),
    order(when(5), "cat", 20),
    # R, Monday 10th: cat lands on a page and answers NPS 6 a minute later (not a bounce, 60 s).
    page(when(10), "cat"),
    nps(when(10, minute=1), "cat", 6),
    # Tuesday 11th: eve reads two pages and answers NPS 9 (900 s, 2 pages).
    page(when(11), "eve"),
    page(when(11, minute=10), "eve"),
    nps(when(11, minute=15), "eve", 9),
    # Wednesday 12th: eve buys for 50 USD (a session of its own); dan is only sent an e-mail,
    # which is the business's doing: neither activity nor a visit.
    order(when(12), "eve", 50),
    at(when(12), "dan", "Email Sent"),
    # Thursday 13th: fay opens a ticket, starts a chat and answers NPS 8 (360 s, no pages).
    at(when(13), "fay", "Support Ticket Created"),
    at(when(13, minute=5), "fay", "Chat Started"),
    nps(when(13, minute=6), "fay", 8),
    # Friday 14th: gus bounces (one page, nothing else).
    page(when(14), "gus"),
    # Sunday 16th: ann lands, buys for 30 USD and 25 EUR, answers NPS 10 (3,000 s, 1 page).
    page(when(16), "ann"),
    order(when(16, minute=20), "ann", 30),
    order(when(16, minute=40), "ann", 25, "EUR"),
    nps(when(16, minute=50), "ann", 10),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("kpis") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys
    journeys.close()


@pytest.fixture
def dashboard(shop, engine):
    return engine.run(shop.ws, "kpis", date_from=R_FROM, date_to=R_TO, churn_days=3)


def value(result, name: str, unit: str | None = None) -> float | None:
    return result.get(name, unit).value


def test_active_users(dashboard):
    # Active in R: cat, eve, fay, gus, ann (dan was only e-mailed). One a day on the 10th,
    # 11th, 12th (eve's order), 13th, 14th and 16th; nobody on the 15th.
    assert value(dashboard, "active_persons") == 5
    assert value(dashboard, "dau") == pytest.approx(6 / 7)
    assert value(dashboard, "dau_last") == 1  # ann on the 16th
    assert value(dashboard, "wau") == 5 and value(dashboard, "wau_last") == 5  # one ISO week
    assert value(dashboard, "mau") == 5 and value(dashboard, "mau_last") == 5
    # P: ann, dan, cat on the 3rd, 4th and 5th.
    assert dashboard.get("dau").previous == pytest.approx(3 / 7)


def test_purchases_and_money(dashboard):
    assert value(dashboard, "orders") == 3  # eve 50 USD, ann 30 USD and 25 EUR
    assert value(dashboard, "buyers") == 2
    assert value(dashboard, "conversion_rate") == pytest.approx(2 / 5)  # eve, ann of 5 active
    assert value(dashboard, "purchase_frequency") == pytest.approx(3 / 2)
    assert value(dashboard, "repeat_purchase_rate") == pytest.approx(1 / 2)  # ann
    # Never added across currencies: one row each.
    assert value(dashboard, "revenue", "USD") == 80
    assert value(dashboard, "revenue", "EUR") == 25
    assert value(dashboard, "average_order_value", "USD") == 40
    assert value(dashboard, "average_order_value", "EUR") == 25
    usd = dashboard.get("revenue", "USD")
    assert (usd.previous, usd.change) == (20, 60)  # cat's order in P
    assert dashboard.get("revenue", "EUR").previous is None
    assert dashboard.get("orders").change == 2


def test_churn_retention_and_nps(dashboard):
    # Customers before R: ann, bob (February), cat (5 March). In R's last 3 days (14–16 March)
    # only ann did anything: bob and cat churned.
    assert value(dashboard, "churn_rate") == pytest.approx(2 / 3)
    # Active in P: ann, dan, cat; ann and cat came back in R.
    assert value(dashboard, "retention_rate") == pytest.approx(2 / 3)
    assert dashboard.get("retention_rate").previous is None  # nobody was active before P
    # NPS answers 6, 9, 8, 10: promoters 2 (50 %), detractors 1 (25 %).
    assert value(dashboard, "nps") == pytest.approx(25)
    assert dashboard.get("nps").previous is None


def test_sessions_and_support(dashboard):
    # Sessions started in R: cat 60 s, eve 900 s and 0 s, fay 360 s, gus 0 s, ann 3,000 s
    # (dan's e-mail is no visit). With page views: cat (1), eve (2), gus (1), ann (1); gus
    # bounced.
    assert value(dashboard, "average_session_duration") == pytest.approx(4320 / 6)
    assert value(dashboard, "pages_per_session") == pytest.approx(5 / 4)
    assert value(dashboard, "bounce_rate") == pytest.approx(1 / 4)
    # P (3–9 March): ann's and dan's product views and cat's order, one event each (0 s) and
    # no page view among them: no pages per session, no bounce rate.
    duration = dashboard.get("average_session_duration")
    assert (duration.previous, duration.change) == (0, pytest.approx(4320 / 6))
    assert dashboard.get("pages_per_session").previous is None
    assert dashboard.get("bounce_rate").previous is None
    # fay's ticket and chat, over 5 active persons.
    assert value(dashboard, "support_contacts_per_customer") == pytest.approx(2 / 5)


def test_revenue_is_net_of_refunds_counted_at_the_order_date(tmp_path, engine):
    journeys = Journeys(tmp_path / "ws")
    try:
        journeys.send(order(when(11), "hal", 60, order_id="h1"),
                      order(when(12), "hal", 40, order_id="h2"))  # fmt: skip
        # h1 is refunded on 20 March, after R: the refund still counts in R, at h1's date.
        journeys.send(at(when(20), "hal", "Order Refunded", properties={"order_id": "h1"}))
        result = engine.run(journeys.ws, "kpis", date_from=R_FROM, date_to=R_TO, compare=False)
    finally:
        journeys.close()
    assert value(result, "gross_revenue", "USD") == 100
    assert value(result, "refunds", "USD") == 60
    assert value(result, "revenue", "USD") == 40
    assert (value(result, "orders"), value(result, "refunded_orders")) == (2, 1)
    assert value(result, "average_order_value", "USD") == 50  # gross ÷ the orders placed
    assert value(result, "purchase_frequency") == 2  # a refunded order is still an order


def test_the_events_are_configurable(shop, engine):
    result = engine.run(
        shop.ws, "kpis", date_from=R_FROM, date_to=R_TO, compare=False,
        conversion_event="Support Ticket Created", ignore_events=[],
    )  # fmt: skip
    # dan's e-mail now counts as activity: 6 active; fay converts.
    assert value(result, "active_persons") == 6
    assert value(result, "conversion_rate") == pytest.approx(1 / 6)
    assert result.get("orders").previous is None and result.previous_from is None


def test_the_default_range_is_the_last_30_days(shop, engine):
    result = engine.run(shop.ws, "kpis", compare=False)
    # The last event is on 16 March: the range ends at the end of that day.
    assert (result.date_from, result.date_to) == (datetime(2025, 2, 15), R_TO)
    assert value(result, "revenue", "USD") == 100 + 40 + 20 + 80  # every order but EUR's


def test_bad_queries_say_what_to_do(shop, engine):
    with pytest.raises(AnalysisError, match="date range is reversed"):
        engine.run(shop.ws, "kpis", date_from=R_TO, date_to=R_FROM)
    with pytest.raises(AnalysisError, match="churn_days"):
        engine.run(shop.ws, "kpis", churn_days=0)


def test_the_cli_prints_the_dashboard(tmp_path):
    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    journeys.close()
    args = ["kpis", "--workspace", str(tmp_path / "ws"), "--from", "2025-03-10", "--to",
            "2025-03-17", "--churn-days", "3"]  # fmt: skip
    rows = cli(*args, "--format", "csv").stdout.splitlines()
    assert rows[0] == "name,value,unit,previous,change,change_reason,period_start,in_progress"
    assert "revenue,80.0,USD,20.0,60.0,,,False" in rows
    assert "revenue,25.0,EUR,,,,,False" in rows
    assert "refunds,0.0,USD,0.0,0.0,,,False" in rows
    assert "gross_revenue,80.0,USD,20.0,60.0,,,False" in rows
    data = json.loads(cli(*args, "--format", "json").stdout)
    assert {k["name"] for k in data["kpis"]} >= {"dau", "nps", "churn_rate", "bounce_rate"}
