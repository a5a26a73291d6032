"""Customer 360 in a real browser: search, open a profile, and stored text that looks like
HTML or script stays text (issue 5 items 4 and 6).

The hostile text arrives the way real data does: reviews and an event property through the
collector (a review becomes a ``feedback`` row), a trait through an identify call.
"""

from __future__ import annotations

import pytest

from tests.ui.customer_journeys import Customer, send

pytestmark = pytest.mark.browser

SCRIPT_REVIEW = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> Broke in a day'
HEBREW_REVIEW = "המסך נשבר אחרי יום אחד, אני רוצה החזר כספי"
SCRIPT_QUERY = '<img src=x onerror="window.__xss=3">'
SCRIPT_TRAIT = "<script>window.__xss=4</script>"


@pytest.fixture(scope="module")
def hostile(shop) -> Customer:
    dana = Customer()
    send(
        shop,
        [
            dana.identify("2026-06-01T09:00:00Z", note=SCRIPT_TRAIT),
            dana.track(1, "Products Searched", "2026-06-03T12:00:00Z", "web", query=SCRIPT_QUERY),
            dana.track(
                2, "Product Reviewed", "2026-06-04T12:00:00Z", "web",
                product_id="P1001", rating=1, review_body=SCRIPT_REVIEW,
            ),
            dana.track(
                3, "Product Reviewed", "2026-06-05T12:00:00Z", "app",
                product_id="P1001", rating=2, review_body=HEBREW_REVIEW,
            ),
        ],
    )  # fmt: skip
    return dana


def test_searching_and_opening_a_profile(tab, hostile):
    page = tab.page
    tab.goto("/customers")
    assert page.locator("main h1").inner_text() == "Customers"
    assert page.locator("table.customers tbody tr").count() > 1  # everyone, recently seen first
    tab.screenshot("customers")
    page.fill("input[name=q]", hostile.email.upper())
    with page.expect_navigation():
        page.click("form.customer-search button[type=submit]")
    tab.ready()
    rows = page.locator("table.customers tbody tr")
    assert rows.count() == 1
    link = rows.first.locator("a")
    assert link.inner_text() == hostile.name and link.get_attribute("dir") == "auto"
    with page.expect_navigation():
        link.click()
    tab.ready()
    assert page.locator("main h1").inner_text() == hostile.name
    page.wait_for_selector(".chart[data-chart=channel-mix][data-drawn=true]")
    # Newest first: the Hebrew review (June 5), the other review (June 4), the search (June 3).
    events = page.locator("table.timeline tbody tr td:nth-child(4) strong").all_inner_texts()
    assert events[:3] == ["Product Reviewed", "Product Reviewed", "Products Searched"]
    times = page.locator("table.timeline tbody tr td:first-child").all_inner_texts()
    assert times[:3] == ["2026-06-05 12:00", "2026-06-04 12:00", "2026-06-03 12:00"]
    assert page.locator(f"table.identities code:text-is('{hostile.user_id}')").count() == 1


def test_stored_script_and_markup_show_as_text_and_hebrew_reads_right_to_left(tab, hostile):
    page = tab.page
    tab.goto(f"/customers/{hostile.user_id}")  # a user id leads to the person's profile
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main img").count() == 0  # no <img onerror> made it into the page

    reviews = page.locator(".feedback-text")
    assert reviews.count() == 2
    hebrew, script = reviews.nth(0), reviews.nth(1)  # newest first
    assert script.inner_text() == SCRIPT_REVIEW and script.is_visible()
    assert hebrew.inner_text() == HEBREW_REVIEW and hebrew.is_visible()
    assert hebrew.get_attribute("dir") == "auto"
    assert hebrew.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert script.evaluate("el => getComputedStyle(el).direction") == "ltr"

    query = page.locator("table.timeline .prop .val", has_text="__xss=3")
    assert query.inner_text() == SCRIPT_QUERY and query.get_attribute("dir") == "auto"
    page.click("details.all-traits summary")
    trait = page.locator("dl.traits dd", has_text="__xss=4")
    assert trait.inner_text() == SCRIPT_TRAIT and trait.is_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"
    tab.screenshot("customer-360")
