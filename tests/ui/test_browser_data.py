"""The data pages in a real browser: a live event appears without a reload, a refused event
shows its reason and payload, an admin creates and revokes a key."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import create_key
from tests.ui.test_data_pages import send

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def write_key(shop) -> str:
    return create_key(shop.workspace, "write")


def test_an_event_sent_to_the_collector_appears_on_the_live_page_without_reload(
    tab, shop, write_key
):
    page = tab.page
    tab.goto("/data/live")
    page.wait_for_selector("[data-live-status][data-state=live]")
    page.evaluate("window.__same_page = true")  # gone if the page reloads
    total_before = int(page.inner_text("[data-live-total]").replace(",", ""))
    user, message_id = f"שירה-{uuid.uuid4().hex[:8]}", f"live-{uuid.uuid4().hex}"
    answer = send(
        shop.url,
        write_key,
        {"type": "track", "event": "Order Completed", "userId": user, "messageId": message_id},
    )
    assert answer.status_code == 200

    row = page.wait_for_selector(f"tr[data-id='{message_id}']")
    assert page.evaluate("window.__same_page") is True
    assert row.inner_text().split("\t")[1:4] == ["Order Completed", "track", user]
    # The new row is at the top and the counters moved on by (at least) this one event.
    assert page.locator("[data-live-rows] tr").first.get_attribute("data-id") == message_id
    assert page.inner_text("[data-live-new]") == "1"
    page.wait_for_function(
        "n => Number(document.querySelector('[data-live-total]').textContent"
        ".replace(/,/g, '')) > n",
        arg=total_before,
    )
    assert page.locator("[data-live-minutes] .minute").count() == 30
    tab.screenshot("live")


def test_a_refused_event_shows_its_reason_and_payload(tab, shop, write_key):
    user = f"refused-{uuid.uuid4().hex[:8]}"
    answer = send(shop.url, write_key, {"type": "track", "event": " ", "userId": user})
    assert answer.status_code == 400 and answer.json()["code"] == "missing_event"
    tab.goto("/data/failed")
    first = tab.page.locator("table.data-log tbody tr").first
    assert first.get_attribute("data-code") == "missing_event"
    assert "A track call needs a non-empty 'event' name." in first.inner_text()
    payload = first.locator("details pre")
    assert not payload.is_visible()
    first.locator("details summary").click()
    assert payload.is_visible() and user in payload.inner_text()
    tab.screenshot("failed-events")


def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(tab):
    page = tab.page
    tab.goto("/data/keys")
    name = f"Kiosk {uuid.uuid4().hex[:6]}"
    page.fill("form.key-create input[name=name]", name)
    with page.expect_navigation():
        page.click("form.key-create button[type=submit]")
    tab.ready()
    secret = page.locator("pre.snippet.secret")
    assert secret.inner_text().startswith("jlw_")
    key_id = secret.get_attribute("data-key-id")
    row = page.locator(f"tr[data-key-id='{key_id}']")
    assert name in row.inner_text()
    tab.screenshot("keys")

    page.once("dialog", lambda dialog: dialog.accept())  # "Revoke this key?"
    with page.expect_navigation():
        row.locator("button.danger").click()
    tab.ready()
    assert page.locator("pre.snippet.secret").count() == 0  # shown once only
    row = page.locator(f"tr[data-key-id='{key_id}']")
    assert "revoked" in (row.get_attribute("class") or "")
    assert "Revoked" in row.inner_text() and row.locator("button").count() == 0


def test_a_live_event_on_a_chinese_page_names_its_type_and_channel_in_chinese(
    chromium, shop, write_key
):
    from tests.ui.conftest import CHINESE_ADMIN, open_tab

    context, tab = open_tab(chromium, shop, CHINESE_ADMIN)
    try:
        page = tab.page
        tab.goto("/data/live")
        page.wait_for_selector("[data-live-status][data-state=live]", timeout=15_000)
        user, message_id = f"li-{uuid.uuid4().hex[:8]}", f"live-{uuid.uuid4().hex}"
        event = {
            "type": "track", "event": "Order Completed", "userId": user,
            "messageId": message_id, "properties": {"channel": "store"},
        }  # fmt: skip
        assert send(shop.url, write_key, event).status_code == 200
        row = page.wait_for_selector(f"tr[data-id='{message_id}']", timeout=15_000)
        cells = row.inner_text().split("\t")
        # track → 行为, store → 门店 (locales/zh/values.json), as the rendered rows say them.
        assert cells[1:5] == ["Order Completed", "行为", user, "门店"], cells
    finally:
        context.close()
    assert not tab.errors, "\n".join(tab.errors)
