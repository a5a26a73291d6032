"""The collector's contract for bad input: the corpus, mixed batches, text, admin keys."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest

import journeylens
from tests.collector_env import (
    DROP,
    FORM,
    GZIP,
    KEY,
    UNICODE_TEXTS,
    Env,
    _basic,
    env_fixture,  # noqa: F401 - the module-scoped server
    js,
    nested,
    ph,
    ph_batch,
    seg,
)
from tests.conftest import Server

BIG = "x" * (40 * 1024)  # one string that takes an event past 32 KB
OVER_500_KB = js({"batch": [seg(properties={"pad": "y" * 1000})] * 600})
GZIP_BOMB = gzip.compress(b'{"batch": [' + b" " * 20_000_000 + b"]}", compresslevel=9)


@dataclass(frozen=True)
class Bad:
    """One bad request and the answer it must get."""

    id: str
    route: str
    body: bytes
    status: int
    code: str
    rejected: tuple[int, ...] = ()  # indexes listed in the response's ``rejected``
    auth: str = "basic"
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False


def body_error(id: str, route: str, body: bytes, code: str, **more: Any) -> Bad:
    return Bad(id, route, body, more.pop("status", 400), code, **more)


def event_error(id: str, route: str, message: dict[str, Any], code: str) -> Bad:
    """One bad event on a single-event route: 400 listing index 0."""
    return Bad(id, route, js(message), 400, code, rejected=(0,))


def segment_batch_error(id: str, messages: list[Any], code: str) -> Bad:
    """A Segment batch in which every message is bad: 400, all indexes listed."""
    return Bad(id, "/v1/batch", js({"batch": messages}), 400, code, tuple(range(len(messages))))


def posthog_error(id: str, event: Any, code: str, route: str = "/batch/") -> Bad:
    return Bad(id, route, ph_batch(event), 400, code, rejected=(0,), auth="none")


def unauthorized(id: str, route: str, body: bytes, auth: str) -> Bad:
    return Bad(id, route, body, 401, "unauthorized", auth=auth)


CORPUS: list[Bad] = [
    # -- not JSON at all, or not quite JSON
    body_error("truncated-json", "/v1/track", b'{"userId": "u-1", "event": "Sig', "malformed_json"),
    body_error("truncated-after-colon", "/v1/batch", b'{"batch": ', "malformed_json"),
    body_error(
        "trailing-comma", "/v1/track", b'{"userId": "u-1", "event": "E",}', "malformed_json"
    ),
    body_error("single-quotes", "/v1/track", b"{'userId': 'u-1', 'event': 'E'}", "malformed_json"),
    body_error("unquoted-keys", "/v1/track", b'{userId: "u-1", event: "E"}', "malformed_json"),
    body_error(
        "js-comment", "/v1/track", b'// hi\n{"userId": "u-1", "event": "E"}', "malformed_json"
    ),
    body_error(
        "nan-literal",
        "/v1/track",
        b'{"userId": "u", "event": "E", "properties": {"x": NaN}}',
        "malformed_json",
    ),
    body_error(
        "infinity-literal",
        "/v1/track",
        b'{"userId": "u", "event": "E", "properties": {"x": -Infinity}}',
        "malformed_json",
    ),
    body_error(
        "number-overflows-double",
        "/v1/track",
        b'{"userId": "u", "event": "E", "properties": {"x": 1e400}}',
        "malformed_json",
    ),
    # A lone surrogate sends parsing down the lenient path: NaN must still be refused there.
    body_error(
        "nan-after-lone-surrogate",
        "/v1/track",
        b'{"userId": "u", "event": "E", "properties": {"s": "\\ud800", "x": NaN}}',
        "malformed_json",
    ),
    body_error(
        "overflow-after-lone-surrogate",
        "/v1/track",
        b'{"userId": "u", "event": "E", "properties": {"s": "\\ud800", "x": 1e400}}',
        "malformed_json",
    ),
    body_error(
        "two-documents",
        "/v1/track",
        b'{"userId": "u", "event": "E"} {"userId": "u"}',
        "malformed_json",
    ),
    body_error("plain-text", "/v1/batch", b"hello, world", "malformed_json"),
    body_error(
        "invalid-utf8-outside-strings", "/v1/track", b'{"userId": "u", \xff\xfe}', "malformed_json"
    ),
    body_error("bad-escape", "/v1/track", b'{"userId": "u", "event": "\\x41"}', "malformed_json"),
    body_error(
        "posthog-truncated",
        "/batch/",
        b'{"api_key": "k", "batch": [{"event": "e"',
        "malformed_json",
        auth="none",
    ),
    body_error("empty-body", "/v1/track", b"", "empty_body"),
    body_error("whitespace-body", "/batch/", b"  \n\t ", "empty_body", auth="none"),
    # -- JSON, but not an object where one is needed
    body_error("segment-array", "/v1/track", js([seg()]), "invalid_body"),
    body_error("segment-batch-array", "/v1/batch", js([seg(type="track")]), "invalid_body"),
    body_error("segment-string", "/v1/identify", b'"u-1"', "invalid_body"),
    body_error("segment-number", "/v1/page", b"42", "invalid_body"),
    body_error("segment-null", "/v1/track", b"null", "invalid_body"),
    body_error("segment-bool", "/v1/batch", b"true", "invalid_body"),
    body_error("posthog-string", "/batch/", b'"an event"', "invalid_body", auth="none"),
    body_error("posthog-number", "/capture/", b"3.14", "invalid_body", auth="none"),
    body_error("posthog-null", "/i/v0/e/", b"null", "invalid_body", auth="none"),
    # -- nesting
    body_error("arrays-2000-deep", "/v1/track", b"[" * 2000 + b"]" * 2000, "too_deep"),
    body_error(
        "objects-2000-deep",
        "/batch/",
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
        "too_deep",
        auth="none",
    ),
    event_error("properties-100-deep", "/v1/track", seg(properties=nested(100)), "too_deep"),
    posthog_error("posthog-properties-100-deep", ph(properties=nested(100)), "too_deep"),
    # The batch-level context is copied into every event, so its depth counts (was a 500).
    Bad(
        "batch-context-300-deep",
        "/v1/batch",
        js({"batch": [seg(type="track")], "context": nested(300)}),
        400,
        "too_deep",
        (0,),
    ),
    # -- size
    body_error("body-over-500kb", "/v1/batch", OVER_500_KB, "body_too_large", status=413),
    body_error(
        "body-over-500kb-chunked",
        "/v1/batch",
        OVER_500_KB,
        "body_too_large",
        status=413,
        chunked=True,
    ),
    body_error(
        "posthog-body-over-500kb",
        "/batch/",
        b'{"api_key": "k", "batch": [' + b" " * 600_000 + b"]}",
        "body_too_large",
        status=413,
        auth="none",
    ),
    body_error("gzip-bomb", "/v1/batch", GZIP_BOMB, "body_too_large", status=413, headers=GZIP),
    body_error(
        "gzip-js-bomb",
        "/e/?compression=gzip-js",
        GZIP_BOMB,
        "body_too_large",
        status=413,
        auth="none",
    ),
    event_error("event-over-32kb", "/v1/track", seg(properties={"blob": BIG}), "event_too_large"),
    posthog_error(
        "posthog-event-over-32kb",
        ph(properties={"blob": BIG}),
        "event_too_large",
        route="/capture/",
    ),
    Bad(
        "batch-context-over-32kb",
        "/v1/batch",
        js({"batch": [seg(type="track")], "context": {"blob": BIG}}),
        400,
        "event_too_large",
        (0,),
    ),
    # -- compression and encodings
    body_error("not-gzip", "/v1/track", b"this is not gzip at all", "bad_gzip", headers=GZIP),
    body_error(
        "truncated-gzip", "/v1/track", gzip.compress(js(seg()))[:20], "bad_gzip", headers=GZIP
    ),
    body_error("gzip-js-not-gzip", "/e/?compression=gzip-js", js(ph()), "bad_gzip", auth="none"),
    body_error(
        "brotli",
        "/v1/track",
        js(seg()),
        "unsupported_encoding",
        status=415,
        headers=(("Content-Encoding", "br"),),
    ),
    body_error(
        "zstd",
        "/batch/",
        ph_batch(ph()),
        "unsupported_encoding",
        status=415,
        auth="none",
        headers=(("Content-Encoding", "zstd"),),
    ),
    body_error("lz64", "/e/?compression=lz64", b"N4IgLgpg", "unsupported_compression", auth="none"),
    body_error(
        "form-without-data", "/e/", b"payload=abc", "malformed_form", auth="none", headers=FORM
    ),
    body_error(
        "form-data-not-base64", "/e/", b"data=!!!", "malformed_form", auth="none", headers=FORM
    ),
    body_error(
        "form-not-ascii", "/e/", "data=é".encode(), "malformed_form", auth="none", headers=FORM
    ),
    body_error(
        "form-data-not-json",
        "/e/",
        b"data=" + base64.b64encode(b"not json"),
        "malformed_json",
        auth="none",
        headers=FORM,
    ),
    # -- identifiers
    event_error("no-ids", "/v1/track", seg(userId=DROP), "missing_id"),
    event_error("null-ids", "/v1/track", seg(userId=None, anonymousId=None), "missing_id"),
    *[
        event_error(f"illegal-userId-{name}", "/v1/track", seg(userId=value), "illegal_id")
        for name, value in [
            ("null", "null"),
            ("NULL-padded", "  NULL "),
            ("undefined", "undefined"),
            ("anonymous", "anonymous"),
            ("guest", "Guest"),
            ("zero-string", "0"),
            ("zero-number", 0),
            ("empty", ""),
            ("object-object", "[object Object]"),
        ]
    ],
    event_error(
        "illegal-anonymousId", "/v1/page", seg(userId=DROP, anonymousId="undefined"), "illegal_id"
    ),
    event_error("userId-object", "/v1/track", seg(userId={"id": "u-1"}), "invalid_type"),
    event_error("userId-bool", "/v1/identify", seg(userId=True), "invalid_type"),
    event_error("userId-list", "/v1/track", seg(userId=["u-1"]), "invalid_type"),
    event_error("userId-too-long", "/v1/track", seg(userId="u" * 300), "invalid_id"),
    event_error("messageId-object", "/v1/track", seg(messageId={"id": 1}), "invalid_type"),
    # -- names and types
    event_error("track-without-event", "/v1/track", seg(event=DROP), "missing_event"),
    event_error("track-event-empty", "/v1/track", seg(event=""), "missing_event"),
    event_error("track-event-blank", "/v1/track", seg(event="   "), "missing_event"),
    event_error("event-number", "/v1/track", seg(event=42), "invalid_type"),
    event_error("event-too-long", "/v1/track", seg(event="E" * 300), "invalid_name"),
    event_error("page-name-number", "/v1/page", seg(name=7), "invalid_type"),
    event_error("properties-list", "/v1/track", seg(properties=[1, 2]), "invalid_type"),
    event_error("properties-string", "/v1/screen", seg(properties="price=1"), "invalid_type"),
    event_error("context-string", "/v1/track", seg(context="web"), "invalid_type"),
    event_error("traits-number", "/v1/identify", seg(traits=5), "invalid_type"),
    event_error("alias-without-previousId", "/v1/alias", {"userId": "u-1"}, "missing_previous_id"),
    event_error(
        "alias-previousId-illegal",
        "/v1/alias",
        {"userId": "u-1", "previousId": "null"},
        "illegal_id",
    ),
    event_error(
        "alias-without-userId",
        "/v1/alias",
        {"anonymousId": "a-1", "previousId": "p-1"},
        "missing_id",
    ),
    event_error("group-without-groupId", "/v1/group", {"userId": "u-1"}, "missing_group_id"),
    event_error(
        "group-groupId-undefined",
        "/v1/group",
        {"userId": "u-1", "groupId": "undefined"},
        "illegal_id",
    ),
    # -- timestamps
    event_error(
        "timestamp-words", "/v1/track", seg(timestamp="yesterday at noon"), "invalid_timestamp"
    ),
    event_error(
        "timestamp-epoch-number", "/v1/track", seg(timestamp=1714564800), "invalid_timestamp"
    ),
    event_error(
        "timestamp-year-0001",
        "/v1/track",
        seg(timestamp="0001-01-01T00:00:00Z"),
        "invalid_timestamp",
    ),
    event_error(
        "timestamp-year-9999",
        "/v1/track",
        seg(timestamp="9999-12-31T23:59:59Z"),
        "invalid_timestamp",
    ),
    # These two overflowed the calendar when converted to UTC (were 500s).
    event_error(
        "timestamp-year-0001-east",
        "/v1/track",
        seg(timestamp="0001-01-01T00:00:00+01:00"),
        "invalid_timestamp",
    ),
    event_error(
        "timestamp-year-9999-west",
        "/v1/track",
        seg(timestamp="9999-12-31T23:59:59-01:00"),
        "invalid_timestamp",
    ),
    event_error(
        "timestamp-offset-25h",
        "/v1/track",
        seg(timestamp="2024-05-01T12:00:00+25:00"),
        "invalid_timestamp",
    ),
    body_error(
        "batch-sentAt-invalid",
        "/v1/batch",
        js({"batch": [seg(type="track")], "sentAt": "soon"}),
        "invalid_timestamp",
    ),
    # -- batch shape
    body_error("batch-object", "/v1/batch", js({"batch": seg(type="track")}), "invalid_body"),
    body_error("batch-missing", "/v1/batch", js({"messages": [seg(type="track")]}), "invalid_body"),
    segment_batch_error(
        "batch-items-not-objects", [1, "track", None, [seg(type="track")]], "invalid_type"
    ),
    segment_batch_error("batch-unknown-type", [seg(type="purchase")], "invalid_type"),
    segment_batch_error("batch-type-number", [seg(type=1)], "invalid_type"),
    segment_batch_error("batch-missing-type", [seg()], "missing_type"),
    # -- PostHog events
    posthog_error("posthog-without-distinct_id", ph(distinct_id=DROP), "missing_id"),
    posthog_error("posthog-without-event", ph(event=DROP), "missing_event", route="/i/v0/e/"),
    posthog_error("posthog-event-empty", ph(event=""), "missing_event"),
    posthog_error("posthog-event-number", ph(event=3), "invalid_type"),
    posthog_error("posthog-distinct_id-undefined", ph(distinct_id="undefined"), "illegal_id"),
    posthog_error("posthog-distinct_id-empty", ph(distinct_id=""), "illegal_id", route="/e/"),
    posthog_error("posthog-distinct_id-object", ph(distinct_id={"id": 1}), "invalid_type"),
    posthog_error(
        "posthog-distinct_id-bool", ph(distinct_id=False), "invalid_type", route="/track/"
    ),
    posthog_error(
        "posthog-create-alias-without-alias",
        ph(event="$create_alias", properties={}),
        "missing_alias",
    ),
    posthog_error(
        "posthog-create-alias-alias-null",
        ph(event="$create_alias", properties={"alias": "null"}),
        "illegal_id",
    ),
    posthog_error(
        "posthog-identify-anon-undefined",
        ph(event="$identify", properties={"$anon_distinct_id": "undefined"}),
        "illegal_id",
    ),
    posthog_error(
        "posthog-groupidentify-without-key",
        ph(event="$groupidentify", properties={"$group_type": "company"}),
        "missing_group_id",
    ),
    posthog_error("posthog-properties-list", ph(properties=["a"]), "invalid_type"),
    posthog_error("posthog-set-list", ph(**{"$set": ["email"]}), "invalid_type"),
    posthog_error("posthog-timestamp-words", ph(timestamp="now-ish"), "invalid_timestamp"),
    # An offset of 1e300 ms overflowed the clock (was a 500).
    posthog_error("posthog-offset-overflow", ph(offset=1e300), "invalid_timestamp"),
    posthog_error("posthog-offset-before-1970", ph(offset=-(10**15)), "invalid_timestamp"),
    body_error(
        "posthog-sent_at-number",
        "/batch/",
        ph_batch(ph(), sent_at=12),
        "invalid_timestamp",
        auth="none",
    ),
    body_error(
        "posthog-batch-object",
        "/batch/",
        js({"api_key": KEY, "batch": ph()}),
        "invalid_body",
        auth="none",
    ),
    # -- keys
    unauthorized("segment-no-key", "/v1/track", js(seg()), "none"),
    unauthorized("segment-unknown-key-basic", "/v1/track", js(seg()), "unknown"),
    unauthorized(
        "segment-unknown-key-in-body",
        "/v1/batch",
        js({"writeKey": "jlw_nope", "batch": []}),
        "none",
    ),
    unauthorized("segment-revoked-key", "/v1/batch", js({"batch": [seg(type="track")]}), "revoked"),
    unauthorized("segment-basic-not-base64", "/v1/track", js(seg()), "garbage"),
    unauthorized("segment-empty-bearer", "/v1/identify", js(seg()), "empty-bearer"),
    unauthorized("segment-digest-scheme", "/v1/track", js(seg()), "other-scheme"),
    # An unknown key is refused before the body is even read.
    unauthorized("unknown-key-with-garbage-body", "/v1/track", b"\x00garbage", "unknown"),
    unauthorized("posthog-no-api_key", "/batch/", js({"batch": [ph()]}), "none"),
    unauthorized(
        "posthog-unknown-api_key", "/capture/", js({**ph(), "api_key": "phc_nope"}), "none"
    ),
    unauthorized(
        "posthog-api_key-number", "/batch/", js({"api_key": 12345, "batch": [ph()]}), "none"
    ),
    unauthorized("posthog-revoked-key", "/e/", js({**ph(), "api_key": "x"}), "revoked"),
]


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


# ---- keys on the admin API -------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/events", "/api/failed-events", "/api/status", "/openapi.json"]
)
@pytest.mark.parametrize("auth", ["write-bearer", "write-basic", "none", "unknown", "revoked"])
def test_admin_routes_refuse_anything_but_an_admin_key(env: Env, path: str, auth: str):
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
        assert "admin key" in body["message"]
    assert env.client.get(path, headers={"Authorization": f"Bearer {env.admin}"}).status_code == 200
