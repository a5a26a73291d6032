"""Partial periods on the pages (issue 12 item 3), on the demo shop.

The demo's data runs from 2025-11-01 to 2026-10-31 (UTC workspace). A period the range cuts
is in progress; a range starting on the data's first day has no earlier data to compare with.
"""

from __future__ import annotations

import re


def test_the_overview_says_no_earlier_data_on_every_tile(admin):
    html = admin.get("/", params={"from": "2025-11-01", "to": "2025-11-14"}).text
    tiles = re.findall(r'<div class="card tile" data-kpi="(\w+)"([^>]*)>', html)
    assert len(tiles) == 7
    # 18–31 October 2025 is before the first demo day: no tile shows a change against it.
    assert all('data-change-reason="no_earlier_data"' in attributes for _, attributes in tiles)
    changes = re.findall(r'<div class="change">(.*?)</div>', html, re.DOTALL)
    assert [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in changes] == ["no earlier data"] * 7
    assert (
        "2025-11-01 – 2025-11-14; changes compare with the previous period, "
        "2025-10-18 – 2025-10-31." in html
    )


def test_overview_sparklines_end_dashed_past_the_data(admin):
    # Days after the data's last event are not over in the data: hollow, on a dashed line.
    html = admin.get("/", params={"from": "2026-10-20", "to": "2026-12-31"}).text
    assert '<circle class="in-progress"' in html
    assert 'stroke-dasharray="3 2" class="in-progress"' in html


def test_the_trends_twin_flags_the_weeks_the_range_cuts(admin):
    # Thursday 1 October to Wednesday 28 October 2026 (inclusive): the weeks of 28 September
    # and 26 October are seen in part, the three between whole.
    params = {"event": "Order Completed", "period": "week", "from": "2026-10-01",
              "to": "2026-10-28"}  # fmt: skip
    twin = admin.get("/trends", params={**params, "format": "json"}).json()
    assert {p["period_start"]: p["in_progress"] for p in twin["points"]} == {
        "2026-09-28": True,
        "2026-10-05": False,
        "2026-10-12": False,
        "2026-10-19": False,
        "2026-10-26": True,
    }
    page = admin.get("/trends", params=params).text
    assert '<tr data-period="2026-10-26" class="in-progress">' in page
    assert '<tr data-period="2026-10-19">' in page
    assert '"meta":"in_progress"' in page  # the chart's dashed, hollow part


def test_the_trends_kpi_table_says_why_a_change_is_missing(admin):
    page = admin.get("/trends", params={"from": "2025-11-01", "to": "2025-11-14"}).text
    reasons = re.findall(r'data-change-reason="(\w+)">([^<]*)<', page)
    assert len(reasons) >= 10
    assert set(reasons) == {("no_earlier_data", "no earlier data")}
