"""RFM as journeys, every number worked out by hand (analyses/rfm.py, docs/rfm.md).

The window W is [2025-01-01, 2025-04-01): 90 days (31 + 28 + 31); the previous window P is
the 90 days before it, [2024-10-03, 2025-01-01). Orders are USD unless said otherwise.

Six customers are scored in W, so a percent rank is ``worse / 5`` and a score is
``1 + min(4, worse)``: worse 0 → 1, 1 → 2, 2 → 3, 3 → 4, 4 or 5 → 5.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylens.analyses.base import AnalysisError
from journeylens.analyses.rfm import GRID, TIERS, scored
from tests.journeys import Journeys, at

W_FROM, W_TO = datetime(2025, 1, 1), datetime(2025, 4, 1)


def order(when: datetime, user: str, revenue: float, order_id: str, currency: str = "USD"):
    properties = {"revenue": revenue, "currency": currency, "order_id": order_id}
    return at(when, user, "Order Completed", properties=properties)


JOURNEYS = [
    # ann: three orders of 100 in W, the last one minute before W ends (recency 0 days);
    # one order of 10 in P.
    order(datetime(2025, 2, 1, 10), "ann", 100, "a1"),
    order(datetime(2025, 3, 1, 10), "ann", 100, "a2"),
    order(datetime(2025, 3, 31, 23, 59), "ann", 100, "a3"),
    order(datetime(2024, 11, 1, 10), "ann", 10, "a0"),
    # bob: two of 50; the last exactly 24 h before W ends (recency 1 day).
    order(datetime(2025, 3, 15, 10), "bob", 50, "b1"),
    order(datetime(2025, 3, 31), "bob", 50, "b2"),
    # cat: one of 40 on 20 March 10:00 (11 days 14 h: recency 11) and one of 500, refunded:
    # it counts in none of R, F, M.
    order(datetime(2025, 3, 20, 10), "cat", 40, "c1"),
    order(datetime(2025, 3, 25, 10), "cat", 500, "c2"),
    at(datetime(2025, 3, 26), "cat", "Order Refunded", properties={"order_id": "c2"}),
    # dan: one of 60 at the very first instant of W (included) and one on 10 February 10:00
    # (19 + 31 = 50 days − 10 h before W ends: recency 49).
    order(datetime(2025, 1, 1), "dan", 60, "d1"),
    order(datetime(2025, 2, 10, 10), "dan", 60, "d2"),
    # eve: one of 30 on 15 January 10:00 (31 + 28 + 17 = 76 days − 10 h: recency 75) and one
    # of 999 exactly when W ends (not in W).
    order(datetime(2025, 1, 15, 10), "eve", 30, "e1"),
    order(datetime(2025, 4, 1), "eve", 999, "e2"),
    # fay: one of 120 USD and one of 300 EUR on 20 February 10:00 (28 + 12 = 40 days − 10 h:
    # recency 39); the EUR order is left out, never added.
    order(datetime(2025, 2, 20, 10), "fay", 120, "f1"),
    order(datetime(2025, 2, 20, 10), "fay", 300, "f2", currency="EUR"),
    # gus: his only order in W is refunded: zero counted orders, not scored.
    order(datetime(2025, 3, 10, 10), "gus", 80, "g1"),
    at(datetime(2025, 3, 11), "gus", "Order Refunded", properties={"order_id": "g1"}),
    # hal: one order of 20 a minute before W starts: in P only.
    order(datetime(2024, 12, 31, 23, 59), "hal", 20, "h1"),
    # ivy never orders.
    at(datetime(2025, 2, 1), "ivy", "Product Viewed"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("rfm") / "ws")
    journeys.send(*JOURNEYS)
    users = ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy"]
    ids = {journeys.person_of(user): user for user in users}
    yield journeys.ws, ids
    journeys.close()


def in_window(engine, ws, **extra):
    return engine.run(ws, "rfm", date_from=W_FROM, date_to=W_TO, **extra)


def test_scores_and_tiers_of_every_customer(engine, shop):
    ws, ids = shop
    result = in_window(engine, ws, persons=True)
    found = {
        ids[p.person_id]: (p.recency_days, p.frequency, p.monetary, p.rfm_score, p.tier)
        for p in result.persons
    }
    # Recency 0 (ann) < 1 (bob) < 11 (cat) < 39 (fay) < 49 (dan) < 75 (eve): worse counts
    # 5, 4, 3, 2, 1, 0 → R 5, 5, 4, 3, 2, 1 (5 × 4 // 5 = 4 already gives the top score).
    # Frequency: ann 3 (worse 5 → 5); bob, dan 2 (worse 3 → 4); cat, eve, fay 1 (worse 0 → 1):
    # the tie shares a score, whatever the person ids.
    # Monetary: ann 300 (5); dan, fay 120 (worse 3 → 4); bob 100 (3); cat 40 (2); eve 30 (1).
    # Tiers from the R×F grid: 55 and 54 champions, 41 promising, 31 about to sleep,
    # 24 at risk, 11 lost.
    assert found == {
        "ann": (0, 3, 300.0, "555", "champions"),
        "bob": (1, 2, 100.0, "543", "champions"),
        "cat": (11, 1, 40.0, "412", "promising"),
        "fay": (39, 1, 120.0, "314", "about to sleep"),
        "dan": (49, 2, 120.0, "244", "at risk"),
        "eve": (75, 1, 30.0, "111", "lost"),
    }
    # gus (refunded only), hal (before W) and ivy (no order) are not scored.
    assert result.customers == 6


def test_the_persons_behind_a_tier(engine, shop):
    ws, ids = shop
    champions = in_window(engine, ws, persons=True, tier="champions").persons
    assert sorted(ids[p.person_id] for p in champions) == ["ann", "bob"]
    with pytest.raises(AnalysisError, match="did you mean 'at risk'"):
        in_window(engine, ws, persons=True, tier="at-risk")


def test_tier_table_counts_shares_and_revenue(engine, shop):
    ws, _ = shop
    result = in_window(engine, ws)
    assert [t.tier for t in result.tiers] == list(TIERS)  # all eleven, in the map's order
    tiers = {t.tier: (t.customers, t.share, t.revenue) for t in result.tiers if t.customers}
    assert tiers == {
        "champions": (2, 2 / 6, 400.0),  # ann 300 + bob 100
        "promising": (1, 1 / 6, 40.0),
        "about to sleep": (1, 1 / 6, 120.0),
        "at risk": (1, 1 / 6, 120.0),
        "lost": (1, 1 / 6, 30.0),
    }
    # Net revenue in USD: 300 + 100 + 40 + 120 + 120 + 30; cat's and gus's refunded orders
    # are left out (2), and so is fay's EUR order (1); eve's order at W's end is outside W.
    assert (result.customers, result.revenue, result.currency) == (6, 710.0, "USD")
    assert (result.undone_orders, result.other_currency_orders) == (2, 1)
    assert result.rows()[0] == {
        "tier": "champions",
        "customers": 2,
        "share": 2 / 6,
        "revenue": 400.0,
    }


def test_the_recency_by_frequency_grid(engine, shop):
    ws, _ = shop
    grid = in_window(engine, ws).grid
    assert len(grid) == 25 and (grid[0].r_score, grid[0].f_score) == (5, 1)  # top row first
    filled = {(c.r_score, c.f_score): c.customers for c in grid if c.customers}
    assert filled == {(5, 5): 1, (5, 4): 1, (4, 1): 1, (3, 1): 1, (2, 4): 1, (1, 1): 1}
    assert all(c.tier == GRID[(c.r_score, c.f_score)] for c in grid)


def test_score_bands_show_the_quintile_edges(engine, shop):
    ws, _ = shop
    bands = {
        (b.dimension, b.score): (b.customers, b.lowest, b.highest)
        for b in in_window(engine, ws).scores
    }
    assert [bands[("recency", s)] for s in (5, 4, 3, 2, 1)] == [
        (2, 0, 1),  # ann and bob
        (1, 11, 11),
        (1, 39, 39),
        (1, 49, 49),
        (1, 75, 75),
    ]
    # Frequency 3 and 2 are empty: the three one-order customers fill the bottom fifths.
    assert [bands[("frequency", s)] for s in (5, 4, 3, 2, 1)] == [
        (1, 3, 3),
        (2, 2, 2),
        (0, None, None),
        (0, None, None),
        (3, 1, 1),
    ]
    assert [bands[("monetary", s)] for s in (5, 4, 3, 2, 1)] == [
        (1, 300, 300),
        (2, 120, 120),
        (1, 100, 100),
        (1, 40, 40),
        (1, 30, 30),
    ]


def test_movement_from_the_previous_window(engine, shop):
    ws, _ = shop
    result = in_window(engine, ws)
    assert (result.previous_start, result.previous_end) == (datetime(2024, 10, 3), W_FROM)
    # P scores two customers (others = 1): hal 1 minute before P's end (recency 0, worse 1 →
    # 1 + min(4, 5) = 5) and ann (Nov 1, recency 60, worse 0 → 1); both F 1 → hal "new",
    # ann "lost". In W ann is a champion, hal is not scored; the rest are new to RFM.
    moves = [(m.from_tier, m.to_tier, m.customers) for m in result.movement]
    assert moves == [
        ("new", "none", 1),
        ("lost", "champions", 1),
        ("none", "champions", 1),
        ("none", "promising", 1),
        ("none", "about to sleep", 1),
        ("none", "at risk", 1),
        ("none", "lost", 1),
    ]


def test_default_window_ends_with_the_day_of_the_latest_order(engine, shop):
    ws, ids = shop
    # The latest order is eve's at 2025-04-01 00:00: the window ends at the end of that day.
    result = engine.run(ws, "rfm")
    assert (result.window_start, result.window_end) == (
        datetime(2024, 4, 2),
        datetime(2025, 4, 2),
    )
    # Seven customers now (others = 6; score 1 + min(4, 5 × worse // 6)): ann gains her P
    # order, hal his, and eve's 999 counts. Recency to 2 April: ann 1 (1 day 1 min), eve 1
    # (24 h), bob 2, cat 12, fay 40, dan 50, hal 91.
    # eve: R worse 5 → 25 // 6 = 4 → 5; F 2 beats the three one-order customers → 15 // 6
    # = 2 → 3; M 1029, the most (worse 6 → 30 // 6 = 5, capped at 4) → 5: "535".
    # ann: R 5; F 4, the most → 5; M 310 beats five → 25 // 6 = 4 → 5: "555".
    persons = {ids[p.person_id]: p for p in engine.run(ws, "rfm", persons=True).persons}
    assert set(persons) == {"ann", "bob", "cat", "dan", "eve", "fay", "hal"}
    eve, ann = persons["eve"], persons["ann"]
    assert (eve.recency_days, eve.frequency, eve.monetary, eve.rfm_score, eve.tier) == (
        1, 2, 1029.0, "535", "potential loyalists",
    )  # fmt: skip
    assert (ann.recency_days, ann.frequency, ann.monetary, ann.rfm_score, ann.tier) == (
        1, 4, 310.0, "555", "champions",
    )  # fmt: skip
    short = engine.run(ws, "rfm", window_days=30)
    assert (short.window_start, short.window_end) == (datetime(2025, 3, 3), datetime(2025, 4, 2))
    start_only = engine.run(ws, "rfm", date_from=datetime(2025, 1, 1), window_days=10)
    assert (start_only.window_start, start_only.window_end) == (
        datetime(2025, 1, 1),
        datetime(2025, 1, 11),
    )
    # In [1 Jan, 11 Jan): dan alone (his order at 00:00 on the 1st, 10 days before the end);
    # a lone customer has percent rank 0 on everything: "111", lost.
    assert start_only.customers == 1 and start_only.tiers[-1].customers == 1


def test_no_orders_gives_empty_tiers(engine, tmp_path):
    journeys = Journeys(tmp_path / "ws")
    journeys.send(at(datetime(2025, 2, 1), "ivy", "Product Viewed"))
    try:
        result = engine.run(journeys.ws, "rfm")
        assert result.customers == 0 and result.window_end is None
        assert [t.customers for t in result.tiers] == [0] * 11 and result.movement == []
    finally:
        journeys.close()


def test_the_grid_is_the_published_rf_segment_map():
    # The R×F map as published (docs/rfm.md): regexes over "<R><F>", first match wins; cell
    # "11" is the one we name "lost" (hibernating in the ten-segment map).
    published = {
        r"[1-2][1-2]": "hibernating",
        r"[1-2][3-4]": "at risk",
        r"[1-2]5": "can't lose",
        r"3[1-2]": "about to sleep",
        r"33": "need attention",
        r"[3-4][4-5]": "loyal",
        r"41": "promising",
        r"51": "new",
        r"[4-5][2-3]": "potential loyalists",
        r"5[4-5]": "champions",
    }
    for (r, f), tier in GRID.items():
        expected = next(name for rx, name in published.items() if re.fullmatch(rx, f"{r}{f}"))
        assert tier == ("lost" if (r, f) == (1, 1) else expected), (r, f)
    assert set(GRID.values()) == set(TIERS)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12), st.integers(0, 40), st.sampled_from([0.0, 10.0, 25.5, 99.99])
        ),
        min_size=1,
        max_size=40,
    )
)
def test_scores_rank_values_and_share_ties(orders):
    # Any orders: persons 1–12, placed 0–40 days before the end, of a few amounts.
    end = datetime(2025, 4, 1)
    table = ibis.memtable(
        {
            "person_id": [p for p, _, _ in orders],
            "ordered_at": [end - timedelta(days=d, hours=1) for _, d, _ in orders],
            "revenue": [r for _, _, r in orders],
        }
    )
    rows = scored(table, end).execute().to_dict("records")
    values = {"r": "recency_days", "f": "frequency", "m": "monetary"}
    for letter, column in values.items():
        better = (lambda a, b: a < b) if letter == "r" else (lambda a, b: a > b)
        for one in rows:
            assert 1 <= one[f"{letter}_score"] <= 5
            for other in rows:
                if one[column] == other[column]:  # ties share a score
                    assert one[f"{letter}_score"] == other[f"{letter}_score"]
                elif better(one[column], other[column]):  # better never scores lower
                    assert one[f"{letter}_score"] >= other[f"{letter}_score"]
        # The worst value scores 1; the best scores 5 when one customer alone has it (a tie
        # at the top shares the score of its lowest position: percent rank).
        worst = (max if letter == "r" else min)(row[column] for row in rows)
        assert {r[f"{letter}_score"] for r in rows if r[column] == worst} == {1}
        best = (min if letter == "r" else max)(row[column] for row in rows)
        holders = [r for r in rows if r[column] == best]
        if len(holders) == 1 and len(rows) > 1:
            assert holders[0][f"{letter}_score"] == 5
    assert all(row["tier"] == GRID[(row["r_score"], row["f_score"])] for row in rows)
