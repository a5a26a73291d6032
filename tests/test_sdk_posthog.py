"""The real PostHog client library (posthog-python), unmodified, pointed at our server."""

from __future__ import annotations

from posthog import Posthog

import journeylens


def test_posthog_capture_identify_alias_set(server, keys):
    client = Posthog(keys["write"], host=server.url, sync_mode=True, max_retries=1)
    client.capture(
        "Product Viewed",
        distinct_id="ph-anon-1",
        properties={"product_id": "p-9", "标题": "耳机 🎧"},
    )
    client.capture(
        "$pageview",
        distinct_id="ph-anon-1",
        properties={"$current_url": "https://shop.example/p/9?utm_source=mail&utm_campaign=spring"},
    )
    # What posthog-js sends when the visitor logs in.
    client.capture(
        "$identify",
        distinct_id="ph-user-1",
        properties={"$anon_distinct_id": "ph-anon-1", "$set": {"email": "bo@example.com"}},
    )
    client.alias(previous_id="ph-user-1", distinct_id="ph-crm-9")
    client.set(distinct_id="ph-user-1", properties={"plan": "pro"})
    gz = Posthog(keys["write"], host=server.url, gzip=True, flush_at=50, max_retries=1)
    for n in range(20):
        gz.capture("Search", distinct_id="ph-user-1", properties={"q": f"query {n}"})
    gz.flush()
    gz.shutdown()
    client.shutdown()
    server.stop()

    with journeylens.open(server.workspace) as ws:
        events = ws.events.to_pandas()
        persons = ws.persons.to_pandas()
        identities = ws.identities.to_pandas()

    assert len(events) == 25
    assert set(events["source"]) == {"posthog"}
    assert len(persons) == 1 and bool(persons.loc[0, "is_identified"])
    assert set(events["person_id"]) == {persons.loc[0, "person_id"]}
    assert set(identities["distinct_id"]) == {
        "ph-anon-1",
        "ph-user-1",
        "ph-crm-9",
        "email:bo@example.com",
    }
    traits = persons.loc[0, "traits"]
    assert traits["email"] == "bo@example.com" and traits["plan"] == "pro"
    page = events[events["event"] == "$pageview"].iloc[0]
    assert page["type"] == "page" and page["utm_campaign"] == "spring" and page["path"] == "/p/9"
    viewed = events[events["event"] == "Product Viewed"].iloc[0]
    assert viewed["properties"]["标题"] == "耳机 🎧"
    assert viewed["product_id"] == "p-9"
    assert events[events["event"] == "$create_alias"].iloc[0]["type"] == "alias"
    assert (events["event"] == "Search").sum() == 20
