"""The transition graph against retentioneering's on the same event logs.

retentioneering (5.2.4) computes its transition graph with ``lead()`` over each path's
events ordered by time and adds ``path_start``/``path_end`` to every path: its ``count`` is
our ``transitions``, its ``unique_paths`` with users as paths is our ``persons``, its
``proba_out`` our ``probability``. It breaks ties in time by the order of the rows it is
given (a stable sort), so the frame is handed over in our tie-break order, message id.
Its usage telemetry is switched off before it is imported.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

import pandas as pd
import pytest

from tests.analyses.test_paths_graph import LOG, T0, event
from tests.journeys import Journeys

os.environ["RETENTIONEERING_NO_TRACK"] = "1"
import retentioneering as rete  # after its telemetry is switched off

NAMES = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")
IDLE_MINUTES = 30


def random_log(seed: int) -> list[tuple[str, str, int, str]]:
    """Eight persons, up to 16 events each, at distinct minutes (gaps over 30 minutes make
    sessions), named from four events with repeats."""
    draw = random.Random(seed)
    log = []
    for k in range(8):
        minutes = sorted(draw.sample(range(0, 400), draw.randint(1, 16)))
        for n, minute in enumerate(minutes):
            log.append((f"u{k}", draw.choice(NAMES), minute, f"u{k}-{n:03d}"))
    return log


LOGS = {
    "hand-made": [(u, e, m, i or f"{u}-{m:03d}") for u, e, m, i in LOG],
    "random-1": random_log(1),
    "random-2": random_log(2),
}


def sessions_by_hand(log: list[tuple[str, str, int, str]]) -> list[str]:
    """Each row's session: a person's next event more than 30 minutes later starts one."""
    ordered = sorted(range(len(log)), key=lambda r: (log[r][0], log[r][2], log[r][3]))
    session, last, labels = 0, {}, [""] * len(log)
    for r in ordered:
        user, _, minute, _ = log[r]
        if user not in last or minute - last[user] > IDLE_MINUTES:
            session += 1
        last[user] = minute
        labels[r] = f"s{session}"
    return labels


def reference(log, per: str) -> dict[str, dict[tuple[str, str], float]]:
    frame = pd.DataFrame(
        {
            "user_id": [u for u, _, _, _ in log],
            "event": [e for _, e, _, _ in log],
            "timestamp": [T0 + timedelta(minutes=m) for _, _, m, _ in log],
            "message_id": [i for _, _, _, i in log],
            "session_id": sessions_by_hand(log),
        }
    ).sort_values(["user_id", "timestamp", "message_id"], kind="stable")
    stream = rete.Eventstream(
        frame.drop(columns="message_id"), {"path_cols": ["user_id", "session_id"]}
    )
    path_col = "user_id" if per == "person" else "session_id"
    found = {}
    for weight in ("count", "unique_paths", "proba_out"):
        matrix = stream.transition_graph_data(edge_weight=weight, path_col=path_col)
        found[weight] = {
            (source, target): float(value)
            for (source, target), value in matrix.stack().items()
            if value > 0
        }
    return found


@pytest.fixture(scope="module", params=list(LOGS))
def logged(request, tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("reference") / "ws")
    log = LOGS[request.param]
    journeys.send(*(event(u, e, m, i) for u, e, m, i in log))
    yield log, journeys.ws
    journeys.close()


def test_person_graph_equals_retentioneering(engine, logged):
    log, ws = logged
    ours = engine.run(ws, "paths_graph", per="person")
    theirs = reference(log, "person")
    assert {(e.source, e.target): e.transitions for e in ours.edges} == theirs["count"]
    # Users are the paths: unique paths are unique persons.
    assert {(e.source, e.target): e.persons for e in ours.edges} == theirs["unique_paths"]
    probability = {(e.source, e.target): e.probability for e in ours.edges}
    assert probability == pytest.approx(theirs["proba_out"])


def test_session_graph_counts_equal_retentioneering(engine, logged):
    log, ws = logged
    ours = engine.run(ws, "paths_graph", per="session")
    theirs = reference(log, "session")
    assert {(e.source, e.target): e.transitions for e in ours.edges} == theirs["count"]
    probability = {(e.source, e.target): e.probability for e in ours.edges}
    assert probability == pytest.approx(theirs["proba_out"])
