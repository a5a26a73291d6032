"""Property tests (hypothesis): normalisation, clock skew, dedupe and identity invariants."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.ingest import posthog, segment
from journeylens.ingest.normalize import Reject, corrected_timestamp
from tests.journeys import Journeys, alias, identify, track

RECEIVED = datetime(2025, 6, 1, 12, 0, 0)

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # no lone surrogates
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)
properties = st.dictionaries(text, json_values, max_size=8)


@given(properties)
def test_properties_round_trip_exactly(props):
    row = segment.normalize_message(
        {"type": "track", "event": "E", "userId": "u", "properties": props},
        received_at=RECEIVED,
    )
    assert orjson.loads(row["properties"] or "{}") == props


@given(
    json_values, st.sampled_from(["track", "page", "identify", "alias", "group", "screen", None])
)
def test_any_message_is_stored_or_rejected_with_a_reason(value, route_type):
    for message in (value, {"type": "track", "userId": "u", "event": value}, {"userId": value}):
        try:
            row = segment.normalize_message(message, received_at=RECEIVED, implied_type=route_type)
        except Reject as rejected:
            assert rejected.code and rejected.message
        else:
            assert row["user_id"] or row["anonymous_id"]
        try:
            posthog.normalize_event(message, received_at=RECEIVED, batch_sent_at=None)
        except Reject as rejected:
            assert rejected.code and rejected.message


moments = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2100, 1, 1))


@given(
    moments,
    st.timedeltas(timedelta(days=-30), timedelta(days=30)),
    st.timedeltas(timedelta(0), timedelta(days=2)),
)
def test_clock_skew_is_taken_out(device_now, skew, delay):
    # The device clock is off by `skew`; the event happened `delay` before the send.
    true_event_time = device_now - delay
    sent_by_device = device_now + skew
    original_by_device = true_event_time + skew
    received = device_now  # the server's clock is right, the network instant
    assert corrected_timestamp(original_by_device, sent_by_device, received) == true_event_time


def _workspace() -> Journeys:
    return Journeys(Path(tempfile.mkdtemp()) / "ws")


message_ids = st.sampled_from([f"m{i}" for i in range(12)])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(message_ids, min_size=1, max_size=6), min_size=1, max_size=6))
def test_each_message_id_is_stored_once(batches):
    shop = _workspace()
    try:
        for batch in batches:
            shop.send(*[track("E", anon="a", messageId=m, properties={"m": m}) for m in batch])
        sent = {m for batch in batches for m in batch}
        assert shop.count("events") == len(sent)
        # Sending everything again changes nothing.
        for batch in batches:
            shop.send(*[track("E", anon="a", messageId=m, properties={"m": m}) for m in batch])
        stored = shop.ws.con.execute("SELECT message_id, properties->>'m' FROM events").fetchall()
        assert sorted(stored) == sorted((m, m) for m in sent)
    finally:
        shop.close()


users = st.sampled_from(["u1", "u2", "u3"])
devices = st.sampled_from(["d1", "d2", "d3", "d4"])
operations = st.one_of(
    st.builds(lambda d: track("Viewed", anon=d), devices),
    st.builds(lambda u: track("Bought", user=u), users),
    st.builds(lambda u, d: track("Clicked", user=u, anon=d), users, devices),
    st.builds(lambda u, d: identify(u, anon=d), users, devices),
)


def _partition(shop: Journeys) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for distinct_id, person_id in shop.ws.con.execute(
        "SELECT distinct_id, person_id FROM identities"
    ).fetchall():
        groups.setdefault(person_id, set()).add(distinct_id)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, min_size=1, max_size=12))
def test_identity_invariants(ops):
    one_by_one, all_at_once = _workspace(), _workspace()
    try:
        for op in ops:
            one_by_one.send(op)
        all_at_once.send(*ops)
        for shop in (one_by_one, all_at_once):
            con = shop.ws.con
            # Identified customers are never merged with each other: one user id per person.
            assert con.execute(
                "SELECT max(n) FROM (SELECT count(*) n FROM identities WHERE kind = 'user' GROUP BY person_id)"
            ).fetchone()[0] in (None, 1)
            # Every event points at a live person; a user's events all point at that user's person.
            assert (
                con.execute(
                    "SELECT count(*) FROM events WHERE person_id NOT IN (SELECT person_id FROM persons)"
                ).fetchone()[0]
                == 0
            )
            assert (
                con.execute(
                    "SELECT count(*) FROM events e JOIN identities i ON i.distinct_id = e.user_id"
                    " WHERE e.person_id <> i.person_id"
                ).fetchone()[0]
                == 0
            )
            assert (
                con.execute(
                    "SELECT count(*) FROM events e JOIN identities i ON i.distinct_id = e.anonymous_id"
                    " WHERE e.user_id IS NULL AND e.person_id <> i.person_id"
                ).fetchone()[0]
                == 0
            )
            assert set(
                r[0] for r in con.execute("SELECT DISTINCT person_id FROM identities").fetchall()
            ) == set(r[0] for r in con.execute("SELECT person_id FROM persons").fetchall())
        # Batching does not change who is who.
        assert _partition(one_by_one) == _partition(all_at_once)
    finally:
        one_by_one.close()
        all_at_once.close()


def test_aliases_are_the_only_way_to_join_two_user_ids(tmp_path):
    shop = Journeys(tmp_path / "ws")
    shop.send(identify("u1", anon="d1"), alias("legacy-1", "u1"))
    assert shop.person_of("legacy-1") == shop.person_of("u1")
    shop.close()
