"""One stray event does not empty every default view (issue 12 item 0).

The demo's data ends on 2026-10-31, busy to its last day. A test event stamped 2026-12-02
(a timestamp without ``sentAt`` is kept as sent; the date is fixed, not today's) must leave the
default range on the 30 days up to 2026-10-31, and say that later events exist; a range
with no activity says so and offers the range that has it.
"""

from __future__ import annotations

import re

from tests.conftest import create_key
from tests.ui.test_data_pages import fresh_id, send

STRAY = "2026-12-02T08:00:00Z"


def shown_range(html: str) -> tuple[str, str]:
    start = re.search(r'name="from" value="([^"]+)"', html)
    end = re.search(r'name="to" value="([^"]+)"', html)
    assert start and end, "the page shows no date range"
    return start.group(1), end.group(1)


def test_a_stray_event_after_the_data_leaves_the_default_range_on_the_busy_days(shop, admin):
    key = create_key(shop.workspace, "write")
    stray = {"type": "track", "event": "Product Viewed", "userId": fresh_id("stray")}
    answer = send(shop.url, key, {**stray, "timestamp": STRAY})  # no sentAt: kept as sent
    assert answer.status_code == 200, answer.text
    for path in ("/", "/funnels?step=Product+Viewed&step=Order+Completed", "/trends"):
        html = admin.get(path).text
        assert shown_range(html) == ("2026-10-02", "2026-10-31"), path
        assert "came after 2026-10-31" in html, path


def test_a_range_without_activity_says_so_and_offers_the_busy_one(admin):
    html = admin.get("/funnels", params={"from": "2024-01-01", "to": "2024-01-31"}).text
    assert "No customer activity between 2024-01-01 and 2024-01-31." in html
    assert 'href="/funnels?from=2026-10-02&amp;to=2026-10-31"' in html
