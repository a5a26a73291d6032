"""Funnels as journeys, with the numbers worked out by hand (docs/architecture.md "Funnels")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses import funnel
from journeylens.analyses.funnel import FunnelError, FunnelQuery, parse_window
from tests.journeys import Journeys, identify

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


def test_sequential_funnel_with_a_14_day_window(shop, engine):
    result = engine.run(shop, "funnel", ["Viewed", "Added", "Ordered"])
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


def test_unlimited_window(shop, engine):
    result = engine.run(shop, "funnel", ["Viewed", "Added", "Ordered"], window=None)
    assert [s.users for s in result.steps] == [6, 5, 2]  # dan and erin now add too


def test_a_step_may_be_any_of_several_events(shop, engine):
    result = engine.run(shop, "funnel", ["Viewed", "Added|Ordered"])
    # gina's first qualifying event after viewing is her order at 1 h.
    assert [s.users for s in result.steps] == [6, 3]
    assert result.steps[1].name == "Added | Ordered"


def test_date_range_applies_to_step_one(shop, engine):
    result = engine.run(shop, "funnel", ["Viewed", "Added"], date_from=T0 + timedelta(hours=12))
    # Only erin views after T0 + 12 h (her second view, on day 1): she enters there, and her
    # add on day 14.5 is 13.5 days later, inside the window counted from that entry.
    assert [s.users for s in result.steps] == [1, 1]
    before = engine.run(shop, "funnel", ["Viewed", "Added"], date_to=T0 + timedelta(hours=12))
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


def test_hostile_step_names_are_values_not_sql(shop, engine):
    for name in HOSTILE:
        result = engine.run(shop, "funnel", ["Viewed", name])
        assert [s.users for s in result.steps] == [6, 0]
    assert shop.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(JOURNEYS)


def test_the_cli_and_the_http_api_give_the_python_answer(tmp_path):

    import httpx

    from tests.conftest import Server, cli, create_key

    workspace = tmp_path / "ws"
    journeys = Journeys(workspace)
    journeys.send(*JOURNEYS)
    expected = journeys.ws.funnel(["Viewed", "Added", "Ordered"]).to_dict()
    # Strict, and out if an order comes between viewing and adding (gina, at 1 h): alice goes
    # straight through; bob adds right after viewing; carol, dan and erin stop at Viewed.
    options = {"order": "strict", "exclusions": ["Ordered:1-2"], "persons": "dropped"}
    strict = journeys.ws.funnel(["Viewed", "Added", "Ordered"], persons_step=2, **options)
    assert [s.users for s in strict.steps] == [5, 2, 1] and strict.persons.count == 3
    journeys.close()

    three_steps = ["funnel", "--workspace", str(workspace), "--step", "Viewed", "--step", "Added"]
    three_steps += ["--step", "Ordered", "--format", "json"]
    printed = cli(*three_steps)
    assert json.loads(printed.stdout) == expected
    strict_options = ["--order", "strict", "--exclude", "Ordered:1-2", "--persons", "dropped"]
    as_text = cli(*three_steps, *strict_options, "--persons-step", "2")
    assert json.loads(as_text.stdout) == strict.to_dict()
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
        strict_get = httpx.get(
            f"{server.url}/api/funnels",
            params=[("step", s) for s in ("Viewed", "Added", "Ordered")]
            + [("order", "strict"), ("exclude", "Ordered:1-2")],
            auth=(admin, ""),
        )
        assert [s["users"] for s in strict_get.json()["steps"]] == [5, 2, 1]
        bad = httpx.post(f"{server.url}/api/funnels", json={"steps": ["Viewed"]}, auth=(admin, ""))
        assert (
            bad.status_code == 400 and "two steps" in bad.json()["message"]
        )  # as GET and the CLI say it
        # While the server owns the workspace the CLI asks it.
        via_server = cli(*three_steps)
        assert json.loads(via_server.stdout) == expected
    finally:
        server.stop()


def test_breakdown_by_first_touch(tmp_path, engine):
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
    result = engine.run(shop.ws, "funnel", ["Viewed", "Ordered"], breakdown="context.library.name")
    groups = {g.value: [s.users for s in g.steps] for g in result.breakdown}
    assert groups == {"analytics.js": [1, 1], "analytics-ios": [2, 1]}
    assert [s.users for s in result.steps] == [3, 2]
    by_channel = engine.run(shop.ws, "funnel", ["Viewed", "Ordered"], breakdown="channel")
    assert {g.value: g.steps[1].users for g in by_channel.breakdown} == {"web": 1, "app": 1}
    with pytest.raises(FunnelError, match=r"properties\.KEY"):
        engine.run(shop.ws, "funnel", ["Viewed", "Ordered"], breakdown="password; DROP")
    hostile = engine.run(
        shop.ws, "funnel", ["Viewed", "Ordered"], breakdown="properties.x'; DROP TABLE events; --"
    )
    assert [g.value for g in hostile.breakdown] == [None]
    shop.close()


# ---- every option, on every engine --------------------------------------------------------


def journey_workspace(tmp_path_factory, name: str, *messages: dict) -> Journeys:
    journeys = Journeys(tmp_path_factory.mktemp(name) / "ws")
    journeys.send(*messages)
    return journeys


def users_of(result) -> list[int]:
    return [s.users for s in result.steps]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    shoes, hats = {"category": "shoes"}, {"category": "hats"}
    journeys = journey_workspace(
        tmp_path_factory,
        "filters",
        # ann views and adds shoes (an expensive pair) an hour later.
        {**visit("ann", "Viewed"), "properties": shoes},
        {**visit("ann", "Added", hours=1), "properties": {**shoes, "price": 80}},
        # ben stays with hats.
        {**visit("ben", "Viewed"), "properties": hats},
        {**visit("ben", "Added", hours=1), "properties": {**hats, "price": 80}},
        # cat views hats, then shoes an hour later (she enters there), adds cheap shoes at 2 h.
        {**visit("cat", "Viewed"), "properties": hats},
        {**visit("cat", "Viewed", hours=1), "properties": shoes},
        {**visit("cat", "Added", hours=2), "properties": {**shoes, "price": 20}},
        # dan views shoes but adds hats.
        {**visit("dan", "Viewed"), "properties": shoes},
        {**visit("dan", "Added", hours=1), "properties": {**hats, "price": 80}},
    )
    yield journeys
    journeys.close()


def test_step_property_filters(engine, catalogue):
    ws = catalogue.ws
    shoes = ["Viewed where properties.category = shoes", "Added where properties.category = shoes"]
    result = engine.run(ws, "funnel", steps=shoes)
    # Shoe viewers: ann, cat (at 1 h), dan; shoe adders after that: ann (1 h), cat (1 h after).
    assert users_of(result) == [3, 2]
    assert result.steps[1].median_seconds_to_convert == 3600
    assert result.steps[0].name == "Viewed where properties.category = shoes"
    # Two filters joined by 'and' (any case): only ann's shoes cost more than 50.
    dear = [shoes[0], "Added where properties.category = shoes AND properties.price > 50"]
    assert users_of(engine.run(ws, "funnel", steps=dear)) == [3, 1]
    as_json = {
        "events": ["Added"],
        "filters": [{"property": "properties.category", "value": "shoes"}],
    }
    assert users_of(engine.run(ws, "funnel", steps=[shoes[0], as_json])) == [3, 2]
    # Either event of a step, filtered: every view or add of shoes; after the first shoe view,
    # the next shoe view or add is ann's add, cat's add and nothing for dan (his add is hats).
    assert users_of(
        engine.run(ws, "funnel", steps=[shoes[0], "Viewed|Added where properties.category = shoes"])
    ) == [3, 2]


def test_hostile_step_filters_are_values_not_sql(engine, catalogue):
    ws = catalogue.ws
    for text in (
        "Viewed where properties.x'; DROP TABLE events; -- = 'a' OR 1=1",
        "Viewed where properties.category = shoes' OR '1'='1",
        'Viewed where properties."名字" = 🙂',
        "Viewed where context.a\\b.c contains %",
    ):
        assert users_of(engine.run(ws, "funnel", steps=[text, "Added"])) == [0, 0]
    assert catalogue.count("events") == 9
    with pytest.raises(FunnelError, match="PROPERTY OP VALUE"):
        FunnelQuery.parse({"steps": ["Viewed where nonsense", "Added"]})
    with pytest.raises(FunnelError, match="Unknown property"):
        FunnelQuery.parse({"steps": ["Viewed where password; DROP = 1", "Added"]})


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    minute = 1
    journeys = journey_workspace(
        tmp_path_factory,
        "order",
        # amy: A, B, C one minute apart.
        visit("amy", "A"), visit("amy", "B", minutes=minute), visit("amy", "C", minutes=2),
        # bo: an X between A and B.
        visit("bo", "A"), visit("bo", "X", minutes=1), visit("bo", "B", minutes=2),
        visit("bo", "C", minutes=3),
        # cy: A twice, then B and C: the strict run starts at the second A.
        visit("cy", "A"), visit("cy", "A", minutes=1), visit("cy", "B", minutes=2),
        visit("cy", "C", minutes=3),
        # di: an X between B and C.
        visit("di", "A"), visit("di", "B", minutes=1), visit("di", "X", minutes=2),
        visit("di", "C", minutes=3),
        # fay: an identify call (not behaviour) between A and B does not break the run.
        visit("fay", "A"), {**identify("fay", plan="pro"), "timestamp": at(minutes=1)},
        visit("fay", "B", minutes=2), visit("fay", "C", minutes=3),
        # gus: A, then A again after 15 days with B right after: outside his 14-day window.
        visit("gus", "A"), visit("gus", "A", days=15), visit("gus", "B", days=15, minutes=1),
    )  # fmt: skip
    yield journeys
    journeys.close()


def test_strict_order_allows_no_event_between_steps(engine, orders):
    ws = orders.ws
    sequential = engine.run(ws, "funnel", steps=["A", "B", "C"])
    assert users_of(sequential) == [6, 5, 5]  # everyone but gus reaches B and C
    strict = engine.run(ws, "funnel", steps=["A", "B", "C"], order="strict")
    # B right after A: amy, cy (second A), di, fay (identify is not behaviour); bo has X first.
    # C right after B: amy, cy, fay; di has X first.
    assert users_of(strict) == [6, 4, 3]
    # A → B: amy 60 s, cy 60 s (from the second A), di 60 s, fay 120 s.
    assert strict.steps[1].median_seconds_to_convert == 60
    assert strict.steps[1].mean_seconds_to_convert == pytest.approx(75)
    unlimited = engine.run(ws, "funnel", steps=["A", "B"], order="strict", window="none")
    assert users_of(unlimited) == [6, 5]  # gus's second A and B now count


def test_any_order_counts_distinct_steps(engine, tmp_path_factory):
    journeys = journey_workspace(
        tmp_path_factory,
        "any",
        # amy: A, B, C in order, an hour apart.
        visit("amy", "A"), visit("amy", "B", hours=1), visit("amy", "C", hours=2),
        # bo: C, B, A: all three in any order.
        visit("bo", "C"), visit("bo", "B", hours=1), visit("bo", "A", hours=2),
        # cy: B twice: one distinct step.
        visit("cy", "B"), visit("cy", "B", hours=1),
        # di: B, then A 20 days later: never two steps within 14 days.
        visit("di", "B"), visit("di", "A", days=20),
        # ed: A, then C a day later.
        visit("ed", "A"), visit("ed", "C", days=1),
    )  # fmt: skip
    try:
        ws = journeys.ws
        any_order = engine.run(ws, "funnel", steps=["A", "B", "C"], order="any")
        # 1+ steps: all five; 2+: amy, bo, ed; 3: amy, bo.
        assert users_of(any_order) == [5, 3, 2]
        assert any_order.steps[1].name == "any 2 of 3 steps"
        # Second distinct step: amy 3,600 s, bo 3,600 s, ed 86,400 s; third: 3,600 s twice.
        assert any_order.steps[1].median_seconds_to_convert == 3600
        assert any_order.steps[1].mean_seconds_to_convert == pytest.approx(31200)
        assert any_order.steps[2].median_seconds_to_convert == 3600
        sequential = engine.run(ws, "funnel", steps=["A", "B", "C"])
        assert users_of(sequential) == [4, 1, 1]  # A first: amy, bo, di, ed; then only amy
        unlimited = engine.run(ws, "funnel", steps=["A", "B", "C"], order="any", window=None)
        assert users_of(unlimited) == [5, 4, 2]  # di's B and A, 20 days apart, now count
    finally:
        journeys.close()


def test_counting_per_session(engine, tmp_path_factory):
    journeys = journey_workspace(
        tmp_path_factory,
        "session",
        # amy: A, B, C in one session.
        visit("amy", "A"), visit("amy", "B", minutes=10), visit("amy", "C", minutes=20),
        # bo: A, B, then two idle hours: C is in a new session without A.
        visit("bo", "A"), visit("bo", "B", minutes=10), visit("bo", "C", minutes=130),
        # cy: A, B; three hours later a second session A, B, C.
        visit("cy", "A"), visit("cy", "B", minutes=5), visit("cy", "A", hours=3),
        visit("cy", "B", hours=3, minutes=5), visit("cy", "C", hours=3, minutes=10),
    )  # fmt: skip
    try:
        ws = journeys.ws
        per_person = engine.run(ws, "funnel", steps=["A", "B", "C"])
        assert users_of(per_person) == [3, 3, 3]
        per_session = engine.run(ws, "funnel", steps=["A", "B", "C"], count_by="session")
        # Entries: amy's session, bo's first, cy's two; C within one: amy's and cy's second.
        assert users_of(per_session) == [4, 4, 2]
        # A → B: 600, 600, 300, 300 s; B → C: 600 (amy), 300 (cy's second).
        assert per_session.steps[1].mean_seconds_to_convert == pytest.approx(450)
        assert per_session.steps[2].mean_seconds_to_convert == pytest.approx(450)
        dropped = engine.run(
            ws, "funnel", steps=["A", "B", "C"], count_by="session", persons="dropped"
        )
        # Sessions dropping at C: bo's and cy's first, so persons bo and cy.
        expected = sorted(journeys.person_of(u) for u in ("bo", "cy"))
        assert dropped.persons.count == 2 and dropped.persons.person_ids == expected
    finally:
        journeys.close()


@pytest.fixture(scope="module")
def support(tmp_path_factory):
    journeys = journey_workspace(
        tmp_path_factory,
        "exclusions",
        visit("amy", "A"), visit("amy", "B", minutes=1), visit("amy", "C", minutes=2),
        # bo: X between A and B.
        visit("bo", "A"), visit("bo", "X", minutes=1), visit("bo", "B", minutes=2),
        visit("bo", "C", minutes=3),
        # cy: X between B and C.
        visit("cy", "A"), visit("cy", "B", minutes=1), visit("cy", "X", minutes=2),
        visit("cy", "C", minutes=3),
        # di: X after B, never C (so X is "before C" while he still could convert).
        visit("di", "A"), visit("di", "B", minutes=1), visit("di", "X", minutes=2),
        # ed: X before the funnel starts.
        visit("ed", "X", hours=-1), visit("ed", "A"), visit("ed", "B", minutes=1),
        visit("ed", "C", minutes=2),
        # fay: X after finishing.
        visit("fay", "A"), visit("fay", "B", minutes=1), visit("fay", "C", minutes=2),
        visit("fay", "X", minutes=3),
        # gus: X on day 20 and B on day 21, both outside the 14-day window.
        visit("gus", "A"), visit("gus", "X", days=20), visit("gus", "B", days=21),
    )  # fmt: skip
    yield journeys
    journeys.close()


@pytest.mark.parametrize(
    ("order", "exclude", "window", "expected"),
    [
        ("sequential", [], "14d", [7, 6, 5]),  # B: all but gus; C: all but di and gus
        ("sequential", ["X"], "14d", [4, 3, 3]),  # bo, cy, di out: amy, ed, fay, gus (at A)
        ("sequential", ["X:1-2"], "14d", [6, 5, 4]),  # only bo: amy, cy, di, ed, fay, gus
        ("sequential", ["X:2-3"], "14d", [5, 4, 4]),  # cy and di: amy, bo, ed, fay, gus
        ("sequential", ["X:1-2"], "none", [5, 5, 4]),  # gus's X now falls between A and B
        ("sequential", ["X:1-2", "X:2-3"], "14d", [4, 3, 3]),  # as X from first to last
        # Strict: bo stops at A (X next), cy and di at B: [7, 5, 3]. With X from the first to
        # the last step, bo, cy and di did X while they could still convert: out.
        ("strict", [], "14d", [7, 5, 3]),
        ("strict", ["X"], "14d", [4, 3, 3]),
        # Any order, X between the first and second distinct step: only bo (A, X, B).
        ("any", ["X:1-2"], "14d", [6, 5, 4]),
    ],
)
def test_exclusion_steps_remove_the_entry(engine, support, order, exclude, window, expected):
    result = engine.run(
        support.ws,
        "funnel",
        steps=["A", "B", "C"],
        order=order,
        exclusions=exclude,
        window=window,
    )
    assert users_of(result) == expected


def test_exclusions_must_name_steps_of_the_funnel():
    parsed = FunnelQuery.parse({"steps": ["A", "B", "C"], "exclusions": ["Support|Refund:1-2"]})
    assert parsed.exclusions[0].events == ("Support", "Refund")
    assert (parsed.exclusions[0].from_step, parsed.exclusions[0].to_step) == (1, 2)
    default = FunnelQuery.parse({"steps": ["A", "B"], "exclusions": ["Chat: the bot"]})
    assert (
        default.exclusions[0].events == ("Chat: the bot",) and default.exclusions[0].to_step is None
    )
    for bad in ("X:2-1", "X:1-4", "X:0-2"):
        with pytest.raises(FunnelError, match=r"step"):
            FunnelQuery.parse({"steps": ["A", "B", "C"], "exclusions": [bad]})


def test_breakdown_and_filters_by_person_traits(engine, tmp_path_factory):
    journeys = journey_workspace(
        tmp_path_factory,
        "person",
        identify("ana", country="FR", plan="pro"), identify("ben", country="DE", plan="free"),
        identify("cat", country="FR", plan="free"),
        visit("ana", "Viewed"), visit("ana", "Ordered", hours=1),
        visit("ben", "Viewed"), visit("ben", "Ordered", hours=1),
        visit("cat", "Viewed"),
    )  # fmt: skip
    try:
        ws = journeys.ws
        result = engine.run(ws, "funnel", steps=["Viewed", "Ordered"], breakdown="person.country")
        groups = {g.value: users_of(g) for g in result.breakdown}
        assert groups == {"FR": [2, 1], "DE": [1, 1]}  # ana orders, cat does not; ben orders
        by_plan = engine.run(
            ws, "funnel", steps=["Viewed", "Ordered"], breakdown="person.traits.plan"
        )
        assert {g.value: users_of(g) for g in by_plan.breakdown} == {"pro": [1, 1], "free": [2, 1]}
        french = engine.run(ws, "funnel", steps=["Viewed where person.country = FR", "Ordered"])
        assert users_of(french) == [2, 1]
    finally:
        journeys.close()


@pytest.fixture(scope="module")
def shop_journeys(tmp_path_factory):
    journeys = journey_workspace(tmp_path_factory, "persons", *JOURNEYS)
    yield journeys
    journeys.close()


def test_persons_who_reached_or_dropped(engine, shop_journeys):
    ws, ids = shop_journeys.ws, shop_journeys.person_of
    steps = ["Viewed", "Added", "Ordered"]
    reached = engine.run(ws, "funnel", steps=steps, persons="reached")
    assert reached.persons.kind == "reached" and reached.persons.step == 3
    assert reached.persons.person_ids == sorted([ids("alice"), ids("gina")])
    # Viewed but no add within 14 days: carol (added before), dan (day 15), erin (day 14.5).
    dropped = engine.run(
        ws, "funnel", steps=steps, persons="dropped", persons_step=2, persons_limit=2
    )
    everyone = sorted(ids(u) for u in ("carol", "dan", "erin"))
    assert dropped.persons.count == 3 and dropped.persons.person_ids == everyone[:2]
    assert (
        "persons" in reached.to_dict()
        and "persons" not in engine.run(ws, "funnel", steps=steps).to_dict()
    )
    # The same persons as an Ibis expression, to keep as a segment.
    tables = engine.tables(ws)
    query = FunnelQuery.parse({"steps": steps})
    expression = funnel.person_ids(tables, query, "dropped", 2)
    assert sorted(tables.execute(expression)["person_id"]) == everyone
    with pytest.raises(FunnelError, match="step 1"):
        FunnelQuery.parse({"steps": steps, "persons": "dropped", "persons_step": 1})
    with pytest.raises(FunnelError, match=r"1\.\.3"):
        FunnelQuery.parse({"steps": steps, "persons": "reached", "persons_step": 4})
