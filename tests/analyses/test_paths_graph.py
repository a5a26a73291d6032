"""The transition graph as journeys, every edge worked out by hand (``analyses/paths_graph.py``).

V = Product Viewed, A = Product Added, D = Order Completed (done); minutes after T0.

* ann: V0 A1 V2 A3 D4, then (two hours idle: a new session) V124; an identify at 1.5
  (not behaviour: no step).
* bob: V0 V1 A2 (a repeat, V → V).
* cat: A and V both at minute 0, A sent first but with the larger message id: ties go by
  message id, so V (``cat-1``) comes before A (``cat-2``); then D5.
* dan: V0.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.paths_graph import PathsGraphQuery
from tests.journeys import Journeys

T0 = datetime(2025, 3, 3, 10, 0, 0)
V, A, D = "Product Viewed", "Product Added", "Order Completed"
S, E = "path_start", "path_end"


def stamp(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat() + "Z"


def event(user: str, name: str, minutes: float, message_id: str | None = None) -> dict:
    message = {"type": "track", "userId": user, "event": name, "timestamp": stamp(minutes)}
    if message_id is not None:
        message["messageId"] = message_id
    return message


# (user, event, minute, message id) in the order they are sent.
LOG = [
    ("ann", V, 0, None),
    ("ann", A, 1, None),
    ("ann", V, 2, None),
    ("ann", A, 3, None),
    ("ann", D, 4, None),
    ("ann", V, 124, None),
    ("bob", V, 0, None),
    ("bob", V, 1, None),
    ("bob", A, 2, None),
    ("cat", A, 0, "cat-2"),
    ("cat", V, 0, "cat-1"),
    ("cat", D, 5, None),
    ("dan", V, 0, None),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("graph") / "ws")
    journeys.send(*(event(u, e, m, i) for u, e, m, i in LOG))
    journeys.send({"type": "identify", "userId": "ann", "timestamp": stamp(1.5), "traits": {}})
    yield journeys.ws
    journeys.close()


def edges(result) -> dict[tuple[str, str], tuple[int, int]]:
    return {(e.source, e.target): (e.transitions, e.persons) for e in result.edges}


def probabilities(result) -> dict[tuple[str, str], float]:
    return {(e.source, e.target): e.probability for e in result.edges}


def test_whole_journeys_with_endpoints(engine, shop):
    result = engine.run(shop, "paths_graph")
    # ann: S→V V→A A→V V→A A→D D→V V→E; bob: S→V V→V V→A A→E; cat: S→V V→A A→D D→E;
    # dan: S→V V→E.
    assert edges(result) == {
        (S, V): (4, 4),
        (V, A): (4, 3),  # ann twice, bob, cat
        (A, V): (1, 1),
        (A, D): (2, 2),
        (D, V): (1, 1),
        (V, V): (1, 1),
        (V, E): (2, 2),
        (A, E): (1, 1),
        (D, E): (1, 1),
    }
    p = probabilities(result)
    # Out of V: 4 to A, 2 to the end, 1 to itself (V occurs 7 times).
    assert p[(V, A)] == pytest.approx(4 / 7)
    assert p[(V, E)] == pytest.approx(2 / 7)
    assert p[(V, V)] == pytest.approx(1 / 7)
    assert p[(A, D)] == pytest.approx(2 / 4)
    assert p[(D, V)] == pytest.approx(1 / 2)
    assert p[(S, V)] == 1.0
    # The heaviest edges first: by transitions, then persons, then names.
    assert [(e.source, e.target) for e in result.edges[:3]] == [(S, V), (V, A), (A, D)]
    nodes = {n.name: (n.events, n.persons) for n in result.nodes}
    assert nodes == {S: (4, 4), V: (7, 4), A: (4, 3), D: (2, 2), E: (4, 4)}
    assert [n.name for n in result.nodes] == [S, V, A, D, E]
    assert (result.paths, result.persons) == (4, 4)


def test_ties_in_time_go_by_message_id(engine, shop):
    found = edges(engine.run(shop, "paths_graph"))
    # cat's A arrived first, but V has the smaller message id: S→V→A, never S→A.
    assert (S, A) not in found
    assert found[(S, V)] == (4, 4)


def test_without_endpoints_probabilities_are_of_a_next_step(engine, shop):
    result = engine.run(shop, "paths_graph", endpoints=False)
    assert edges(result) == {
        (V, A): (4, 3),
        (A, V): (1, 1),
        (A, D): (2, 2),
        (D, V): (1, 1),
        (V, V): (1, 1),
    }
    p = probabilities(result)
    assert p[(V, A)] == pytest.approx(4 / 5)
    assert p[(A, D)] == pytest.approx(2 / 3)
    assert p[(D, V)] == 1.0
    assert {n.name for n in result.nodes} == {V, A, D}
    assert (result.paths, result.persons) == (4, 4)


def test_per_session(engine, shop):
    result = engine.run(shop, "paths_graph", per="session")
    found = edges(result)
    # ann's second session (V124) is a journey of its own: S→V V→E, and her D ends.
    assert found[(S, V)] == (5, 4)
    assert found[(D, E)] == (2, 2)
    assert found[(V, E)] == (2, 2)
    assert (D, V) not in found
    assert found[(V, A)] == (4, 3)
    assert (result.paths, result.persons) == (5, 4)


def test_minimum_weights_hide_edges_but_keep_probabilities(engine, shop):
    heavy = engine.run(shop, "paths_graph", min_transitions=2)
    assert set(edges(heavy)) == {(S, V), (V, A), (A, D), (V, E)}
    assert probabilities(heavy)[(V, A)] == pytest.approx(4 / 7)
    shared = engine.run(shop, "paths_graph", min_persons=3)
    assert set(edges(shared)) == {(S, V), (V, A)}
    both = engine.run(shop, "paths_graph", min_transitions=4, min_persons=4)
    assert set(edges(both)) == {(S, V)}  # V→A: 4 transitions but 3 persons


def test_date_range_and_excluded_steps(engine, shop):
    late = engine.run(shop, "paths_graph", date_from=T0 + timedelta(minutes=100))
    assert edges(late) == {(S, V): (1, 1), (V, E): (1, 1)}  # ann's V124 alone
    no_adds = engine.run(shop, "paths_graph", exclude=[A])
    # ann V V D V, bob V V, cat V D, dan V.
    assert edges(no_adds) == {
        (S, V): (4, 4),
        (V, V): (2, 2),
        (V, D): (2, 2),
        (D, V): (1, 1),
        (V, E): (3, 3),
        (D, E): (1, 1),
    }
    nobody = engine.run(shop, "paths_graph", date_from=T0 + timedelta(days=30))
    assert (nobody.edges, nobody.nodes, nobody.paths, nobody.persons) == ([], [], 0, 0)


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match="min_transitions"):
        PathsGraphQuery.parse({"min_transitions": 0})
    with pytest.raises(AnalysisError, match="PATTERN => REPLACEMENT"):
        PathsGraphQuery.parse({"clean": ["/products/"]})


def test_the_cli_prints_the_graph(tmp_path):
    from tests.conftest import cli

    journeys = Journeys(tmp_path / "ws")
    journeys.send(*(event(u, e, m, i) for u, e, m, i in LOG))
    journeys.close()
    where = str(tmp_path / "ws")
    printed = cli("paths", "--graph", "--workspace", where, "--format", "json")
    data = json.loads(printed.stdout)
    assert {
        "source": V,
        "target": A,
        "transitions": 4,
        "persons": 3,
        "probability": pytest.approx(4 / 7),
    } in data["edges"]
    csv = cli("paths", "--graph", "--workspace", where, "--min-persons", "3", "--format", "csv")
    lines = csv.stdout.strip().splitlines()
    assert lines[0] == "source,target,transitions,persons,probability"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == [
        f"{S},{V},4,4",
        f"{V},{A},4,3",
    ]
    refused = cli("paths", "--workspace", where, "--min-persons", "3", check=False)
    assert refused.returncode != 0 and "--graph" in refused.stdout + refused.stderr
