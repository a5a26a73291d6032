"""The trends, paths, retention, lifecycle and stages builders over HTTP (issue 5 item 3).

Two fresh persons send events whose names carry a token of their own (nobody in the demo
matches them), in the ISO weeks starting Monday 31 August, 7 and 14 September 2026 (UTC):

=====  ==========================================================  ===========  ===========
who    week of 31 Aug                                              week of 7 S  week of 14 S
=====  ==========================================================  ===========  ===========
ann    Mon 31 Aug: Browse 10:00, Ping 10:05, Ping 10:20, Pay 10:25  Ping (Mon)   –
ben    Tue 1 Sep: Browse 09:00, Ping 09:10                          –            Ping (Mon)
=====  ==========================================================  ===========  ===========

Each day's events are one session (minutes apart). The expected numbers below are reasoned
from this table; the demo's numbers are compared with the JSON API for the same query.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import create_key

RANGE = {"from": "2026-08-31", "to": "2026-09-27"}  # four whole ISO weeks, inclusive
API_RANGE = {"date_from": "2026-08-31", "date_to": "2026-09-28"}  # the API's end is exclusive
WEEKS = ["2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21"]


@dataclass(frozen=True)
class Journeys:
    token: str

    @property
    def browse(self) -> str:
        return f"Browse {self.token}"

    @property
    def ping(self) -> str:
        return f"Ping {self.token}"

    @property
    def pay(self) -> str:
        return f"Pay {self.token}"


@pytest.fixture(scope="module")
def journeys(shop) -> Journeys:
    token = uuid.uuid4().hex[:8]
    plan = {
        "ann": [
            ("Browse", "2026-08-31T10:00"),
            ("Ping", "2026-08-31T10:05"),
            ("Ping", "2026-08-31T10:20"),
            ("Pay", "2026-08-31T10:25"),
            ("Ping", "2026-09-07T10:00"),
        ],
        "ben": [
            ("Browse", "2026-09-01T09:00"),
            ("Ping", "2026-09-01T09:10"),
            ("Ping", "2026-09-14T09:00"),
        ],
    }
    messages = [
        {
            "type": "track",
            "event": f"{event} {token}",
            "userId": f"{who}-{token}",
            "messageId": f"{who}-{token}-{number}",
            "timestamp": f"{time}:00Z",
        }
        for who, steps in plan.items()
        for number, (event, time) in enumerate(steps)
    ]
    key = create_key(shop.workspace, "write")
    sent = httpx.post(shop.url + "/v1/batch", json={"batch": messages}, auth=(key, ""), timeout=60)
    assert sent.status_code == 200, sent.text
    journeys = Journeys(token)
    shop.api("/api/trends", event=journeys.ping, **API_RANGE)  # waits for the loader
    return journeys


# ---- reading the pages -----------------------------------------------------------------
def number(text: str) -> float:
    """A number as a page prints it: ``1,150``, ``−3``, ``50.0%``."""
    return float(html.unescape(text).strip().replace(",", "").replace("−", "-").rstrip("%*"))


def cells(page: str, row_attribute: str, cell_attribute: str) -> dict[str, dict[str, str]]:
    """``{row key: {cell key: text}}`` for ``<tr data-ROW="..">`` / ``<td data-CELL="..">``."""
    rows = re.findall(rf'<tr data-{row_attribute}="([^"]*)"[^>]*>(.*?)</tr>', page, re.DOTALL)
    return {
        html.unescape(key): {
            html.unescape(name): re.sub(r"<[^>]+>", "", text).strip()
            for name, text in re.findall(
                rf'<td[^>]*data-{cell_attribute}="([^"]*)"[^>]*>(.*?)</td>', body, re.DOTALL
            )
        }
        for key, body in rows
    }


def trend_cells(page: str) -> dict[tuple[str, str, str], float]:
    """``{(period, event, count|persons): value}`` from the trends data table."""
    out = {}
    for period, body in re.findall(r'<tr data-period="([^"]*)"[^>]*>(.*?)</tr>', page, re.DOTALL):
        for event, measure, text in re.findall(
            r'data-event="([^"]*)" data-measure="(\w+)">(.*?)</td>', body, re.DOTALL
        ):
            out[(period, html.unescape(event), measure)] = number(text)
    return out


def error_text(page: str) -> str:
    found = re.search(r'<div class="error"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert found, "the page shows no inline error"
    return html.unescape(found.group(1))


def chart_spec(page: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', page)
    assert found, f"no chart {chart_id}"
    return json.loads(found.group(1))


# ---- every builder ---------------------------------------------------------------------
BUILDERS = ("/trends", "/paths", "/retention", "/lifecycle", "/stages")


def test_anonymous_visitors_are_sent_to_sign_in(shop):
    with httpx.Client(base_url=shop.url, headers={"Accept": "text/html"}) as client:
        for path in BUILDERS:
            answer = client.get(path + "?period=week")
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/signin?next="), path


def test_every_builder_shows_a_chart_on_a_first_visit_and_can_be_saved(member):
    for path in BUILDERS:
        answer = member.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        assert 'class="chart"' in answer.text, path
        assert 'class="error"' not in answer.text, path
        assert f'name="analysis" value="{path.strip("/")}"' in answer.text, path


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/trends", {"event": "Order Completed", "period": "year"}, "period"),
        ("/trends", {"event": "", "period": "day"}, "at least one event"),
        ("/trends", {"event": "Order Completed", "where": "plan"}, "PROPERTY OP VALUE"),
        ("/paths", {"max_steps": "0"}, "max_steps"),
        ("/paths", {"per": "visit"}, "per"),
        ("/retention", {"period": "hour"}, "period"),
        ("/retention", {"start": "Order Completed where x"}, "PROPERTY OP VALUE"),
        ("/lifecycle", {"period": "decade"}, "period"),
        ("/stages", {"mapping": "- name: only\n  events: [A]"}, "at least two stages"),
    ],
)
def test_bad_input_is_an_inline_error_with_status_400(admin, path, params, message):
    answer = admin.get(path, params={**params, **RANGE})
    assert answer.status_code == 400, answer.text[:300]
    assert message in error_text(answer.text)
    assert '<form class="builder card"' in answer.text  # the form stays, to fix the query
    twin = admin.get(path, params={**params, **RANGE, "format": "json"})
    assert twin.status_code == 400
    assert message in twin.json()["error"]["message"]


# ---- trends ----------------------------------------------------------------------------
def test_trends_counts_events_and_unique_persons_per_week(admin, journeys):
    answer = admin.get("/trends", params={"event": journeys.ping, "period": "week", **RANGE})
    assert answer.status_code == 200
    shown = trend_cells(answer.text)
    # Week 1: ann pings twice, ben once; week 2 ann; week 3 ben; week 4 nobody.
    assert [shown[(week, journeys.ping, "count")] for week in WEEKS] == [3, 1, 1, 0]
    assert [shown[(week, journeys.ping, "persons")] for week in WEEKS] == [2, 1, 1, 0]
    spec = chart_spec(answer.text, "trends-chart")
    assert [line["y"] for line in spec["data"]] == [[3, 1, 1, 0], [2, 1, 1, 0]]


def test_trends_page_twin_and_api_agree_on_the_demo(admin, shop):
    params = {"event": ["Order Completed", "Product Viewed"], "period": "week"}
    params |= {"breakdown": "channel", "where": "channel != store"}
    page = admin.get("/trends", params={**params, **RANGE})
    twin = admin.get("/trends", params={**params, **RANGE, "format": "json"}).json()
    api = shop.api("/api/trends", **params, **API_RANGE)
    assert twin["points"] == api["points"] and api["points"]
    assert twin["query"]["filters"] == ["channel != store"]
    rows = re.findall(
        r'<tr data-period="([^"]*)" data-breakdown="([^"]*)">(.*?)</tr>', page.text, re.DOTALL
    )
    shown = {
        (period, breakdown, html.unescape(event), measure): number(text)
        for period, breakdown, body in rows
        for event, measure, text in re.findall(
            r'data-event="([^"]*)" data-measure="(\w+)">(.*?)</td>', body, re.DOTALL
        )
    }
    expected = {
        (p["period_start"], p["breakdown"], p["event"], measure): p[measure]
        for p in api["points"]
        for measure in ("count", "persons")
    }
    assert shown == expected
    assert "store" not in {p["breakdown"] for p in api["points"]}


def test_a_first_visit_plots_the_demo_and_lists_every_kpi(admin, shop):
    twin = admin.get("/trends", params={**RANGE, "format": "json"}).json()
    assert twin["query"]["events"] == ["Product Viewed", "Order Completed"]
    api = shop.api(
        "/api/trends", event=["Product Viewed", "Order Completed"], period="day", **API_RANGE
    )
    assert twin["points"] == api["points"]
    kpis = shop.api("/api/kpis", **API_RANGE)["kpis"]

    def close(value: float | None) -> object:  # float sums may be added in another order
        return value if value is None else pytest.approx(value, rel=1e-9)

    assert [
        (k["name"], k["unit"], k["value"], k["previous"], k["change"]) for k in twin["kpis"]
    ] == [
        (k["name"], k["unit"], close(k["value"]), close(k["previous"]), close(k["change"]))
        for k in kpis
    ]
    page = admin.get("/trends", params=RANGE).text
    rows = re.findall(r'<tr data-kpi="(\w+)" data-unit="([^"]*)">', page)
    assert rows == [(k["name"], html.escape(k["unit"])) for k in kpis]
    assert {"dau", "revenue", "churn_rate", "nps", "bounce_rate"} <= {k["name"] for k in kpis}
    orders = next(k for k in kpis if k["name"] == "orders")
    row = re.search(r'<tr data-kpi="orders".*?</tr>', page, re.DOTALL).group(0)
    numbers = [number(t) for t in re.findall(r'<td class="num">\s*([^<]*?)\s*<', row) if t]
    assert numbers[:2] == [orders["value"], orders["previous"]]


# ---- paths -----------------------------------------------------------------------------
def test_paths_from_a_start_step_show_the_journeys(admin, shop, journeys):
    params = {"start_event": journeys.browse, "purchase_event": journeys.pay, **RANGE}
    answer = admin.get("/paths", params=params)
    assert answer.status_code == 200
    twin = admin.get("/paths", params={**params, "format": "json"}).json()
    # ann's first session: Browse, Ping, Ping, Pay; ben's: Browse, Ping. ann's second
    # session has no Browse, so it is left out.
    assert twin["paths"] == 2 and twin["users"] == 2
    assert sorted((p["steps"], p["users"], p["complete"]) for p in twin["top_paths"]) == [
        ([journeys.browse, journeys.ping], 1, True),
        ([journeys.browse, journeys.ping, journeys.ping, journeys.pay], 1, True),
    ]
    assert [(e["step"], e["users"]) for e in twin["entries_to_purchase"]] == [(journeys.browse, 1)]
    assert [(e["step"], e["users"]) for e in twin["exits"]] == [(journeys.ping, 1)]
    links = {(t["source"], t["target"]): t["users"] for t in twin["sankey"]["transitions"]}
    assert links == {
        ("[start]", f"1_{journeys.browse}"): 2,
        (f"1_{journeys.browse}", f"2_{journeys.ping}"): 2,
        (f"2_{journeys.ping}", "[end]"): 1,
        (f"2_{journeys.ping}", f"3_{journeys.ping}"): 1,
        (f"3_{journeys.ping}", f"4_{journeys.pay}"): 1,
        (f"4_{journeys.pay}", "[end]"): 1,
    }
    # The Sankey draws those links between those nodes, widths in persons.
    sankey = chart_spec(answer.text, "paths-sankey")["data"][0]
    labels = sankey["node"]["customdata"]
    drawn = {
        (labels[s], labels[t]): v
        for s, t, v in zip(
            sankey["link"]["source"], sankey["link"]["target"], sankey["link"]["value"], strict=True
        )
    }
    assert drawn[("[start]", journeys.browse)] == 2 and drawn[(journeys.pay, "[end]")] == 1
    # Collapsing loops merges ann's two pings.
    collapsed = admin.get(
        "/paths", params={**params, "collapse_loops": "true", "format": "json"}
    ).json()
    assert sorted(p["steps"] for p in collapsed["top_paths"]) == [
        [journeys.browse, journeys.ping],
        [journeys.browse, journeys.ping, journeys.pay],
    ]
    shown = [
        [html.unescape(step) for step in re.findall(r'<span class="step" dir="auto">([^<]*)<', row)]
        for row in re.findall(r'<span class="path-steps">(.*?)</td>', answer.text, re.DOTALL)
    ]
    assert shown == [p["steps"] for p in twin["top_paths"]]


def test_the_paths_page_draws_what_the_api_answers_on_the_demo(admin, shop):
    params = {"per": "person", "max_steps": "4", "exclude": "Email Sent"}
    twin = admin.get("/paths", params={**params, **RANGE, "format": "json"})
    assert twin.status_code == 200, twin.text
    twin = twin.json()
    # POST: the API's query string reads exclude= as the funnel's exclusions.
    api = httpx.post(
        shop.url + "/api/paths",
        json={**params, "exclude": ["Email Sent"], **API_RANGE},
        headers={"Authorization": f"Bearer {shop.read_key}"},
        timeout=60,
    ).json()
    assert twin["top_paths"] == api["top_paths"] and api["top_paths"]
    assert twin["exits"] == api["exits"] and twin["paths"] == api["paths"]
    transitions = {(t["source"], t["target"]): t for t in api["transitions"]}
    assert twin["sankey"]["transitions"]
    for link in twin["sankey"]["transitions"]:  # each drawn link is the API's, unchanged
        assert transitions[(link["source"], link["target"])] == link
    assert all(n["step"] != "Email Sent" for n in twin["sankey"]["nodes"])


# ---- retention -------------------------------------------------------------------------
def test_retention_follows_the_cohort_week_by_week(admin, journeys):
    params = {"start": journeys.ping, "return": journeys.ping, "period": "week"}
    params |= {"periods": "3", **RANGE}
    answer = admin.get("/retention", params=params)
    assert answer.status_code == 200
    table = cells(answer.text, "cohort", "period")
    # ann and ben first ping in the week of 31 Aug (the later weeks' cohorts are empty):
    # ann returns in week 1, ben in week 2, nobody in week 3.
    assert list(table) == WEEKS
    assert [number(table["2026-08-31"][str(n)]) for n in range(4)] == [100.0, 50.0, 50.0, 0.0]
    sizes = re.findall(
        r'<tr data-cohort="([\d-]+)">\s*<td>[\d-]+</td><td class="num">(\d+)<', answer.text
    )
    assert sizes == [("2026-08-31", "2"), *((week, "0") for week in WEEKS[1:])]
    first = re.search(r'<tr data-cohort="2026-08-31">(.*?)</tr>', answer.text, re.DOTALL).group(1)
    retained = re.findall(r'data-period="(\d)" data-retained="(\d+)"', first)
    assert retained == [("0", "2"), ("1", "1"), ("2", "1"), ("3", "0")]
    spec = chart_spec(answer.text, "retention-heatmap")
    assert spec["data"][0]["z"][0] == [100.0, 50.0, 50.0, 0.0]
    on_or_after = admin.get(
        "/retention", params={**params, "retained": "on_or_after", "format": "json"}
    ).json()
    # On or after: week 1 counts ann (week 1) and ben (week 2); week 2 ben.
    assert [p["retained"] for p in on_or_after["cohorts"][0]["periods"]] == [2, 2, 1, 0]


def test_a_first_visit_shows_purchase_retention_as_the_api_does(admin, shop):
    twin = admin.get("/retention", params={**RANGE, "format": "json"}).json()
    assert twin["query"]["start"] == "Order Completed"
    assert twin["query"]["returns"] == ["Order Completed"]
    api = shop.api(
        "/api/retention", start="Order Completed", **{"return": "Order Completed"},
        period="week", **API_RANGE,
    )  # fmt: skip
    assert twin["cohorts"] == api["cohorts"] and twin["average"] == api["average"]
    assert api["cohorts"]
    page = admin.get("/retention", params=RANGE).text
    table = cells(page, "cohort", "period")
    for cohort in api["cohorts"]:
        for cell in cohort["periods"]:
            text = table[cohort["cohort"]][str(cell["period"])]
            assert number(text) == round(cell["rate"] * 100, 1)
            assert text.endswith("*") == cell["in_progress"]


def test_in_progress_retention_cells_are_marked(admin, shop):
    # At noon on Wednesday 28 October the week of 26 October has not ended.
    params = {"start": "Order Completed", "period": "week", "now": "2026-10-28T12:00:00"}
    params |= {"from": "2026-10-12", "to": "2026-10-31"}
    answer = admin.get("/retention", params=params)
    assert 'class="num in-progress"' in answer.text
    going = chart_spec(answer.text, "retention-heatmap")["data"][1]
    assert any(value is not None for row in going["z"] for value in row)
    assert any(t.endswith("%*") for row in going["text"] for t in row)


# ---- lifecycle -------------------------------------------------------------------------
def test_lifecycle_sorts_people_into_new_returning_resurrecting_and_dormant(admin, journeys):
    params = {"event": journeys.ping, "period": "week", **RANGE}
    answer = admin.get("/lifecycle", params=params)
    assert answer.status_code == 200
    table = cells(answer.text, "period", "status")
    shown = {week: {k: number(v) for k, v in table[week].items()} for week in WEEKS}
    # Week 1: both new. Week 2: ann returns, ben goes dormant. Week 3: ben resurrects, ann
    # goes dormant. Week 4: ben goes dormant.
    assert [shown[w]["new"] for w in WEEKS] == [2, 0, 0, 0]
    assert [shown[w]["returning"] for w in WEEKS] == [0, 1, 0, 0]
    assert [shown[w]["resurrecting"] for w in WEEKS] == [0, 0, 1, 0]
    assert [shown[w]["dormant"] for w in WEEKS] == [0, -1, -1, -1]  # drawn below zero
    assert [shown[w]["active"] for w in WEEKS] == [2, 1, 1, 0]
    bars = {
        trace["name"]: trace["y"] for trace in chart_spec(answer.text, "lifecycle-chart")["data"]
    }
    assert bars["Dormant"] == [0, -1, -1, -1] and bars["New"] == [2, 0, 0, 0]


def test_lifecycle_twin_equals_the_api_on_the_demo(admin, shop):
    twin = admin.get("/lifecycle", params={"period": "month", **RANGE, "format": "json"}).json()
    api = shop.api("/api/lifecycle", period="month", **API_RANGE)
    assert twin["periods"] == api["periods"] and api["periods"]


# ---- stages ----------------------------------------------------------------------------
def test_stages_with_a_mapping_show_stage_counts_and_conversion(admin, journeys):
    mapping = json.dumps(
        [
            {"name": "browsed", "events": [journeys.browse]},
            {"name": "paid", "events": [journeys.pay]},
        ]
    )
    answer = admin.get("/stages", params={"mapping": mapping, "period": "week", **RANGE})
    assert answer.status_code == 200
    stages = re.findall(
        r'<tr data-stage="(\w+)"><td dir="auto">\w+</td><td class="num">([^<]*)</td>'
        r'<td class="num skipped">([^<]*)</td>'
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>',
        answer.text,
    )
    # Both browsed, ann paid (having browsed: nobody skipped a stage): browsed is ben's
    # stage now, paid is ann's. The lowest stage has no stage before it to skip.
    assert stages == [("browsed", "2", "–", "1", "50.0%"), ("paid", "1", "0", "1", "50.0%")]
    assert "Stages are not nested" in answer.text
    row = re.search(r'<tr data-source="browsed" data-target="paid">(.*?)</tr>', answer.text, re.S)
    numbers = [
        t.strip()
        for t in re.findall(r'<td class="num">(?:<span[^>]*></span>)?([^<]*)<', row.group(1))
    ]
    # Of 2 who browsed, 1 paid (50%), 25 minutes after browsing (10:00 -> 10:25).
    assert numbers == ["2", "1", "50.0%", "25.0 min", "25.0 min"]


def test_stages_twin_equals_the_api_on_the_demo(admin, shop):
    twin = admin.get("/stages", params={**RANGE, "format": "json"}).json()
    api = shop.api("/api/stages", period="week", **API_RANGE)
    for key in ("stages", "distribution", "persons"):
        assert twin[key] == api[key], key
    # Mean times are float sums that DuckDB may add in another order on each run.
    assert twin["transitions"] == [
        {**t, "mean_seconds": pytest.approx(t["mean_seconds"], rel=1e-9)}
        for t in api["transitions"]
    ]
    page = admin.get("/stages", params=RANGE).text
    for stage in api["stages"]:
        row = re.search(rf'<tr data-stage="{stage["name"]}">(.*?)</tr>', page, re.S).group(1)
        shown = [number(t) for t in re.findall(r'<td class="num">([^<]*)</td>', row)]
        assert shown[:2] == [stage["reached"], stage["current"]]
