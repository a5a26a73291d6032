"""Personas: the features on a hand-written journey, and the clustering against scikit-learn.

The window W is [2025-01-01, 2025-04-01) (90 days) in every test.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from journeylens.models import persona_features, personas
from tests.journeys import Journeys, at

W_FROM, W_TO = datetime(2025, 1, 1), datetime(2025, 4, 1)


def event(when: datetime, user: str, name: str, channel: str, **properties):
    return at(when, user, name, properties={"channel": channel, **properties})


def order(when, user, order_id, revenue, channel, lines, **extra):
    products = [
        {"product_id": f"P-{c}", "category": c, "price": p, "quantity": 1} for c, p in lines
    ]
    return event(
        when, user, "Order Completed", channel,
        order_id=order_id, revenue=revenue, currency="USD", products=products, **extra,
    )  # fmt: skip


FEATURE_JOURNEYS = [
    # ann, in W: a web view and a web order (100, coupon SPRING, one Phones line) on 1 March;
    # an app view and an app order (50, discount 0, a Cases and a Cables line) on 20 March;
    # a support ticket by e-mail on 25 March; a web order of 999 on 26 March, refunded on the
    # 27th (Order Refunded is not activity).
    event(datetime(2025, 3, 1, 10), "ann", "Product Viewed", "web"),
    order(datetime(2025, 3, 1, 10, 5), "ann", "a1", 100, "web", [("Phones", 100)], coupon="SPRING"),
    event(datetime(2025, 3, 20, 9), "ann", "Product Viewed", "app"),
    order(
        datetime(2025, 3, 20, 9, 10),
        "ann",
        "a2",
        50,
        "app",
        [("Cases", 25), ("Cables", 25)],
        discount=0,
    ),
    event(datetime(2025, 3, 25, 12), "ann", "Support Ticket Created", "email"),
    order(datetime(2025, 3, 26, 12), "ann", "a3", 999, "web", [("Laptops", 999)]),
    event(datetime(2025, 3, 27, 12), "ann", "Order Refunded", "web", order_id="a3"),
    # bob: one web view and, 10 s later, a chat, on 1 February.
    event(datetime(2025, 2, 1, 10), "bob", "Product Viewed", "web"),
    event(datetime(2025, 2, 1, 10, 0, 10), "bob", "Chat Started", "chat"),
    # A visitor who never logs in, and cat, active only before W: neither has features.
    {
        **event(datetime(2025, 2, 1), "x", "Product Viewed", "web"),
        "userId": None,
        "anonymousId": "visitor-1",
    },
    event(datetime(2024, 12, 1), "cat", "Product Viewed", "web"),
]


@pytest.fixture(scope="module")
def feature_shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("persona-features") / "ws")
    journeys.send(*[{k: v for k, v in m.items() if v is not None} for m in FEATURE_JOURNEYS])
    ids = {journeys.person_of(user): user for user in ("ann", "bob")}
    yield journeys.ws, ids
    journeys.close()


def test_features_of_a_hand_written_journey(engine, feature_shop):
    ws, ids = feature_shop
    tables = engine.tables(ws)
    # Counted order lines: Phones (a1), Cases and Cables (a2); a3 is refunded. One line each:
    # the top categories by lines, then by name.
    categories = persona_features.top_categories(tables, W_FROM, W_TO)
    assert categories == ["Cables", "Cases", "Phones"]
    frame = tables.execute(persona_features.build(tables, W_FROM, W_TO, categories))
    rows = {ids[int(r["person_id"])]: r for r in frame.to_dict("records")}
    assert set(rows) == {"ann", "bob"}  # identified and active in W
    ann, bob = rows["ann"], rows["bob"]
    # ann: 6 activity events — web: view, a1, a3; app: view, a2; email: the ticket — in 4
    # sessions (1 Mar, 20 Mar, 25 Mar, 26 Mar). Counted orders a1, a2: 150; a1 has a coupon,
    # a2 a zero discount: 1 of 2 discounted. Last counted order 20 March 09:10: 11 days 14 h
    # 50 min before W's end → 11.
    assert (ann["recency_days"], ann["orders"], ann["revenue"], ann["sessions"]) == (
        11,
        2,
        150.0,
        4,
    )
    assert (ann["share_web"], ann["share_app"], ann["share_email"]) == (3 / 6, 2 / 6, 1 / 6)
    assert (ann["share_store"], ann["share_chat"], ann["share_social"]) == (0, 0, 0)
    assert (ann["discount_share"], ann["support_per_session"]) == (0.5, 1 / 4)  # 1 ticket
    assert [ann[f"category_{c}"] for c in ("cables", "cases", "phones")] == [1 / 3] * 3
    # bob: no order (recency = W's 90 days), one session of two events, web and chat; the
    # chat is a support contact.
    assert (bob["recency_days"], bob["orders"], bob["revenue"], bob["sessions"]) == (90, 0, 0.0, 1)
    assert (bob["share_web"], bob["share_chat"], bob["discount_share"]) == (0.5, 0.5, 0.0)
    assert bob["support_per_session"] == 1.0
    assert [bob[f"category_{c}"] for c in ("cables", "cases", "phones")] == [0, 0, 0]


GROUPS = {
    # app buyers: 5 app views on separate days and three app orders of 400.
    "app": [f"app{i}" for i in range(4)],
    # web browsers: 2 web views, no order.
    "web": [f"web{i}" for i in range(4)],
    # store one-timers: one store order of 50 on 10 January.
    "store": [f"store{i}" for i in range(4)],
}


def group_journeys() -> list[dict]:
    messages = []
    for user in GROUPS["app"]:
        for day in range(5):
            messages.append(event(datetime(2025, 3, 1 + day, 10), user, "Product Viewed", "app"))
        for n in range(3):
            when = datetime(2025, 3, 10 + n, 12)
            messages.append(order(when, user, f"{user}-{n}", 400, "app", [("Laptops", 400)]))
    for user in GROUPS["web"]:
        for day in range(2):
            messages.append(event(datetime(2025, 2, 1 + day, 10), user, "Product Viewed", "web"))
    for user in GROUPS["store"]:
        amount = 50
        messages.append(
            order(datetime(2025, 1, 10), user, f"{user}-0", amount, "store", [("Cables", amount)])
        )
    return messages


@pytest.fixture(scope="module")
def group_shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("personas") / "ws")
    journeys.send(*group_journeys())
    groups = {journeys.person_of(u): g for g, users in GROUPS.items() for u in users}
    yield journeys.ws, groups
    journeys.close()


def test_three_separate_groups_make_three_personas(engine, group_shop):
    ws, groups = group_shop
    result = engine.run(ws, "personas", date_from=W_FROM, date_to=W_TO, k_range="2-3", persons=True)
    # The persons of a group are alike, the groups differ in channel, orders and money: with
    # k = 3 each point sits on its cluster's others (a = 0), so every silhouette is
    # (b − 0) / b = 1, the most there is; k = 2 must put two groups together (a > 0).
    scores = {s.k: s.silhouette for s in result.silhouettes}
    assert result.k == 3 and scores[3] == pytest.approx(1.0) and scores[2] < 1
    clusters: dict[str, set[int]] = {}
    for person in result.persons:
        clusters.setdefault(groups[person.person_id], set()).add(person.cluster)
    assert all(len(found) == 1 for found in clusters.values())
    assert len({next(iter(c)) for c in clusters.values()}) == 3
    by_cluster = {p.cluster: p for p in result.personas}
    app = by_cluster[next(iter(clusters["app"]))]
    z = {d.feature: d.z for d in app.features}
    assert z["revenue"] > 0 and z["share_app"] > 0 and z["orders"] > 0
    assert app.persons == 4 and app.share == 1 / 3
    store = by_cluster[next(iter(clusters["store"]))]
    assert {d.feature: d.z for d in store.features}["share_store"] > 0
    assert len({p.persona for p in result.personas}) == 3  # names are unique


def test_the_fit_equals_scikit_learn_on_the_same_features(group_shop):
    ws, _ = group_shop
    tables = ws.tables
    frame = personas.features(tables, W_FROM, W_TO)
    # The pipeline written out with scikit-learn alone: log1p of revenue, StandardScaler, the
    # six channel shares weighted 1/sqrt(6) and the categories (Laptops, Cables) 1/sqrt(2),
    # KMeans per k (n_init 10, the seed), silhouette over every person (12 < the sample size).
    values = frame.drop(columns=["person_id"]).astype("float64")
    values["revenue"] = np.log1p(values["revenue"])
    matrix = StandardScaler().fit_transform(values.to_numpy())
    assert [c for c in values.columns if c.startswith("category_")] == [
        "category_laptops",
        "category_cables",
    ]  # 12 Laptops lines, 4 Cables lines
    weight = np.array(
        [
            1 / np.sqrt(6) if c.startswith("share_") else 1 / np.sqrt(2) if "category_" in c else 1
            for c in values.columns
        ]
    )
    reference = {}
    for k in (2, 3):  # three distinct points: k = 4 is skipped
        labels = KMeans(n_clusters=k, n_init=10, random_state=7).fit_predict(matrix * weight)
        reference[k] = (silhouette_score(matrix * weight, labels), labels)
    result = personas.run(
        tables,
        personas.PersonasQuery.parse(
            {"date_from": W_FROM, "date_to": W_TO, "k_range": "2-4", "seed": 7, "persons": True}
        ),
    )
    assert [(s.k, round(s.silhouette, 10)) for s in result.silhouettes] == [
        (k, round(float(score), 10)) for k, (score, _) in reference.items()
    ]
    chosen = max(reference, key=lambda k: reference[k][0])
    assert result.k == chosen
    ours = [p.cluster for p in result.persons]
    assert adjusted_rand_score(ours, reference[chosen][1]) == 1.0  # the same partition
    # And the z-scores are the standardised cluster means (before weighting).
    for persona in result.personas:
        inside = np.array(ours) == persona.cluster
        expected = matrix[inside].mean(axis=0)
        got = {d.feature: d.z for d in persona.features}
        assert [got[c] for c in values.columns] == pytest.approx(expected, abs=1e-4)


def test_the_same_seed_gives_the_same_personas(group_shop):
    ws, _ = group_shop
    query = {"date_from": W_FROM, "date_to": W_TO, "seed": 3, "persons": True}
    first = personas.run(ws.tables, personas.PersonasQuery.parse(query))
    again = personas.run(ws.tables, personas.PersonasQuery.parse(query))
    assert first.to_dict() == again.to_dict()


def test_a_range_that_does_not_read_is_refused():
    with pytest.raises(Exception, match="two numbers"):
        personas.PersonasQuery.parse({"k_range": "3 to 8"})
    with pytest.raises(Exception, match="must go up"):
        personas.PersonasQuery.parse({"k_range": "8-3"})


def test_too_few_persons_says_what_to_do(group_shop):
    ws, _ = group_shop
    # Only the four web browsers are active in February.
    query = {"date_from": datetime(2025, 2, 1), "date_to": datetime(2025, 2, 10), "k": 4}
    with pytest.raises(Exception, match=r"4 persons \(1 different\) are too few for 4–4"):
        personas.run(ws.tables, personas.PersonasQuery.parse(query))
