"""The corpus of bad requests and the answer each must get (used by test_bad_inputs)."""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass
from typing import Any

from tests.collector_env import (
    DROP,
    FORM,
    GZIP,
    KEY,
    env_fixture,  # noqa: F401 - the module-scoped server
    js,
    nested,
    ph,
    ph_batch,
    seg,
)

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
