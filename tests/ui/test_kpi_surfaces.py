"""One definition per KPI, everywhere (issue 12 item 2): every surface gives the same number.

A small shop of its own (not the demo), written by hand, served by a real ``journeylens
serve``. The range R is June 2026 (``[1 June, 1 July)``, the pages' ``from=2026-06-01``,
``to=2026-06-30``); the workspace is in UTC and its currency is USD.

======  ==========  =====  ===========  =======================================
person  ordered     order  revenue      afterwards
======  ==========  =====  ===========  =======================================
zoe     20 May      z1     70 USD       – (before R: a customer, then silent)
ann     3 June      a1     120 USD      –
ann     10 June     a2     30 USD       refunded on 20 June
bob     5 June      b1     50 EUR       –
bob     5 June      b2     80 USD       refunded on 3 July, after R
cat     –           –      –            views pages on 15 June
======  ==========  =====  ===========  =======================================

Worked out by hand, for R: four orders (a1, a2, b1, b2), two of them refunded, two buyers.
USD: gross 120 + 30 + 80 = 230, refunds 30 + 80 = 110 (b2's refund counts in R, at its
order's date, though it came after R), revenue (net) 120, average order value 230 / 3.
EUR: gross 50, no refunds, revenue 50. Active: ann, bob, cat (an ``Order Refunded`` is the
business's doing, not activity): 3; conversion 2 / 3. Churn: of the customers before R (zoe),
all did nothing in R's last 30 days: 1. The previous range (2 May – 1 June) has zoe's 70 USD.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from journeylens.demo.load import business_summary
from tests.conftest import Server, cli, create_key
from tests.journeys import Journeys, at
from tests.ui.conftest import ADMIN, Shop, create_user, signed_in

R_FROM, R_TO = datetime(2026, 6, 1), datetime(2026, 7, 1)
PAGE_RANGE = {"from": "2026-06-01", "to": "2026-06-30"}  # the pages' days, both inclusive
API_RANGE = {"date_from": "2026-06-01", "date_to": "2026-07-01"}  # end exclusive

# R by hand (see the module docstring).
USD = {"gross_revenue": 230.0, "refunds": 110.0, "revenue": 120.0}
EUR = {"gross_revenue": 50.0, "refunds": 0.0, "revenue": 50.0}
COUNTS = {"orders": 4, "refunded_orders": 2, "buyers": 2, "active_persons": 3}
RATES = {"conversion_rate": 2 / 3, "churn_rate": 1.0, "average_order_value": 230 / 3}


def when(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour)


def order(moment: datetime, user: str, order_id: str, revenue: float, currency: str) -> dict:
    properties = {"order_id": order_id, "revenue": revenue, "currency": currency}
    return at(moment, user, "Order Completed", properties=properties)


def refund(moment: datetime, user: str, order_id: str) -> dict:
    return at(moment, user, "Order Refunded", properties={"order_id": order_id})


def page(moment: datetime, user: str) -> dict:
    return {"type": "page", "userId": user, "name": "Home", "timestamp": moment.isoformat() + "Z"}


ORDERS = [
    order(when(5, 20), "zoe", "z1", 70, "USD"),
    order(when(6, 3), "ann", "a1", 120, "USD"),
    order(when(6, 10), "ann", "a2", 30, "USD"),
    order(when(6, 5), "bob", "b1", 50, "EUR"),
    order(when(6, 5, 11), "bob", "b2", 80, "USD"),
    page(when(6, 15), "cat"),
    page(when(6, 15, 11), "cat"),
]
REFUNDS = [refund(when(6, 20), "ann", "a2"), refund(when(7, 3), "bob", "b2")]


@dataclass
class World:
    shop: Shop
    python: dict[str, Any]  # ws.kpis(...) for R, as JSON
    whole_history: dict[str, Any]  # ws.kpis(...) over every order, as JSON
    summary: dict[str, Any]  # the demo summary's numbers for this workspace
    persons: dict[str, int]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    workspace = tmp_path_factory.mktemp("kpi-surfaces") / "ws"
    journeys = Journeys(workspace)
    try:
        journeys.send(*ORDERS)
        journeys.send(*REFUNDS)  # after the orders they name are stored
        python = journeys.ws.kpis(date_from=R_FROM, date_to=R_TO).to_dict()
        everything = journeys.ws.kpis(
            date_from=datetime(2026, 5, 1), date_to=datetime(2026, 8, 1), compare=False
        ).to_dict()
        summary = business_summary(journeys.ws.con, journeys.ws.config.currency)
        persons = {who: journeys.person_of(who) for who in ("ann", "bob", "zoe")}
    finally:
        journeys.close()
    done = create_user(workspace, *ADMIN, "--role", "admin")
    assert done.returncode == 0, done.stderr
    read_key, admin_key = create_key(workspace, "read"), create_key(workspace, "admin")
    server = Server(workspace).start(timeout=120)
    try:
        yield World(Shop(server, workspace, read_key, admin_key), python, everything, summary,
                    persons)  # fmt: skip
    finally:
        server.stop()


@pytest.fixture(scope="module")
def admin(world: World):
    client = signed_in(world.shop, ADMIN)
    try:
        yield client
    finally:
        client.close()


def kpi(answer: dict[str, Any], name: str, unit: str | None = None) -> dict[str, Any]:
    found = [k for k in answer["kpis"] if k["name"] == name and unit in (None, k["unit"])]
    assert len(found) == 1, (name, unit, answer["kpis"])
    return found[0]


def assert_the_hand_worked_numbers(answer: dict[str, Any]) -> None:
    for currency, money in (("USD", USD), ("EUR", EUR)):
        for name, expected in money.items():
            assert kpi(answer, name, currency)["value"] == pytest.approx(expected), name
    for name, expected in COUNTS.items():
        assert kpi(answer, name)["value"] == expected, name
    assert kpi(answer, "conversion_rate")["value"] == pytest.approx(RATES["conversion_rate"])
    assert kpi(answer, "churn_rate")["value"] == pytest.approx(RATES["churn_rate"])
    assert kpi(answer, "average_order_value", "USD")["value"] == pytest.approx(230 / 3)
    # The previous range (2 May – 1 June): zoe's order only.
    assert kpi(answer, "revenue", "USD")["previous"] == 70
    assert kpi(answer, "orders")["previous"] == 1


def comparable(answer: dict[str, Any]) -> list[tuple]:
    return [(k["name"], k["unit"], k["value"], k["previous"], k["change"]) for k in answer["kpis"]]


def test_python_gives_the_numbers_worked_out_by_hand(world):
    assert_the_hand_worked_numbers(world.python)


def test_the_api_and_the_cli_give_the_same_kpis(world):
    api = world.shop.api("/api/kpis", **API_RANGE)
    assert_the_hand_worked_numbers(api)
    assert comparable(api) == comparable(world.python)
    # The real command line, which asks the running server with its local token.
    args = ["kpis", "--workspace", str(world.shop.workspace), "--from", "2026-06-01",
            "--to", "2026-07-01", "--format", "json"]  # fmt: skip
    printed = json.loads(cli(*args).stdout)
    assert comparable(printed) == comparable(world.python)


def test_the_overview_tiles_and_sparklines_read_the_same_orders(world, admin):
    data = admin.get("/", params={**PAGE_RANGE, "format": "json"}).json()
    tiles = {tile["name"]: tile for tile in data["tiles"]}
    assert tiles["revenue"]["unit"] == "USD" and tiles["revenue"]["value"] == 120  # net
    assert tiles["orders"]["value"] == 4
    assert tiles["average_order_value"]["value"] == pytest.approx(230 / 3)
    assert tiles["active_persons"]["value"] == 3
    assert tiles["conversion_rate"]["value"] == pytest.approx(2 / 3)
    assert tiles["churn_rate"]["value"] == 1
    for name, tile in tiles.items():
        unit = tile["unit"]
        assert tile["value"] == kpi(world.python, name, unit)["value"], name
    # Sparklines: the same numbers per day of June (30 days, UTC), adding up to the tile.
    days = [date(2026, 6, 1) + timedelta(days=n) for n in range(30)]
    revenue = dict(zip(days, tiles["revenue"]["daily"], strict=True))
    orders = dict(zip(days, tiles["orders"]["daily"], strict=True))
    assert revenue[date(2026, 6, 3)] == 120  # a1
    assert revenue[date(2026, 6, 5)] == 0  # b2's 80 USD refunded (b1 is in EUR)
    assert revenue[date(2026, 6, 10)] == 0  # a2's 30 USD refunded
    assert sum(revenue.values()) == tiles["revenue"]["value"]
    assert (orders[date(2026, 6, 3)], orders[date(2026, 6, 5)], orders[date(2026, 6, 10)]) == (
        1, 2, 1,
    )  # fmt: skip
    assert sum(orders.values()) == tiles["orders"]["value"]
    aov = dict(zip(days, tiles["average_order_value"]["daily"], strict=True))
    assert aov[date(2026, 6, 5)] == 80 and aov[date(2026, 6, 1)] is None  # gross per order


def test_the_trends_kpi_table_is_the_same_table(world, admin):
    data = admin.get("/trends", params={**PAGE_RANGE, "format": "json"}).json()
    assert comparable(data) == comparable(world.python)
    assert_the_hand_worked_numbers(data)
    kinds = {(k["name"], k["unit"]): k["kind"] for k in data["kpis"]}
    for name in ("revenue", "gross_revenue", "refunds", "average_order_value"):
        assert kinds[(name, "USD")] == kinds[(name, "EUR")] == "money", (
            name
        )  # shown with 2 decimals
    assert kinds[("refunded_orders", "orders")] == "count"
    # More refunds than before (110 USD against none) reads as a change for the worse.
    html = admin.get("/trends", params=PAGE_RANGE).text
    row = re.search(r'<tr data-kpi="refunds" data-unit="USD">.*?</tr>', html, re.DOTALL).group(0)
    assert '<span class="down">' in row and "+110.00" in row


def test_the_customer_360_counts_orders_and_money_the_same_way(world, admin):
    def orders_of(who: str) -> dict[str, Any]:
        profile = admin.get(f"/customers/{world.persons[who]}", params={"format": "json"})
        return profile.json()["orders"]

    ann, bob = orders_of("ann"), orders_of("bob")
    assert (ann["total"], ann["refunded"]) == (2, 1)
    assert ann["gross_revenue"] == {"USD": 150} and ann["refunds"] == {"USD": 30}
    assert ann["revenue"] == {"USD": 120}
    assert (bob["total"], bob["refunded"]) == (2, 1)
    assert bob["gross_revenue"] == {"EUR": 50, "USD": 80} and bob["refunds"] == {
        "EUR": 0,
        "USD": 80,
    }
    assert bob["revenue"] == {"EUR": 50, "USD": 0}
    # Every order of ann and bob is in R, and nobody else bought in R: their profiles add up
    # to the KPIs.
    for currency in ("USD", "EUR"):
        for name in ("gross_revenue", "refunds", "revenue"):
            total = sum(person[name].get(currency, 0) for person in (ann, bob))
            assert total == kpi(world.python, name, currency)["value"], (name, currency)
    assert ann["total"] + bob["total"] == kpi(world.python, "orders")["value"]


def test_the_demo_summary_is_the_whole_history_counted_the_same_way(world):
    # Every order: zoe's 70 USD too. USD gross 300, refunds 110, net 190; EUR 50.
    summary = world.summary
    assert summary["revenue"] == {"EUR": 50, "USD": 190}
    assert summary["gross_revenue"] == {"EUR": 50, "USD": 300}
    assert summary["refunds"] == {"EUR": 0, "USD": 110}
    assert (summary["orders"], summary["refunded_orders"]) == (5, 2)
    everything = world.whole_history
    for currency in ("USD", "EUR"):
        for name in ("gross_revenue", "refunds", "revenue"):
            assert summary[name][currency] == kpi(everything, name, currency)["value"]
    assert summary["orders"] == kpi(everything, "orders")["value"]
    assert summary["refunded_orders"] == kpi(everything, "refunded_orders")["value"]


def test_every_number_shown_has_its_definition_one_click_away(world, admin):
    overview = admin.get("/", params=PAGE_RANGE).text
    for name in ("revenue", "orders", "conversion_rate", "average_order_value",
                 "active_persons", "churn_rate", "nps"):  # fmt: skip
        assert f'data-definition="{name}"' in overview, name
    assert "Net revenue: gross revenue − refunds" in overview
    trends = admin.get("/trends", params=PAGE_RANGE).text
    for row in world.python["kpis"]:
        assert f'data-definition="{row["name"]}"' in trends, row["name"]
    profile = admin.get(f"/customers/{world.persons['ann']}").text
    assert 'data-definition="revenue"' in profile and 'data-definition="orders"' in profile


def test_every_kpi_is_defined_in_both_languages_and_in_the_docs():
    from journeylens.analyses.kpis import ORDER
    from journeylens.web.ui import i18n

    docs = (Path(__file__).parents[2] / "docs" / "kpis.md").read_text()
    for language in ("en", "zh"):
        catalogue = i18n.catalogue(language)
        missing = [name for name in ORDER if f"definition.{name}" not in catalogue]
        assert not missing, (language, missing)
    undocumented = [name for name in ORDER if f"| `{name}` |" not in docs]
    assert not undocumented, undocumented
