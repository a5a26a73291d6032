"""The overview over HTTP: the events and customers per channel, and pinned insights' charts.

Expected values come from the JSON API asked the same question (a measure per channel, the
funnel and trend of a pinned insight), not from the page's own numbers.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

from journeylens.web.ui.i18n import labeller
from journeylens.web.ui.i18n import text as catalogue_text
from tests.ui.test_insights import insight_form

english = catalogue_text("en")
CHART = re.compile(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', re.S)


def charts(page: str) -> dict[str, dict]:
    return {found: json.loads(spec) for found, spec in CHART.findall(page)}


def api_range(twin: dict) -> dict[str, str]:
    """The overview's date range as the API's half-open [date_from, date_to)."""
    last = date.fromisoformat(twin["period"]["to"])
    return {"date_from": twin["period"]["from"], "date_to": (last + timedelta(days=1)).isoformat()}


def test_events_and_customers_per_channel_are_two_charts_with_full_channel_names(shop, admin):
    twin = admin.get("/", params={"format": "json"}).json()
    asked = shop.api(
        "/api/measures",
        measures=["count(*)", "persons(*)"],
        breakdown="channel",
        period="total",
        **api_range(twin),
    )
    expected: dict[str, dict[str, float]] = {}
    for point in asked["points"]:
        measure = "events" if point["measure"] == "count(*)" else "customers"
        expected.setdefault(point["breakdown"] or "other", {})[measure] = point["value"]
    assert {row["channel"]: {"events": row["events"], "customers": row["customers"]}
            for row in twin["channels"]} == expected  # fmt: skip

    found = charts(admin.get("/").text)
    label = labeller("en")
    order = [row["channel"] for row in reversed(twin["channels"])]  # plotly draws bottom-up
    for measure, title in (("events", "Events"), ("customers", "Customers")):
        spec = found[f"channel-{measure}"]
        (trace,) = spec["data"]  # one measure per chart: no second scale on one axis
        assert trace["orientation"] == "h" and trace["name"] == title
        assert trace["y"] == [label("channel", c) for c in order]  # whole names, no "…"
        assert trace["x"] == [expected[c][measure] for c in order]
        layout = spec["layout"]
        assert layout["title"]["text"] == title
        assert layout["yaxis"]["automargin"] is True and "ticktext" not in layout["yaxis"]
        assert "xaxis2" not in layout and "yaxis2" not in layout
        assert layout["xaxis"]["range"][1] > max(trace["x"])  # room for the bar labels
    # In Chinese the same charts name the channels in Chinese, in full.
    zh = labeller("zh")
    assert {zh("channel", c) for c in order} >= {"网站", "应用"}


def pin(admin, path: str, params: dict) -> str:
    fields = insight_form(admin.get(path, params=params).text)
    name = f"pinned {uuid.uuid4().hex[:6]}"
    saved = admin.post("/insights", data={**fields, "name": name, "pinned": "1"})
    assert saved.status_code == 303, saved.text
    return saved.headers["location"].split("=", 1)[1]


def test_a_pinned_funnel_and_a_pinned_trend_draw_their_charts_on_the_overview(shop, admin):
    funnel = {"step": ["Product Viewed", "Order Completed"], "window": "7d"}
    trend = {"events": "Order Completed", "period": "week"}
    funnel_id, trend_id = pin(admin, "/funnels", funnel), pin(admin, "/trends", trend)
    try:
        twin = admin.get("/", params={"format": "json"}).json()
        pinned = {p["insight_id"]: p for p in twin["pinned"]}
        span = api_range(twin)

        steps = shop.api("/api/funnels", step=funnel["step"], window="7d", **span)["steps"]
        (drawn,) = pinned[funnel_id]["chart"]["data"]
        assert drawn["type"] == "funnel"
        assert drawn["x"] == [s["users"] for s in steps]

        points = shop.api("/api/trends", events=["Order Completed"], period="week", **span)
        lines = pinned[trend_id]["chart"]["data"]
        counts = next(line for line in lines if line["name"].endswith(english("trends.count")))
        # Whole weeks on the solid line; a week the range cuts on the dashed one beside it.
        whole = [None if p["in_progress"] else p["count"] for p in points["points"]]
        assert counts["y"] == whole
        cut = [p["count"] for p in points["points"] if p["in_progress"]]
        dashed = [
            line for line in lines
            if line.get("meta") == "in_progress" and english("trends.count") in line["name"]
        ]  # fmt: skip
        assert cut and set(cut) <= {y for line in dashed for y in line["y"]}
        for chart in (pinned[funnel_id]["chart"], pinned[trend_id]["chart"]):
            assert chart["config"]["staticPlot"] is True  # a thumbnail, not interactive

        page = charts(admin.get("/").text)
        assert f"pin-{funnel_id}" in page and f"pin-{trend_id}" in page
    finally:
        token_page = admin.get("/insights").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
        for insight_id in (funnel_id, trend_id):
            admin.post(f"/insights/{insight_id}/delete", data={"csrf_token": token})
