"""The collector's contract for bad input: the corpus, mixed batches, text, admin keys."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
import pytest

import journeylens
from tests.bad_input_corpus import BIG, CORPUS, Bad
from tests.collector_env import (
    KEY,
    UNICODE_TEXTS,
    Env,
    _basic,
    env_fixture,  # noqa: F401 - the module-scoped server
    js,
    ph,
    ph_batch,
    seg,
)
from tests.conftest import Server


def test_corpus_is_large_and_named_uniquely():
    ids = [case.id for case in CORPUS]
    assert len(ids) >= 50
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CORPUS])
def test_bad_input_gets_a_4xx_with_a_reason(env: Env, case: Bad):
    response = env.post(
        case.route, case.body, auth=case.auth, headers=case.headers, chunked=case.chunked
    )
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["code"] == case.code
    assert isinstance(body["message"], str) and len(body["message"]) > 10
    rejected = body.get("rejected", [])
    assert [item["index"] for item in rejected] == list(case.rejected)
    for item in rejected:
        assert item["code"] and item["message"]
    if case.status == 401:
        assert "WWW-Authenticate" in response.headers


# ---- mixed batches ---------------------------------------------------------------------
SEGMENT_GOOD = [
    {
        "type": "track",
        "messageId": "mix-seg-good-0",
        "userId": "u-mix",
        "event": "Order Completed",
        "properties": {"revenue": 10.5, "currency": "eur"},
    },
    {
        "type": "identify",
        "messageId": "mix-seg-good-1",
        "userId": "u-mix",
        "anonymousId": "a-mix",
        "traits": {"name": "Zoë"},
    },
    {"type": "page", "messageId": "mix-seg-good-2", "anonymousId": "a-mix-2", "name": "首页"},
    {"type": "screen", "messageId": "mix-seg-good-3", "userId": "u-mix", "name": "Cart"},
    {"type": "group", "messageId": "mix-seg-good-4", "userId": "u-mix", "groupId": "g-mix"},
    {"type": "alias", "messageId": "mix-seg-good-5", "userId": "u-mix", "previousId": "legacy-mix"},
    {
        "type": "track",
        "messageId": "mix-seg-good-6",
        "anonymousId": "a-mix",
        "event": "שלום",
        "timestamp": "2024-05-01T12:00:00+03:00",
    },
]
SEGMENT_BAD = [
    ({"type": "track", "messageId": "mix-seg-bad-0", "event": "No Ids"}, "missing_id"),
    (
        {"type": "track", "messageId": "mix-seg-bad-1", "userId": "undefined", "event": "E"},
        "illegal_id",
    ),
    ({"type": "track", "messageId": "mix-seg-bad-2", "userId": "u-mix"}, "missing_event"),
    (
        {
            "type": "track",
            "messageId": "mix-seg-bad-3",
            "userId": "u-mix",
            "event": "E",
            "properties": ["a"],
        },
        "invalid_type",
    ),
    (
        {
            "type": "track",
            "messageId": "mix-seg-bad-4",
            "userId": "u-mix",
            "event": "E",
            "properties": {"blob": BIG},
        },
        "event_too_large",
    ),
    (
        {
            "type": "track",
            "messageId": "mix-seg-bad-5",
            "userId": "u-mix",
            "event": "E",
            "timestamp": "0001-01-01T00:00:00+01:00",
        },
        "invalid_timestamp",
    ),
    ({"type": "purchase", "messageId": "mix-seg-bad-6", "userId": "u-mix"}, "invalid_type"),
    ("mix-seg-not-an-object", "invalid_type"),
]
POSTHOG_GOOD = [
    {
        "uuid": "mix-ph-good-0",
        "event": "$pageview",
        "distinct_id": "d-mix",
        "properties": {"$current_url": "https://shop.example/?utm_source=mail"},
    },
    {
        "uuid": "mix-ph-good-1",
        "event": "product viewed",
        "distinct_id": "d-mix",
        "properties": {"name": "手机"},
    },
    {
        "uuid": "mix-ph-good-2",
        "event": "$identify",
        "distinct_id": "u-ph-mix",
        "properties": {"$anon_distinct_id": "d-mix"},
    },
    {
        "uuid": "mix-ph-good-3",
        "event": "$create_alias",
        "distinct_id": "u-ph-mix",
        "properties": {"alias": "crm-mix"},
    },
    {
        "uuid": "mix-ph-good-4",
        "event": "$groupidentify",
        "distinct_id": "u-ph-mix",
        "properties": {"$group_type": "company", "$group_key": "acme"},
    },
    {
        "uuid": "mix-ph-good-5",
        "event": "$set",
        "distinct_id": "u-ph-mix",
        "$set": {"email": "mix@example.com"},
    },
    {"uuid": "mix-ph-good-6", "event": "checkout", "distinct_id": "d-mix", "offset": 1500},
]
POSTHOG_BAD = [
    ({"uuid": "mix-ph-bad-0", "event": "no id"}, "missing_id"),
    ({"uuid": "mix-ph-bad-1", "distinct_id": "d-mix"}, "missing_event"),
    ({"uuid": "mix-ph-bad-2", "event": "e", "distinct_id": "null"}, "illegal_id"),
    (
        {"uuid": "mix-ph-bad-3", "event": "$create_alias", "distinct_id": "u-ph-mix"},
        "missing_alias",
    ),
    (
        {"uuid": "mix-ph-bad-4", "event": "e", "distinct_id": "d-mix", "properties": "x"},
        "invalid_type",
    ),
    (
        {"uuid": "mix-ph-bad-5", "event": "e", "distinct_id": "d-mix", "properties": {"blob": BIG}},
        "event_too_large",
    ),
    (
        {
            "uuid": "mix-ph-bad-6",
            "event": "e",
            "distinct_id": "d-mix",
            "timestamp": "9999-01-01T00:00:00Z",
        },
        "invalid_timestamp",
    ),
    ("mix-ph-not-an-object", "invalid_type"),
]


def interleave(good: list[Any], bad: list[tuple[Any, str]]) -> tuple[list[Any], dict[int, Any]]:
    """good, bad, good, bad, ...; returns the batch and {index: (message, code)} of the bad."""
    batch: list[Any] = []
    bad_at: dict[int, Any] = {}
    for position in range(max(len(good), len(bad))):
        if position < len(good):
            batch.append(good[position])
        if position < len(bad):
            bad_at[len(batch)] = bad[position]
            batch.append(bad[position][0])
    return batch, bad_at


@pytest.mark.parametrize(
    ("route", "envelope", "good", "bad", "id_field", "source"),
    [
        pytest.param(
            "/v1/batch", {}, SEGMENT_GOOD, SEGMENT_BAD, "messageId", "segment", id="segment"
        ),
        pytest.param(
            "/batch/", {"api_key": KEY}, POSTHOG_GOOD, POSTHOG_BAD, "uuid", "posthog", id="posthog"
        ),
    ],
)
def test_mixed_batch_stores_the_good_and_reports_the_bad(
    env: Env, route: str, envelope: dict, good: list, bad: list, id_field: str, source: str
):
    batch, bad_at = interleave(good, bad)
    response = env.post(route, js({**envelope, "batch": batch}))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["accepted"] == len(good)
    assert [(item["index"], item["code"]) for item in body["rejected"]] == [
        (index, code) for index, (_, code) in sorted(bad_at.items())
    ]
    assert all(len(item["message"]) > 10 for item in body["rejected"])

    stored = env.events_by_id()
    for message in good:
        assert message[id_field] in stored, f"{message[id_field]} was acknowledged but not stored"
        assert stored[message[id_field]]["source"] == source
    bad_ids = {m[id_field] for m, _ in bad if isinstance(m, dict)}
    assert not bad_ids & set(stored)

    # Each rejected event is kept with its reason and its raw payload.
    failed = [row for row in env.failed_events() if row["route"] == route]
    for index, (message, code) in bad_at.items():
        if isinstance(message, dict):
            (row,) = [row for row in failed if row["message_id"] == message[id_field]]
        else:
            (row,) = [row for row in failed if row["raw"] == json.dumps(message)]
        assert (row["batch_index"], row["code"], row["source"]) == (index, code, source)
        assert row["message"]
        assert orjson.loads(row["raw"]) == message


# ---- text --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("route", "body", "message_id"),
    [
        pytest.param(
            "/v1/track",
            b'{"userId": "u-sur", "event": "Sur\\ud800rogate", "messageId": "sur-seg", "properties": '
            b'{"high": "\\ud800x", "low": "a\\udc00", "reversed": "\\udc00\\ud800", '
            b'"pair": "\\ud83d\\ude00", "key\\udfff": "v"}}',
            "sur-seg",
            id="segment",
        ),
        pytest.param(
            "/capture/",
            b'{"api_key": "$KEY", "uuid": "sur-ph", "event": "Sur\\ud800rogate", "distinct_id": "d-sur", '
            b'"properties": {"high": "\\ud800x", "low": "a\\udc00", "reversed": "\\udc00\\ud800", '
            b'"pair": "\\ud83d\\ude00", "key\\udfff": "v"}}',
            "sur-ph",
            id="posthog",
        ),
    ],
)
def test_lone_surrogates_become_replacement_characters(
    env: Env, route: str, body: bytes, message_id: str
):
    response = env.post(route, body, auth="basic" if route.startswith("/v1") else "none")
    assert response.status_code == 200, response.text
    stored = env.events_by_id()[message_id]
    assert stored["event"] == "Sur\ufffdrogate"
    assert stored["properties"] == {
        "high": "\ufffdx",
        "low": "a\ufffd",
        "reversed": "\ufffd\ufffd",
        "pair": "😀",  # a valid surrogate pair is one emoji, not two replacements
        "key\ufffd": "v",
    }


def test_invalid_utf8_bytes_inside_strings_become_replacement_characters(env: Env):
    # The body decoder's documented choice: replace, as for lone surrogates, rather than
    # lose a whole batch to one mangled byte. Outside strings it is still malformed JSON.
    body = b'{"userId": "u-utf8", "event": "Bad Bytes", "messageId": "bad-utf8", "properties": {"note": "caf\xe9 \xff\xfe ok"}}'
    response = env.post("/v1/track", body)
    assert response.status_code == 200, response.text
    assert env.events_by_id()["bad-utf8"]["properties"] == {"note": "caf\ufffd \ufffd\ufffd ok"}


def test_unicode_round_trips_through_the_api_byte_exact(env: Env):
    env.post(
        "/v1/track",
        js(
            seg(userId="用户-42", event="購入完了 ✓", messageId="uni-seg", properties=UNICODE_TEXTS)
        ),
    )
    env.post(
        "/batch/",
        ph_batch(
            ph(uuid="uni-ph", distinct_id="משתמש-7", event="הזמנה הושלמה", properties=UNICODE_TEXTS)
        ),
        auth="none",
    )

    response = env.client.get(
        "/api/events?limit=1000", headers={"Authorization": f"Bearer {env.admin}"}
    )
    stored = {event["message_id"]: event for event in response.json()["events"]}
    segment_event, posthog_event = stored["uni-seg"], stored["uni-ph"]
    assert (segment_event["user_id"], segment_event["event"]) == ("用户-42", "購入完了 ✓")
    assert (posthog_event["anonymous_id"], posthog_event["event"]) == ("משתמש-7", "הזמנה הושלמה")
    for event in (segment_event, posthog_event):
        for name, text in UNICODE_TEXTS.items():
            assert event["properties"][name].encode() == text.encode(), name
    # The API answers with UTF-8 text, not \u escapes.
    for text in UNICODE_TEXTS.values():
        assert text.encode() in response.content


def test_unicode_is_stored_as_utf8_not_escaped(server: Server, keys: dict[str, str]):
    body = js(seg(userId="用户-42", messageId="uni-stored", properties=UNICODE_TEXTS))
    response = httpx.post(
        f"{server.url}/v1/track", content=body, headers={"Authorization": _basic(keys["write"])}
    )
    assert response.status_code == 200, response.text
    server.stop()  # one process owns the database; read it once the server is gone

    with journeylens.open(server.workspace) as ws:
        stored, user_id = ws.con.execute(
            "SELECT properties::VARCHAR, user_id FROM events WHERE message_id = 'uni-stored'"
        ).fetchone()
    assert user_id == "用户-42"
    assert orjson.loads(stored) == UNICODE_TEXTS
    for text in UNICODE_TEXTS.values():
        assert json.dumps(text, ensure_ascii=False) in stored


# ---- keys on the API ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/events", "/api/failed-events", "/api/status", "/openapi.json"]
)
@pytest.mark.parametrize("auth", ["write-bearer", "write-basic", "none", "unknown", "revoked"])
def test_api_routes_refuse_write_keys_and_strangers(env: Env, path: str, auth: str):
    headers = {
        "write-bearer": {"Authorization": f"Bearer {env.write}"},
        "write-basic": {"Authorization": _basic(env.write)},
        "none": {},
        "unknown": {"Authorization": "Bearer jla_not-a-key-we-ever-issued"},
        "revoked": {"Authorization": f"Bearer {env.revoked}"},
    }[auth]
    response = env.client.get(path, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert "admin" in body["message"] or "Unknown" in body["message"]
    if auth.startswith("write"):
        assert "write key cannot" in body["message"] or "Write keys can only" in body["message"]
    assert env.client.get(path, headers={"Authorization": f"Bearer {env.admin}"}).status_code == 200
    # A read key reads and analyses; the API description stays for admins.
    as_reader = env.client.get(path, headers={"Authorization": f"Bearer {env.read}"})
    assert as_reader.status_code == (401 if path == "/openapi.json" else 200)
