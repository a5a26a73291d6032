"""Paths as journeys, with every transition worked out by hand (docs/architecture.md "Paths")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.dialect import regex_replacement
from journeylens.analyses.paths import PathsQuery
from tests.journeys import Journeys

T0 = datetime(2025, 3, 3, 10, 0, 0)


def stamp(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat() + "Z"


def page(user: str, path: str, minutes: float, name: str | None = None) -> dict:
    message = {
        "type": "page",
        "userId": user,
        "timestamp": stamp(minutes),
        "properties": {"path": path},
    }
    if name:
        message["name"] = name
    return message


def event(user: str, name: str, minutes: float) -> dict:
    return {"type": "track", "userId": user, "event": name, "timestamp": stamp(minutes)}


JOURNEYS = [
    # ann, session A1: home, a product, adds it, orders.
    page("ann", "/", 0, "Home"),
    page("ann", "/products/a", 1, "Product"),
    event("ann", "Product Added", 2),
    event("ann", "Order Completed", 3),
    # ann, session A2 two hours later (over 30 minutes idle): home, then the blog.
    page("ann", "/", 120),
    page("ann", "/blog/x", 121),
    # bob and eve: home twice (a loop), a product, leave.
    page("bob", "/", 0),
    page("bob", "/", 1),
    page("bob", "/products/b", 2),
    page("eve", "/", 0),
    page("eve", "/", 1),
    page("eve", "/products/b", 2),
    # cat: seven steps, so her path is cut at five.
    page("cat", "/blog/y", 0),
    page("cat", "/", 1),
    page("cat", "/products/c", 2),
    event("cat", "Product Added", 3),
    page("cat", "/products/c", 4),
    event("cat", "Order Completed", 5),
    page("cat", "/", 6),
    # dan: two different product pages (one after cleaning).
    page("dan", "/products/x", 0),
    page("dan", "/products/y", 1),
]
PRODUCTS = "^/products/[^/]+$ => /products/:id"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("paths") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def links(result) -> dict[tuple[str, str], tuple[int, int]]:
    return {(t.source, t.target): (t.users, t.count) for t in result.transitions}


def test_per_session_transitions_count_users_and_occurrences(engine, shop):
    result = engine.run(shop, "paths")
    assert links(result) == {
        # A1, A2, bob, eve start at home: 3 persons, 4 sessions.
        ("[start]", "1_/"): (3, 4),
        ("[start]", "1_/blog/y"): (1, 1),
        ("[start]", "1_/products/x"): (1, 1),
        ("1_/", "2_/products/a"): (1, 1),
        ("1_/", "2_/blog/x"): (1, 1),
        ("1_/", "2_/"): (2, 2),  # bob, eve
        ("1_/blog/y", "2_/"): (1, 1),
        ("1_/products/x", "2_/products/y"): (1, 1),
        ("2_/products/a", "3_Product Added"): (1, 1),
        ("2_/blog/x", "[end]"): (1, 1),
        ("2_/", "3_/products/b"): (2, 2),
        ("2_/", "3_/products/c"): (1, 1),
        ("2_/products/y", "[end]"): (1, 1),
        ("3_Product Added", "4_Order Completed"): (1, 1),
        ("3_/products/b", "[end]"): (2, 2),
        ("3_/products/c", "4_Product Added"): (1, 1),
        ("4_Order Completed", "[end]"): (1, 1),
        ("4_Product Added", "5_/products/c"): (1, 1),
        # cat's fifth step is where her path is cut: no link onwards, no [end].
    }
    assert (result.paths, result.users) == (6, 5)
    nodes = {n.name: (n.users, n.count) for n in result.nodes}
    assert nodes["[start]"] == (5, 6)
    assert nodes["[end]"] == (4, 5)  # A1, A2, bob, eve, dan end within five steps
    assert nodes["1_/"] == (3, 4)
    assert result.nodes[0].name == "[start]" and result.nodes[-1].name == "[end]"
    # Sankey links point at node indices and carry users as the value.
    names = [n.name for n in result.nodes]
    assert {(names[k.source], names[k.target], k.value) for k in result.links} == {
        (s, t, u) for (s, t), (u, _) in links(result).items()
    }
    top = result.top_paths[0]
    assert (top.steps, top.complete, top.users, top.count) == (
        ["/", "/", "/products/b"],
        True,
        2,
        2,
    )
    cut = next(p for p in result.top_paths if p.steps[0] == "/blog/y")
    assert cut.complete is False and len(cut.steps) == 5
    # Paths reaching Order Completed start at home (A1) and on the blog (cat).
    assert [(e.step, e.users) for e in result.entries_to_purchase] == [("/", 1), ("/blog/y", 1)]
    # Paths that never buy end on /products/b (bob, eve), /blog/x (A2), /products/y (dan).
    assert [(e.step, e.users) for e in result.exits] == [
        ("/products/b", 2),
        ("/blog/x", 1),
        ("/products/y", 1),
    ]


def test_per_person_joins_sessions(engine, shop):
    result = engine.run(shop, "paths", per="person")
    found = links(result)
    # ann's two sessions make one path of six steps: cut after 5_/ (her second home visit).
    assert found[("[start]", "1_/")] == (3, 3)  # ann, bob, eve
    assert found[("4_Order Completed", "5_/")] == (1, 1)
    assert ("4_Order Completed", "[end]") not in found
    assert ("2_/blog/x", "[end]") not in found
    assert (result.paths, result.users) == (5, 5)
    assert [(e.step, e.users) for e in result.exits] == [("/products/b", 2), ("/products/y", 1)]


def test_loops_collapse(engine, shop):
    found = links(engine.run(shop, "paths", collapse_loops=True))
    # bob and eve: home, home, product → home, product.
    assert found[("1_/", "2_/products/b")] == (2, 2)
    assert found[("2_/products/b", "[end]")] == (2, 2)
    assert ("1_/", "2_/") not in found
    assert found[("[start]", "1_/")] == (3, 4)


def test_cleaning_rewrites_pages_before_loops_collapse(engine, shop):
    found = links(engine.run(shop, "paths", clean=[PRODUCTS]))
    assert found[("2_/", "3_/products/:id")] == (3, 3)  # bob, eve, cat
    assert found[("1_/products/:id", "2_/products/:id")] == (1, 1)  # dan's two products
    assert found[("3_/products/:id", "[end]")] == (2, 2)
    both = links(engine.run(shop, "paths", clean=[PRODUCTS], collapse_loops=True))
    # After cleaning dan's two product pages are a loop of one step.
    assert both[("[start]", "1_/products/:id")] == (1, 1)
    assert both[("1_/products/:id", "[end]")] == (1, 1)
    grouped = links(engine.run(shop, "paths", clean=[r"^/products/([a-z])$ => /p/\1"]))
    assert grouped[("1_/", "2_/p/a")] == (1, 1)


def test_start_event(engine, shop):
    result = engine.run(shop, "paths", start_event="/")
    found = links(result)
    # dan never visits home; cat's path starts at her second step, ending cut at 5.
    assert found[("[start]", "1_/")] == (4, 5)
    assert found[("1_/", "2_/products/c")] == (1, 1)
    assert found[("4_/products/c", "5_Order Completed")] == (1, 1)
    assert ("5_Order Completed", "[end]") not in found
    assert result.paths == 5
    assert [(e.step, e.users, e.count) for e in result.entries_to_purchase] == [("/", 2, 2)]


def test_end_event_keeps_the_steps_before_it(engine, shop):
    result = engine.run(shop, "paths", end_event="Order Completed")
    # Only A1 and cat order. cat has six steps up to it: the last five are shown.
    assert links(result) == {
        ("[start]", "1_/"): (2, 2),
        ("1_/", "2_/products/a"): (1, 1),
        ("1_/", "2_/products/c"): (1, 1),
        ("2_/products/a", "3_Product Added"): (1, 1),
        ("2_/products/c", "3_Product Added"): (1, 1),
        ("3_Product Added", "4_Order Completed"): (1, 1),
        ("3_Product Added", "4_/products/c"): (1, 1),
        ("4_Order Completed", "[end]"): (1, 1),
        ("4_/products/c", "5_Order Completed"): (1, 1),
        ("5_Order Completed", "[end]"): (1, 1),
    }
    # Entries look at the whole path: cat came in on the blog, before the shown steps.
    assert [e.step for e in result.entries_to_purchase] == ["/", "/blog/y"]


def test_start_and_end_event(engine, shop):
    found = links(engine.run(shop, "paths", start_event="/products/c", end_event="Order Completed"))
    assert found == {
        ("[start]", "1_/products/c"): (1, 1),
        ("1_/products/c", "2_Product Added"): (1, 1),
        ("2_Product Added", "3_/products/c"): (1, 1),
        ("3_/products/c", "4_Order Completed"): (1, 1),
        ("4_Order Completed", "[end]"): (1, 1),
    }
    # The end must come after the start: nobody orders twice.
    none = engine.run(
        shop, "paths", per="person", start_event="Order Completed", end_event="Order Completed"
    )
    assert (none.transitions, none.paths, none.top_paths) == ([], 0, [])


def test_page_names_event_only_paths_and_date_range(engine, shop):
    named = links(engine.run(shop, "paths", page_step="name"))
    assert named[("[start]", "1_Home")] == (1, 1)  # only A1's pages carry names
    assert named[("1_Home", "2_Product")] == (1, 1)
    assert named[("[start]", "1_/")] == (3, 3)  # A2, bob, eve fall back to the path
    events_only = links(engine.run(shop, "paths", include="events"))
    assert events_only == {
        ("[start]", "1_Product Added"): (2, 2),
        ("1_Product Added", "2_Order Completed"): (2, 2),
        ("2_Order Completed", "[end]"): (2, 2),
    }
    early = links(engine.run(shop, "paths", date_to=T0 + timedelta(minutes=60)))
    assert early[("[start]", "1_/")] == (3, 3)  # A2 (two hours in) is left out
    no_home = links(engine.run(shop, "paths", exclude=["/"], max_steps=1))
    assert no_home[("[start]", "1_/products/b")] == (2, 2)
    assert no_home[("1_/products/b", "[end]")] == (2, 2)


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="PATTERN => REPLACEMENT"):
        PathsQuery.parse({"clean": ["/products/"]})
    with pytest.raises(AnalysisError, match="look-around"):
        PathsQuery.parse({"clean": ["^/(?!blog) => x"]})
    with pytest.raises(AnalysisError, match="not a valid regex"):
        PathsQuery.parse({"clean": ["([ => x"]})
    with pytest.raises(AnalysisError, match="max_steps"):
        PathsQuery.parse({"max_steps": 0})


def test_hostile_names_are_values(engine, shop):
    hostile = "x'; DROP TABLE events; --"
    result = engine.run(shop, "paths", start_event=hostile, clean=[f"{hostile} => '"])
    assert result.paths == 0
    cleaned = links(engine.run(shop, "paths", clean=['^/$ => it\'s "home"']))
    assert cleaned[("[start]", '1_it\'s "home"')] == (3, 4)


def test_spark_replacement_text():
    assert regex_replacement(r"/p/\1", "duckdb") == r"/p/\1"
    assert regex_replacement(r"/p/\1", "pyspark") == "/p/$1"
    assert regex_replacement("$5 \\\\ off", "pyspark") == "\\$5 \\\\ off"


def test_the_cli_returns_transitions(tmp_path):
    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    journeys.close()
    where = str(tmp_path / "ws")
    printed = cli("paths", "--workspace", where, "--per", "person", "--format", "json")
    data = json.loads(printed.stdout)
    assert {"source": "[start]", "target": "1_/", "users": 3, "count": 3} in data["transitions"]


STEPS = st.sampled_from(["/", "/a", "/b", "Buy"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["u1", "u2", "u3"]), STEPS, st.integers(0, 24 * 60)),
        min_size=1,
        max_size=25,
    )
)
def test_users_never_exceed_counts_and_flow_never_grows(tmp_path_factory, journey):
    shop = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        shop.send(*[event(u, s, m) if s == "Buy" else page(u, s, m) for u, s, m in journey])
        for options in ({}, {"per": "person", "collapse_loops": True}, {"max_steps": 2}):
            result = shop.ws.paths(purchase_event="Buy", **options)
            nodes = {n.name: n for n in result.nodes}
            for t in result.transitions:
                assert 1 <= t.users <= t.count
            for name, node in nodes.items():
                into = [t for t in result.transitions if t.target == name]
                out = [t for t in result.transitions if t.source == name]
                # Each path passes a node once: arrivals are its count, departures at most it.
                assert sum(t.count for t in out) <= node.count
                assert all(t.users <= node.users for t in out)
                if name != "[start]":
                    assert sum(t.count for t in into) == node.count
                    assert node.users <= sum(t.users for t in into)
            persons = len({u for u, _, _ in journey})
            assert nodes["[start]"].users == persons == result.users
    finally:
        shop.close()
