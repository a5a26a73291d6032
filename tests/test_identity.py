"""Identity resolution as journeys (docs/architecture.md "Identity")."""

from __future__ import annotations

import pytest

from tests.journeys import Journeys, alias, identify, track


@pytest.fixture
def shop(tmp_path):
    journeys = Journeys(tmp_path / "ws")
    yield journeys
    journeys.close()


def test_pre_login_events_belong_to_the_customer(shop):
    shop.send(track("Product Viewed", anon="device-1"), track("Product Added", anon="device-1"))
    anonymous_person = shop.person_of("device-1")
    shop.send(identify("alice", anon="device-1", email="alice@example.com"))
    shop.send(track("Order Completed", user="alice"))
    # Nothing was merged: the anonymous person simply became Alice.
    assert shop.person_of("alice") == anonymous_person
    assert shop.persons_of_events(anonymous_id="device-1") == {anonymous_person}
    assert shop.persons_of_events(user_id="alice") == {anonymous_person}
    assert shop.count("persons") == 1


def test_cross_device_merge_repoints_earlier_events(shop):
    shop.send(identify("alice", anon="laptop"), track("Order Completed", user="alice"))
    shop.send(track("App Opened", anon="phone"), track("Product Viewed", anon="phone"))
    phone_person = shop.person_of("phone")
    alice = shop.person_of("alice")
    assert phone_person != alice
    # Alice logs in on the phone: the phone's anonymous person merges into her.
    shop.send(identify("alice", anon="phone"))
    assert shop.person_of("phone") == alice
    assert shop.persons_of_events(anonymous_id="phone") == {alice}
    assert shop.count("persons") == 1
    merges = shop.ws.con.execute(
        "SELECT status, source_person_id, target_person_id FROM person_merges"
    ).fetchall()
    assert merges == [("merged", phone_person, alice)]


def test_two_identified_customers_are_never_merged(shop):
    shop.send(identify("alice", anon="shared-tablet"), track("Order Completed", user="alice"))
    alice = shop.person_of("alice")
    # Bob logs in on the same tablet: his events must not become Alice's.
    shop.send(identify("bob", anon="shared-tablet"), track("Order Completed", user="bob"))
    bob = shop.person_of("bob")
    assert bob != alice
    assert shop.persons_of_events(user_id="bob") == {bob}
    assert shop.persons_of_events(user_id="alice") == {alice}
    assert shop.person_of("shared-tablet") == alice
    assert shop.ws.con.execute("SELECT status FROM person_merges").fetchall() == [("refused",)]
    # Linking the two known users directly is refused too.
    shop.send(track("Page Viewed", user="bob", anon="alice"))
    assert shop.person_of("alice") == alice and shop.person_of("bob") == bob


def test_alias_joins_a_previous_id(shop):
    shop.send(track("Email Opened", anon="crm-77"))
    crm = shop.person_of("crm-77")
    shop.send(identify("carol"))
    carol = shop.person_of("carol")
    assert carol != crm and shop.count("persons") == 2
    shop.send(alias("crm-77", "carol"))
    # The anonymous CRM person merged into Carol, events included.
    assert shop.person_of("crm-77") == carol
    assert shop.persons_of_events(anonymous_id="crm-77") == {carol}
    assert shop.count("persons") == 1


@pytest.mark.parametrize("junk", ["null", "undefined", "anonymous", "guest", "0", "", "  ", "NULL"])
def test_placeholder_ids_are_refused(shop, junk):
    rejected = shop.send(identify(junk, anon="device-9"), track("Signed Up", user=junk))
    assert [r.code for r in rejected] == ["illegal_id", "illegal_id"]
    assert shop.count("events") == 0 and shop.count("identities") == 0


def test_merge_within_one_batch(shop):
    # Both devices are seen and joined inside one request.
    shop.send(
        track("Product Viewed", anon="web-1"),
        track("App Opened", anon="app-1"),
        identify("dana", anon="web-1"),
        identify("dana", anon="app-1"),
        track("Order Completed", user="dana"),
    )
    dana = shop.person_of("dana")
    assert shop.person_of("web-1") == shop.person_of("app-1") == dana
    assert shop.ws.con.execute("SELECT DISTINCT person_id FROM events").fetchall() == [(dana,)]
    assert shop.count("persons") == 1


def test_traits_follow_identify_and_survive_merges(shop):
    shop.send(track("Viewed", anon="d1"))
    shop.send(identify("erin", email="Erin@Example.com", address={"city": "上海", "country": "CN"}))
    shop.send(identify("erin", anon="d1", plan="gold"))
    row = shop.ws.con.execute(
        "SELECT email, city, country, traits->>'plan' FROM persons"
    ).fetchall()
    assert row == [("erin@example.com", "上海", "CN", "gold")]


def test_state_survives_reopening(tmp_path):
    first = Journeys(tmp_path / "ws")
    first.send(track("Viewed", anon="d1"), identify("fay", anon="d1"))
    fay = first.person_of("fay")
    first.close()
    second = Journeys(tmp_path / "ws")
    second.send(track("Viewed", anon="d2"), identify("fay", anon="d2"))
    assert second.person_of("d2") == fay
    second.send(track("Viewed", anon="d3"))
    assert second.person_of("d3") != fay  # a new person gets a fresh id, not a reused one
    assert second.count("persons") == 2
    second.close()


def test_a_merged_person_stays_in_their_static_segments(shop):
    from journeylens.store import segments

    shop.send(identify("alice", anon="laptop"), track("Order Completed", user="alice"))
    shop.send(track("Product Viewed", anon="phone"), track("Product Viewed", anon="tablet"))
    alice, phone, tablet = (shop.person_of(i) for i in ("alice", "phone", "tablet"))
    both = segments.create_static(shop.ws.con, "both devices", [alice, phone])
    phone_only = segments.create_static(shop.ws.con, "phone only", [phone, tablet])
    shop.send(identify("alice", anon="phone"))  # the phone's person merges into Alice
    assert segments.members(shop.ws.con, both["segment_id"]) == [alice]
    assert segments.members(shop.ws.con, phone_only["segment_id"]) == sorted([alice, tablet])
