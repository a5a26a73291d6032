"""The funnel builder, segments and saved insights in a real browser (issue 5 items 3 and 8)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser
# Every page gets its range: the default follows the data, and other tests send live events.
RANGE = "from=2026-10-02&to=2026-10-31"


def number(text: str) -> int:
    return int(text.replace(",", "").strip())


def api_range(page) -> dict[str, str]:
    """The page's date range (the header's inclusive days) as the API takes it."""
    start = page.input_value(".period input[name=from]")
    end = date.fromisoformat(page.input_value(".period input[name=to]"))
    return {"date_from": start, "date_to": (end + timedelta(days=1)).isoformat()}


def test_a_funnel_is_built_by_clicking_and_its_numbers_equal_the_json_apis(tab, shop):
    page = tab.page
    tab.goto(f"/funnels?{RANGE}")
    steps = page.locator("#funnel-steps input[name=step]")
    assert steps.count() == 2
    steps.nth(0).click()
    steps.nth(0).press_sequentially("Product Viewed")
    # An any-of step: after "|" the suggestions go on from the same list of events.
    steps.nth(1).click()
    steps.nth(1).press_sequentially("Product Added|")
    suggestions = page.eval_on_selector_all(
        "#event-names option", "options => options.map(o => o.value)"
    )
    assert suggestions and all(s.startswith("Product Added|") for s in suggestions)
    assert "Product Added|Cart Viewed" in suggestions
    steps.nth(1).press_sequentially("Cart Viewed")
    page.click("button[data-add-row=funnel-steps]")
    page.keyboard.type("Order Completed")  # the new row has the focus
    page.click("button[data-add-row=funnel-steps]")  # one too many: remove it again
    assert steps.count() == 4
    page.locator("#funnel-steps .row").nth(3).locator("button[data-remove-row]").click()
    assert steps.count() == 3
    page.select_option("select[name=window]", "7d")
    page.select_option("select[name=order]", "sequential")
    with page.expect_navigation():
        page.click(".funnel-submit button[type=submit]")
    tab.ready()
    page.wait_for_selector(".chart[data-drawn=true] svg")

    chosen = ["Product Viewed", "Product Added|Cart Viewed", "Order Completed"]
    query = parse_qs(urlparse(page.url).query)
    assert query["step"] == chosen and query["window"] == ["7d"]
    api = shop.api("/api/funnels", step=chosen, window="7d", **api_range(page))
    shown = [number(t) for t in page.locator("tr[data-step] td.users").all_inner_texts()]
    assert shown == [s["users"] for s in api["steps"]]
    assert shown[0] > shown[2] > 0  # real data, with drop-off
    drops = page.locator("tr[data-step] td.drop-off").all_inner_texts()
    assert [number(t) for t in drops[1:]] == [s["drop_off"] for s in api["steps"][1:]]
    assert page.locator("tr[data-step] td.overall").all_inner_texts() == [
        f"{s['overall_rate'] * 100:.1f}%" for s in api["steps"]
    ]
    tab.screenshot("funnels")


def test_a_segment_is_saved_from_a_drop_off(tab, shop):
    page = tab.page
    tab.goto(f"/funnels?step=Product+Viewed&step=Product+Added&step=Order+Completed&{RANGE}")
    row = page.locator("tr[data-step='3']")
    dropped = number(row.locator("td.drop-off").inner_text())
    summary = row.locator("details.save-segment summary")
    assert f"Save the {dropped:,} persons who dropped here" in summary.inner_text()
    api = shop.api(
        "/api/funnels",
        step=["Product Viewed", "Product Added", "Order Completed"],
        **api_range(page),
    )
    assert dropped == api["steps"][2]["drop_off"] > 0
    summary.click()
    name = f"Added but never ordered {uuid.uuid4().hex[:6]}"
    row.locator("input[name=name]").fill(name)
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    tab.ready()
    assert "/segments/" in page.url
    assert page.locator("h1").inner_text() == name
    assert number(page.locator(".segment-summary .persons").inner_text()) == dropped
    assert page.locator(".members-table tbody tr").count() == min(dropped, 50)
    tab.screenshot("segment")

    tab.goto(f"/segments?{RANGE}")
    listed = page.locator(".segments-table tr", has_text=name)
    assert number(listed.locator("td.persons").inner_text()) == dropped
    tab.screenshot("segments")
    # Deleting asks first; confirming removes it.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        listed.locator("button.delete").click()
    assert page.locator(".segments-table tr", has_text=name).count() == 0


def test_an_insight_is_saved_from_the_funnel_page_and_pinned_to_the_overview(tab):
    page = tab.page
    tab.goto(f"/funnels?step=Product+Viewed&step=Order+Completed&window=30d&{RANGE}")
    page.click("details.save-insight summary")
    name = f"Views to orders {uuid.uuid4().hex[:6]}"
    page.fill(".save-insight-form input[name=name]", name)
    page.check(".save-insight-form input[name=pinned]")
    with page.expect_navigation():
        page.click(".save-insight-form button[type=submit]")
    assert page.locator(".notice", has_text=name).count() == 1
    row = page.locator(".insights-table tr", has_text=name)
    assert row.locator("button.unpin").count() == 1
    tab.screenshot("insights")

    tab.goto(f"/?{RANGE}")
    pinned = page.locator("a.card", has_text=name)
    with page.expect_navigation():
        pinned.click()
    tab.ready()
    query = parse_qs(urlparse(page.url).query)
    assert query["step"] == ["Product Viewed", "Order Completed"] and query["window"] == ["30d"]
    assert page.locator("tr[data-step]").count() == 2

    tab.goto(f"/insights?{RANGE}")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator(".insights-table tr", has_text=name).locator("button.delete").click()
    assert page.locator(".insights-table tr", has_text=name).count() == 0
