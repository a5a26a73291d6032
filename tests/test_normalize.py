"""Normalisation details decided by reasoning about what clients really send."""

from __future__ import annotations

from datetime import datetime

import pytest

from journeylens.ingest import segment
from journeylens.ingest.body import parse_json
from journeylens.ingest.normalize import Reject
from tests.journeys import Journeys, track

RECEIVED = datetime(2025, 6, 1, 12, 0, 0)


def test_placeholder_message_ids_do_not_swallow_other_events(tmp_path):
    shop = Journeys(tmp_path / "ws")
    first = track("Product Viewed", anon="a1", messageId="null", properties={"sku": 1})
    second = track("Product Viewed", anon="a1", messageId="null", properties={"sku": 2})
    shop.send(first, second)
    shop.send(first)  # a true resend still dedupes
    assert shop.count("events") == 2
    shop.close()


def test_a_byte_order_mark_is_ignored():
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_clock_skew_correction_uses_sent_at():
    row = segment.normalize_message(
        {
            "type": "track",
            "event": "E",
            "userId": "u",
            "timestamp": "2025-06-01T13:00:00Z",  # the device clock runs 1h fast
            "sentAt": "2025-06-01T13:00:05Z",  # sent 5 s after the event
        },
        received_at=RECEIVED,
    )
    assert row["timestamp"] == datetime(2025, 6, 1, 11, 59, 55)
    assert row["original_timestamp"] == datetime(2025, 6, 1, 13, 0, 0)


def test_a_correction_that_leaves_the_calendar_is_refused():
    with pytest.raises(Reject) as rejected:
        segment.normalize_message(
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "timestamp": "2199-01-01T00:00:00Z",
                "sentAt": "1971-01-01T00:00:00Z",
            },
            received_at=RECEIVED,
        )
    assert rejected.value.code == "invalid_timestamp"
