"""Journey stages as journeys, with the numbers worked out by hand (default mapping)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.stages import StagesQuery
from tests.journeys import Journeys

T0 = datetime(2025, 3, 3, 10, 0, 0)  # a Monday
DAY = 86400


def stamp(days: float) -> str:
    return (T0 + timedelta(days=days)).isoformat() + "Z"


def page(user: str, path: str, days: float) -> dict:
    return {"type": "page", "userId": user, "timestamp": stamp(days), "properties": {"path": path}}


def event(user: str, name: str, days: float, **properties: object) -> dict:
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "timestamp": stamp(days),
        "properties": properties,
    }


JOURNEYS = [
    # ann walks every stage: aware day 0, educated day 1, evaluates day 2, buys day 40
    # (12 April), advocates day 41 with a five-star review.
    page("ann", "/", 0),
    page("ann", "/blog/intro", 1),
    event("ann", "Product Viewed", 2),
    event("ann", "Order Completed", 40),
    event("ann", "Product Reviewed", 41, rating=5),
    # bob: a landing page, a two-star review (not advocacy), a pre-sale chat (evaluation).
    page("bob", "/lp/phones", 0),
    event("bob", "Product Reviewed", 3, rating=2),
    event("bob", "Chat Started", 5, topic="presale"),
    # cat buys first (day 10), then visits (11) and views a product (12).
    event("cat", "Order Completed", 10),
    page("cat", "/", 11),
    event("cat", "Product Viewed", 12),
    # eve and fay read a guide / the blog 3 and 7 days after their first visit.
    page("eve", "/", 0),
    page("eve", "/guides/setup", 3),
    page("fay", "/", 0),
    page("fay", "/blog/a", 7),
    # dan only opens e-mails: no stage.
    event("dan", "Email Opened", 1),
]
NAMES = ["awareness", "education", "evaluation", "purchase", "advocacy"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("stages") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def test_current_stage_is_the_highest_reached(engine, shop):
    result = engine.run(shop, "stages")
    assert [s.name for s in result.stages] == NAMES
    assert result.persons == 5  # dan has no stage
    assert [s.reached for s in result.stages] == [5, 3, 3, 2, 1]
    # ann advocacy, bob evaluation, cat purchase (bought before she evaluated), eve/fay education.
    assert [s.current for s in result.stages] == [0, 2, 1, 1, 1]
    assert result.stages[1].current_share == pytest.approx(2 / 5)


def test_stages_are_not_nested_and_say_who_skipped_the_one_before(engine, shop):
    result = engine.run(shop, "stages")
    reached = {s.name: s.reached for s in result.stages}
    # Only ann read the blog before evaluating; bob (a pre-sale chat) and cat (a product view
    # after buying) evaluated without ever reaching education: more evaluate than read.
    assert (reached["education"], reached["evaluation"]) == (3, 3)
    skipped = {s.name: s.skipped_previous for s in result.stages}
    # education: ann, eve and fay all visited first; evaluation: bob and cat skipped
    # education; purchase: ann and cat both evaluated (cat afterwards: ever counts);
    # advocacy: ann bought.
    assert skipped == {
        "awareness": 0, "education": 0, "evaluation": 2, "purchase": 0, "advocacy": 0
    }  # fmt: skip


def test_transitions_convert_later_with_median_time(engine, shop):
    result = engine.run(shop, "stages")
    found = {(t.source, t.target): t for t in result.transitions}
    aware = found[("awareness", "education")]
    # ann 1 day, eve 3 days, fay 7 days after their first visit; bob and cat never read.
    assert (aware.reached_source, aware.converted) == (5, 3)
    assert aware.conversion == pytest.approx(0.6)
    assert aware.median_seconds == pytest.approx(3 * DAY)
    assert aware.mean_seconds == pytest.approx(11 / 3 * DAY)
    educated = found[("education", "evaluation")]
    assert (educated.reached_source, educated.converted, educated.median_seconds) == (3, 1, DAY)
    # ann buys 38 days after evaluating; bob never buys; cat bought *before* evaluating.
    evaluated = found[("evaluation", "purchase")]
    assert (evaluated.reached_source, evaluated.converted) == (3, 1)
    assert evaluated.median_seconds == pytest.approx(38 * DAY)
    bought = found[("purchase", "advocacy")]
    assert (bought.reached_source, bought.converted, bought.conversion) == (2, 1, 0.5)


def test_distribution_by_month(engine, shop):
    result = engine.run(shop, "stages", period="month")
    table = {(c.period, c.stage): c.persons for c in result.distribution}
    # End of March: ann and bob evaluating, cat bought, eve and fay educated.
    assert [table[("2025-03-01", n)] for n in NAMES] == [0, 2, 2, 1, 0]
    # End of April: ann has bought and reviewed.
    assert [table[("2025-04-01", n)] for n in NAMES] == [0, 2, 1, 1, 1]
    assert {c.period for c in result.distribution} == {"2025-03-01", "2025-04-01"}


def test_a_date_range_is_as_of_its_end_with_earlier_history(engine, shop):
    result = engine.run(
        shop,
        "stages",
        period="week",
        date_from=datetime(2025, 3, 10),
        date_to=datetime(2025, 3, 17),
    )
    # Only the week of Monday 10 March is shown (the range ends at midnight before the 17th);
    # everything before it counts, ann's order (12 April) does not.
    assert {c.period for c in result.distribution} == {"2025-03-10"}
    table = {c.stage: c.persons for c in result.distribution}
    assert [table[n] for n in NAMES] == [0, 2, 2, 1, 0]
    assert [s.current for s in result.stages] == [0, 2, 2, 1, 0]


def test_mapping_from_the_query(engine, shop):
    mapping = (
        '{"stages": [{"name": "browse", "events": ["Product Viewed"]},'
        ' {"name": "buy", "events": ["Order Completed"]}]}'
    )
    result = engine.run(shop, "stages", mapping=mapping)
    assert [(s.name, s.reached, s.current) for s in result.stages] == [
        ("browse", 2, 0),
        ("buy", 2, 2),
    ]
    # ann browses then buys; cat bought first, so she does not convert.
    assert (result.transitions[0].converted, result.transitions[0].median_seconds) == (1, 38 * DAY)


def test_a_stage_matches_any_of_its_page_patterns_each_with_its_own_flags(shop, engine):
    mapping = [
        {"name": "landed", "pages": ["(?i)^/LP/", "^/guides/", "^/nowhere$"]},
        {"name": "buy", "events": ["Order Completed"]},
    ]
    result = engine.run(shop, "stages", mapping=mapping)
    # bob's /lp/phones (case ignored by its own pattern only) and eve's /guides/setup; ann's
    # /blog/intro and the / pages match none.
    assert [(s.name, s.reached) for s in result.stages] == [("landed", 2), ("buy", 2)]


def test_mapping_from_the_workspace_file(shop):
    file = shop.path / "stages.yaml"
    file.write_text(
        "- name: reader\n  pages: ['^/blog/']\n"
        "- name: fan\n  when:\n    - events: [Product Reviewed]\n"
        "      filters: ['properties.rating >= 4']\n"
    )
    try:
        result = shop.stages()
    finally:
        file.unlink()
    # Readers: ann and fay (eve read a guide); fans: ann (bob's review has two stars).
    assert [(s.name, s.reached, s.current) for s in result.stages] == [
        ("reader", 2, 1),
        ("fan", 1, 1),
    ]


def test_bad_mappings_say_what_to_do():
    with pytest.raises(AnalysisError, match="at least two stages"):
        StagesQuery.parse({"mapping": [{"name": "only", "events": ["A"]}]})
    with pytest.raises(AnalysisError, match="names no events"):
        StagesQuery.parse({"mapping": [{"name": "a"}, {"name": "b", "events": ["B"]}]})
    with pytest.raises(AnalysisError, match="look-around"):
        StagesQuery.parse(
            {"mapping": [{"name": "a", "pages": ["(?=x)"]}, {"name": "b", "events": ["B"]}]}
        )


def test_hostile_names_are_values(engine, shop):
    hostile = "x'; DROP TABLE events; --"
    mapping = [{"name": hostile, "events": [hostile]}, {"name": "b", "pages": [hostile]}]
    result = engine.run(shop, "stages", mapping=mapping)
    assert result.persons == 0 and result.distribution == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3"]),
            st.sampled_from(["/", "/blog/x", "Product Viewed", "Order Completed"]),
            st.integers(0, 90),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_everyone_is_in_exactly_one_stage(tmp_path_factory, journey):
    shop = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        shop.send(*[page(u, s, d) if s.startswith("/") else event(u, s, d) for u, s, d in journey])
        result = shop.ws.stages(period="week")
        persons = len({u for u, _, _ in journey})
        assert result.persons == persons == sum(s.current for s in result.stages)
        for t in result.transitions:
            assert t.converted <= t.reached_source
        totals: dict[str, int] = {}
        for c in result.distribution:
            totals[c.period] = totals.get(c.period, 0) + c.persons
        running = list(totals.values())
        assert running == sorted(running) and running[-1] == persons  # people only join
    finally:
        shop.close()
