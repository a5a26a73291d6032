"""The transition graph page (``/paths/graph``), its JSON twin and ``/api/paths/graph``.

The funnel journeys (``funnel_journeys.py``: four fresh persons whose events carry a token
of their own) make a graph of their own inside the demo's: per person, alice goes
Visit → Cart → Buy, bob Visit → Cart, carol Visit, dave Visit → Wish.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.ui.funnel_journeys import API_RANGE, RANGE, Journeys, send_journeys


@pytest.fixture(scope="module")
def journeys(shop) -> Journeys:
    return send_journeys(shop)


def token_edges(edges: list[dict], journeys: Journeys) -> dict[tuple[str, str], tuple]:
    return {
        (e["source"], e["target"]): (e["transitions"], e["persons"], round(e["probability"], 4))
        for e in edges
        if journeys.token in e["source"] + e["target"]
    }


def test_the_api_counts_the_hand_written_journeys(shop, journeys):
    answer = shop.api("/api/paths/graph", **API_RANGE)
    visit, cart, wish, buy = journeys.visit, journeys.cart, journeys.wish, journeys.buy
    found = token_edges(answer["edges"], journeys)
    # path_start → Visit: the four of them, a small share of the demo's many journeys.
    assert found.pop(("path_start", visit))[:2] == (4, 4)
    assert found == {
        (visit, cart): (2, 2, 0.5),  # alice, bob: 2 of the 4 Visits
        (visit, wish): (1, 1, 0.25),  # dave
        (visit, "path_end"): (1, 1, 0.25),  # carol
        (cart, buy): (1, 1, 0.5),  # alice
        (cart, "path_end"): (1, 1, 0.5),  # bob
        (buy, "path_end"): (1, 1, 1.0),
        (wish, "path_end"): (1, 1, 1.0),
    }


def test_the_page_and_its_json_twin_equal_the_api(admin, shop, journeys):
    params = {"min_persons": "1", "per": "person", **RANGE}
    twin = admin.get("/paths/graph", params={**params, "format": "json"})
    assert twin.status_code == 200
    data = twin.json()
    api = shop.api("/api/paths/graph", min_persons=1, per="person", **API_RANGE)
    assert data["edges"] == api["edges"]
    assert (data["paths"], data["persons"]) == (api["paths"], api["persons"])
    # What is drawn is a part of the answer, and its nodes are the drawn edges' ends.
    drawn = data["drawn"]
    assert drawn["edges"] and all(e in api["edges"] for e in drawn["edges"])
    ends = {e["source"] for e in drawn["edges"]} | {e["target"] for e in drawn["edges"]}
    assert {n["name"] for n in drawn["nodes"]} == ends
    assert drawn["hidden_edges"] == len(api["edges"]) - len(drawn["edges"])

    page = admin.get("/paths/graph", params=params)
    assert page.status_code == 200
    assert 'data-chart="paths-graph"' in page.text
    assert '<script type="application/json" id="paths-graph">' in page.text
    rows = re.findall(r"<tr data-edge>(.*?)</tr>", page.text, re.DOTALL)
    cells = [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in rows
    ]
    first = api["edges"][0]
    assert cells[0][:2] == [first["source"], first["target"]]
    assert cells[0][2] == f"{first['transitions']:,}"
    assert cells[0][4] == f"{first['probability'] * 100:.1f}%"
    # The Sankey page links here, keeping the range.
    sankey = admin.get("/paths", params=RANGE)
    assert 'href="/paths/graph?' in sankey.text


def test_a_bad_minimum_is_shown_on_the_page_and_refused_by_the_api(admin, shop):
    page = admin.get("/paths/graph", params={"min_transitions": "0", **RANGE})
    assert page.status_code == 400
    assert "min_transitions" in html.unescape(page.text)
    twin = admin.get("/paths/graph", params={"min_transitions": "0", "format": "json", **RANGE})
    assert twin.status_code == 400 and twin.json()["error"]["code"] == "invalid_query"
