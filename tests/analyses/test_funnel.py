"""Funnels as journeys, with the numbers worked out by hand (DESIGN.md "Funnels")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.funnel import FunnelError, FunnelQuery, parse_window
from tests.journeys import Journeys

T0 = datetime(2025, 3, 3, 10, 0, 0)


def at(**offset: float) -> str:
    return (T0 + timedelta(**offset)).isoformat() + "Z"


def visit(user: str, event: str, **offset: float) -> dict:
    return {"type": "track", "userId": user, "event": event, "timestamp": at(**offset)}


JOURNEYS = [
    # alice: straight through in 20 minutes.
    visit("alice", "Viewed"),
    visit("alice", "Added", minutes=5),
    visit("alice", "Ordered", minutes=20),
    # bob: adds a day later, never orders.
    visit("bob", "Viewed"),
    visit("bob", "Added", days=1),
    # carol: adds before she views: the add does not count.
    visit("carol", "Added", hours=-1),
    visit("carol", "Viewed"),
    # dan: adds after 15 days, outside the 14-day window.
    visit("dan", "Viewed"),
    visit("dan", "Added", days=15),
    # erin: the window runs from her FIRST view; her add is 14.5 days after it.
    visit("erin", "Viewed"),
    visit("erin", "Viewed", days=1),
    visit("erin", "Added", days=14.5),
    # frank: orders without viewing: not in the funnel.
    visit("frank", "Ordered"),
    # gina: an order before the add does not count; the one after does.
    visit("gina", "Viewed"),
    visit("gina", "Ordered", hours=1),
    visit("gina", "Added", hours=2),
    visit("gina", "Ordered", hours=3),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("funnel") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def test_sequential_funnel_with_a_14_day_window(shop):
    result = shop.funnel(["Viewed", "Added", "Ordered"])
    assert [s.users for s in result.steps] == [6, 3, 2]  # alice, bob, gina add; alice, gina order
    assert [s.drop_off for s in result.steps] == [0, 3, 1]
    assert result.steps[1].overall_rate == pytest.approx(0.5)
    assert result.steps[2].step_rate == pytest.approx(2 / 3)
    # Viewed → Added: alice 300 s, bob 86,400 s, gina 7,200 s.
    assert result.steps[1].median_seconds_to_convert == 7200
    assert result.steps[1].mean_seconds_to_convert == pytest.approx((300 + 86400 + 7200) / 3)
    # Added → Ordered: alice 900 s, gina 3,600 s.
    assert result.steps[2].median_seconds_to_convert == pytest.approx(2250)
    assert result.steps[0].median_seconds_to_convert is None


def test_unlimited_window(shop):
    result = shop.funnel(["Viewed", "Added", "Ordered"], window=None)
    assert [s.users for s in result.steps] == [6, 5, 2]  # dan and erin now add too


def test_a_step_may_be_any_of_several_events(shop):
    result = shop.funnel(["Viewed", "Added|Ordered"])
    # gina's first qualifying event after viewing is her order at 1 h.
    assert [s.users for s in result.steps] == [6, 3]
    assert result.steps[1].name == "Added | Ordered"


def test_date_range_applies_to_step_one(shop):
    result = shop.funnel(["Viewed", "Added"], date_from=T0 + timedelta(hours=12))
    # Only erin views after T0 + 12 h (her second view, on day 1): she enters there, and her
    # add on day 14.5 is 13.5 days later, inside the window counted from that entry.
    assert [s.users for s in result.steps] == [1, 1]
    before = shop.funnel(["Viewed", "Added"], date_to=T0 + timedelta(hours=12))
    assert [s.users for s in before.steps] == [6, 3]


def test_bad_queries_say_what_to_do():
    with pytest.raises(FunnelError, match="at least two steps"):
        FunnelQuery.parse({"steps": ["Viewed"]})
    with pytest.raises(FunnelError, match="14d"):
        parse_window("fortnight")
    assert parse_window("36h") == timedelta(hours=36)
    assert parse_window("none") is None


users = st.sampled_from(["u1", "u2", "u3", "u4"])
names = st.sampled_from(["A", "B", "C"])
hours = st.floats(min_value=0, max_value=24 * 20, allow_nan=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(users, names, hours), min_size=1, max_size=30))
def test_a_step_never_exceeds_the_previous_one(tmp_path_factory, journey):
    shop = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        shop.send(*[visit(user, name, hours=h) for user, name, h in journey])
        for window in (timedelta(days=14), None):
            counts = [s.users for s in shop.ws.funnel(["A", "B", "C"], window=window).steps]
            assert counts == sorted(counts, reverse=True)
            assert counts[0] == len({u for u, n, _ in journey if n == "A"})
    finally:
        shop.close()


HOSTILE = ["x'; DROP TABLE events; --", 'quo"te', "back\\slash", "名字|שם", "🙂"]


def test_hostile_step_names_are_values_not_sql(shop):
    for name in HOSTILE:
        result = shop.funnel(["Viewed", name])
        assert [s.users for s in result.steps] == [6, 0]
    assert shop.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(JOURNEYS)


def test_the_cli_and_the_http_api_give_the_python_answer(tmp_path):
    import json

    import httpx

    from tests.conftest import Server, cli, create_key

    workspace = tmp_path / "ws"
    journeys = Journeys(workspace)
    journeys.send(*JOURNEYS)
    expected = journeys.ws.funnel(["Viewed", "Added", "Ordered"]).to_dict()
    journeys.close()

    three_steps = ["funnel", "--workspace", str(workspace), "--step", "Viewed", "--step", "Added"]
    three_steps += ["--step", "Ordered", "--format", "json"]
    printed = cli(*three_steps)
    assert json.loads(printed.stdout) == expected
    as_csv = cli(
        "funnel",
        "--workspace",
        str(workspace),
        "--step",
        "Viewed",
        "--step",
        "Added",
        "--format",
        "csv",
    )
    assert as_csv.stdout.splitlines()[1].startswith("Viewed,6,")

    admin = create_key(workspace, "admin")
    server = Server(workspace).start()
    try:
        body = {"steps": ["Viewed", "Added", "Ordered"], "window": "14d"}
        answer = httpx.post(f"{server.url}/api/funnels", json=body, auth=(admin, ""))
        assert answer.status_code == 200 and answer.json() == expected
        get = httpx.get(
            f"{server.url}/api/funnels",
            params=[("step", "Viewed"), ("step", "Added")],
            auth=(admin, ""),
        )
        assert [s["users"] for s in get.json()["steps"]] == [6, 3]
        bad = httpx.post(f"{server.url}/api/funnels", json={"steps": ["Viewed"]}, auth=(admin, ""))
        assert bad.status_code == 422 and "two steps" in bad.json()["message"]
        # While the server owns the workspace the CLI asks it.
        via_server = cli(*three_steps)
        assert json.loads(via_server.stdout) == expected
    finally:
        server.stop()


def test_breakdown_by_first_touch(tmp_path):
    shop = Journeys(tmp_path / "ws")
    web = {"context": {"library": {"name": "analytics.js"}}}
    app = {"context": {"library": {"name": "analytics-ios"}}}
    shop.send(
        # ana starts on the web and orders in the app: first touch is web.
        {**visit("ana", "Viewed"), **web},
        {**visit("ana", "Viewed", hours=1), **app},
        {**visit("ana", "Ordered", hours=2), **app},
        {**visit("ben", "Viewed"), **app},
        {**visit("ben", "Ordered", hours=1), **app},
        {**visit("cat", "Viewed"), **app},
    )
    result = shop.ws.funnel(["Viewed", "Ordered"], breakdown="context.library.name")
    groups = {g.value: [s.users for s in g.steps] for g in result.breakdown}
    assert groups == {"analytics.js": [1, 1], "analytics-ios": [2, 1]}
    assert [s.users for s in result.steps] == [3, 2]
    by_channel = shop.ws.funnel(["Viewed", "Ordered"], breakdown="channel")
    assert {g.value: g.steps[1].users for g in by_channel.breakdown} == {"web": 1, "app": 1}
    with pytest.raises(FunnelError, match=r"properties\.KEY"):
        shop.ws.funnel(["Viewed", "Ordered"], breakdown="password; DROP")
    hostile = shop.ws.funnel(
        ["Viewed", "Ordered"], breakdown="properties.x'; DROP TABLE events; --"
    )
    assert [g.value for g in hostile.breakdown] == [None]
    shop.close()
