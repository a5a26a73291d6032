"""Fuzzing the collector: whatever arrives, the answer is a 2xx or a 4xx with a reason."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.collector_env import (
    ALL_ROUTES,
    GZIP,
    KEY,
    Env,
    env_fixture,  # noqa: F401 - the module-scoped server
    js,
    seg,
)

# ---- fuzzing -------------------------------------------------------------------------------
any_char = st.characters(exclude_categories=())  # includes lone surrogates
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(any_char, max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(any_char, max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
ids = st.sampled_from(["u-1", "a-1", "null", "", "0", "guest", " ", "u" * 300]) | json_values
names = (
    st.sampled_from(
        [
            "Order Completed",
            "",
            "   ",
            "$pageview",
            "$identify",
            "$create_alias",
            "$groupidentify",
            "$set",
            "E" * 300,
        ]
    )
    | json_values
)
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
)
# The calendar's ends and the accepted range's ends, with any UTC offset attached as text
# (hypothesis's own aware datetimes never cross the calendar's ends when converted).
moments = st.datetimes() | st.sampled_from(
    [datetime.min, datetime.max, datetime(1970, 1, 1), datetime(2200, 12, 31, 23, 59, 59)]
)
iso_timestamps = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz).isoformat(),
    moments,
    st.none() | st.builds(timezone, offsets),
)
timestamps = iso_timestamps | json_values
segment_messages = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["track", "page", "screen", "identify", "group", "alias", "purchase"]
        )
        | json_values,
        "userId": ids,
        "anonymousId": ids,
        "event": names,
        "name": names,
        "properties": json_values,
        "traits": json_values,
        "context": json_values,
        "timestamp": timestamps,
        "sentAt": timestamps,
        "messageId": ids,
        "groupId": ids,
        "previousId": ids,
    },
)
posthog_properties = st.fixed_dictionaries(
    {},
    optional={
        "$anon_distinct_id": ids,
        "alias": ids,
        "$group_key": ids,
        "$set": json_values,
        "$lib": json_values,
        "$current_url": json_values,
        "revenue": json_values,
    },
).flatmap(
    lambda known: st.dictionaries(st.text(max_size=6), json_values, max_size=3).map(
        lambda extra: {**extra, **known}
    )
)
posthog_events = st.fixed_dictionaries(
    {},
    optional={
        "event": names,
        "distinct_id": ids,
        "properties": posthog_properties | json_values,
        "timestamp": timestamps,
        "sent_at": timestamps,
        "offset": json_values,
        "uuid": ids,
        "$set": json_values,
        "$set_once": json_values,
    },
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def encode(value: Any, ascii_only: bool) -> bytes:
    """JSON text; lone surrogates become ``\\udXXX`` escapes or (not ascii) invalid UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


def assert_answered(response: httpx.Response, events: int | None = None) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code == 200:
        if events is not None:  # every event is either accepted or listed as rejected
            assert body["accepted"] + len(body["rejected"]) == events
            assert len({item["index"] for item in body["rejected"]}) == len(body["rejected"])
    else:
        assert 400 <= response.status_code < 500
        assert body["code"] and body["message"]


@FUZZ
@given(
    messages=st.lists(segment_messages, max_size=5),
    envelope=st.fixed_dictionaries({}, optional={"sentAt": timestamps, "context": json_values}),
    ascii_only=st.booleans(),
)
def test_fuzzed_segment_batches_never_get_a_5xx(env: Env, messages, envelope, ascii_only):
    body = encode({**envelope, "writeKey": KEY, "batch": messages}, ascii_only)
    assert_answered(env.post("/v1/batch", body, auth="none"), len(messages))


@FUZZ
@given(
    events=st.lists(posthog_events, max_size=5),
    envelope=st.fixed_dictionaries({}, optional={"sent_at": timestamps}),
    ascii_only=st.booleans(),
)
def test_fuzzed_posthog_batches_never_get_a_5xx(env: Env, events, envelope, ascii_only):
    body = encode({**envelope, "api_key": KEY, "batch": events}, ascii_only)
    assert_answered(env.post("/batch/", body, auth="none"), len(events))


@FUZZ
@given(
    route=st.sampled_from(ALL_ROUTES),
    message=segment_messages | posthog_events | json_values,
    ascii_only=st.booleans(),
)
def test_fuzzed_single_events_never_get_a_5xx(env: Env, route, message, ascii_only):
    assert_answered(env.post(route, encode(message, ascii_only)))


@FUZZ
@given(
    moment=iso_timestamps,
    field=st.sampled_from(["timestamp", "sentAt", "originalTimestamp"]),
)
def test_any_iso_timestamp_gets_stored_or_refused(env: Env, moment: str, field: str):
    response = env.post("/v1/track", js(seg(**{field: moment})))
    assert_answered(response)
    if response.status_code != 200:
        assert response.json()["code"] == "invalid_timestamp"


@FUZZ
@given(route=st.sampled_from(ALL_ROUTES), raw=st.binary(max_size=300), gzipped=st.booleans())
def test_arbitrary_bytes_never_get_a_5xx(env: Env, route, raw, gzipped):
    headers = GZIP if gzipped else ()
    assert_answered(env.post(route, gzip.compress(raw) if gzipped else raw, headers=headers))


def test_server_logged_no_tracebacks(env: Env):
    log = Path(env.server.log).read_text(errors="replace")
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
