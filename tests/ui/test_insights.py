"""Saved insights over HTTP (issue 5 item 3): save a builder's view, open, pin, unpin, delete."""

from __future__ import annotations

import html
import re
import uuid

from tests.ui.conftest import form_token

FUNNEL = {"step": ["Product Viewed", "Order Completed"], "window": "7d"}


def insight_form(page: str) -> dict[str, str]:
    """The hidden fields of a page's save-insight form, as the browser would post them."""
    form = re.search(r'<form method="post" action="/insights".*?</form>', page, re.DOTALL)
    assert form, "the page has no save-insight form"
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0))
    return {name: html.unescape(value) for name, value in fields}


def test_a_funnel_view_is_saved_pinned_opened_and_deleted(admin):
    page = admin.get("/funnels", params=FUNNEL)
    fields = insight_form(page.text)
    assert fields["analysis"] == "funnels"
    assert fields["query"] == "step=Product+Viewed&step=Order+Completed&window=7d"
    name = f"Views to orders <b>{uuid.uuid4().hex[:6]}</b>"
    saved = admin.post("/insights", data={**fields, "name": name, "pinned": "1"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/insights?saved=")
    insight_id = saved.headers["location"].split("=", 1)[1]

    listing = admin.get(saved.headers["location"])
    assert html.escape(name, quote=False) in listing.text and name not in listing.text
    row = next(
        r
        for r in admin.get("/insights", params={"format": "json"}).json()["insights"]
        if r["insight_id"] == insight_id
    )
    assert row["pinned"] is True and row["created_by"] == "ada"
    assert row["url"] == "/funnels?step=Product+Viewed&step=Order+Completed&window=7d"
    # Opening it shows the same view as the page it was saved from.
    opened = admin.get(row["url"] + "&format=json").json()
    direct = admin.get("/funnels", params={**FUNNEL, "format": "json"}).json()
    assert opened["result"] == direct["result"]
    # Pinned insights show on the overview until unpinned.
    pinned = admin.get("/", params={"format": "json"}).json()["pinned"]
    assert insight_id in {p["insight_id"] for p in pinned}
    token = form_token(listing.text)
    unpin = admin.post(f"/insights/{insight_id}/pin", data={"pinned": "0", "csrf_token": token})
    assert unpin.status_code == 303
    pinned = admin.get("/", params={"format": "json"}).json()["pinned"]
    assert insight_id not in {p["insight_id"] for p in pinned}
    gone = admin.post(f"/insights/{insight_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    listed = admin.get("/insights", params={"format": "json"}).json()["insights"]
    assert insight_id not in {r["insight_id"] for r in listed}


def test_saving_refuses_bad_requests_with_a_clear_message(admin):
    token = form_token(admin.get("/insights").text)
    good = {"name": "x", "analysis": "funnels", "query": "step=A&step=B", "csrf_token": token}
    unknown_page = admin.post("/insights", data={**good, "analysis": "recipes"})
    assert unknown_page.status_code == 400 and "Unknown page" in unknown_page.text
    nameless = admin.post("/insights", data={**good, "name": " "})
    assert nameless.status_code == 400 and "Give the insight a name" in nameless.text
    forged = admin.post("/insights", data={**good, "csrf_token": "forged"})
    assert forged.status_code == 403
    missing = admin.post("/insights/nope/pin", data={"pinned": "1", "csrf_token": token})
    assert missing.status_code == 404


def test_a_saved_query_never_keeps_the_json_switch(admin):
    token = form_token(admin.get("/insights").text)
    saved = admin.post(
        "/insights",
        data={
            "name": f"Plain {uuid.uuid4().hex[:6]}",
            "analysis": "funnels",
            "query": "?step=A&format=json&step=B",
            "csrf_token": token,
        },
    )
    insight_id = saved.headers["location"].split("=", 1)[1]
    row = next(
        r
        for r in admin.get("/insights", params={"format": "json"}).json()["insights"]
        if r["insight_id"] == insight_id
    )
    assert row["query"] == "step=A&step=B"
