"""The real Segment client library (segment-analytics-python), unmodified, pointed at our server."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from segment.analytics.client import Client

import journeylens

PRODUCT = {
    "product_id": "p-1",
    "name": "手机 Pro",
    "note": "שלום עולם",
    "emoji": "📱✨",
    "price": 699.0,
}


def _client(server, keys, **options) -> Client:
    return Client(keys["write"], host=server.url, max_retries=2, **options)


def test_segment_calls_are_stored_and_identities_stitched(server, keys):
    web = _client(server, keys, sync_mode=True)
    # Device A browses anonymously, then logs in.
    web.page(
        anonymous_id="anon-A",
        name="Home",
        properties={"url": "https://shop.example/?utm_source=news"},
    )
    web.track(
        anonymous_id="anon-A", event="Product Viewed", properties=PRODUCT, message_id="m-view-1"
    )
    web.identify(
        user_id="u-alice",
        anonymous_id="anon-A",
        traits={"email": "Alice@Example.com", "name": "Alice 李"},
    )
    # Device B (the app) is anonymous first, then carries both ids after login.
    app = _client(server, keys, gzip=True, upload_size=10)  # batched + gzip
    app.screen(anonymous_id="anon-B", name="Cart")
    app.track(
        user_id="u-alice",
        anonymous_id="anon-B",
        event="Checkout Started",
        properties={"channel": "app"},
    )
    app.track(
        user_id="u-alice",
        event="Order Completed",
        properties={"order_id": "o-1", "revenue": 699.0, "currency": "usd"},
        timestamp=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    )
    app.group(user_id="u-alice", group_id="acme", traits={"plan": "enterprise"})
    app.alias(previous_id="legacy-42", user_id="u-alice")
    app.flush()
    # Resending a message id stores it once.
    web.track(
        anonymous_id="anon-A", event="Product Viewed", properties=PRODUCT, message_id="m-view-1"
    )
    web.flush()
    server.stop()

    with journeylens.open(server.workspace) as ws:
        events = ws.events.order_by("timestamp").to_pandas()
        persons = ws.persons.to_pandas()
        identities = ws.identities.to_pandas()
        (stored_json,) = ws.con.execute(
            "SELECT properties::VARCHAR FROM events WHERE message_id = 'm-view-1'"
        ).fetchone()

    assert len(events) == 8  # 9 sent, one resent message id
    assert events["message_id"].is_unique
    assert set(events["type"]) == {"page", "track", "identify", "screen", "group", "alias"}
    # One customer: every event, from both devices and before login, belongs to Alice.
    assert len(persons) == 1 and bool(persons.loc[0, "is_identified"])
    assert set(events["person_id"]) == {persons.loc[0, "person_id"]}
    # Her devices, her user id, the alias, and her email as a contact key for CRM matching.
    assert set(identities["distinct_id"]) == {
        "anon-A",
        "anon-B",
        "u-alice",
        "legacy-42",
        "email:alice@example.com",
    }
    assert persons.loc[0, "email"] == "alice@example.com"
    assert persons.loc[0, "name"] == "Alice 李"

    viewed = events[events["event"] == "Product Viewed"].iloc[0]
    assert viewed["properties"] == PRODUCT
    # Chinese, Hebrew and emoji are stored as the UTF-8 the client sent, not \u-escaped.
    assert orjson.loads(stored_json) == PRODUCT
    for text in ("手机 Pro", "שלום עולם", "📱✨"):
        assert f'"{text}"'.encode() in stored_json.encode()
    assert viewed["channel"] == "other"  # analytics-python is a server library
    page = events[events["type"] == "page"].iloc[0]
    assert page["utm_source"] == "news" and page["event"] == "Page Viewed"
    order = events[events["event"] == "Order Completed"].iloc[0]
    assert order["revenue"] == 699.0 and order["currency"] == "USD"
    # The client sent this explicit timestamp with ~zero clock skew: kept to the second.
    assert abs((order["timestamp"] - datetime(2024, 3, 1, 12, 0)).total_seconds()) < 2
    assert events[events["event"] == "Checkout Started"].iloc[0]["channel"] == "app"
    assert events[events["type"] == "screen"].iloc[0]["channel"] == "app"
    assert events[events["type"] == "group"].iloc[0]["group_id"] == "acme"
    assert events[events["type"] == "alias"].iloc[0]["previous_id"] == "legacy-42"
