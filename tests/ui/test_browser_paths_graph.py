"""The transition graph in a real browser: reached from the Paths page, drawn by app.js."""

from __future__ import annotations

import pytest

from tests.ui.funnel_journeys import RANGE

pytestmark = pytest.mark.browser


def test_the_graph_is_drawn_with_a_marker_per_node_and_an_arrow_per_edge(tab):
    page = tab.page
    tab.goto(f"/paths?from={RANGE['from']}&to={RANGE['to']}")
    with page.expect_navigation():
        page.click("nav.views a[href^='/paths/graph']")
    assert page.url.startswith(f"{tab.base_url}/paths/graph?")
    page.wait_for_selector(".chart[data-chart=paths-graph][data-drawn=true]")
    drawn = page.evaluate("JSON.parse(document.getElementById('paths-graph').textContent)")
    nodes = drawn["data"][1]["x"]
    arrows = drawn["layout"]["annotations"]
    assert len(nodes) >= 3 and arrows
    chart = page.locator(".chart[data-chart=paths-graph]")
    # The second trace holds the nodes: one marker each; every edge is an arrow.
    assert chart.locator(".scatterlayer .trace").nth(1).locator(".point").count() == len(nodes)
    assert chart.locator(".annotation").count() == len(arrows)
    assert page.locator("tr[data-edge]").count() >= len(arrows)
    tab.screenshot("paths-graph")
