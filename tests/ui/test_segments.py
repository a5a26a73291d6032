"""Static segments saved from a funnel step's drop-off, over HTTP (issue 5 item 3)."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest

from tests.ui.conftest import form_token
from tests.ui.funnel_journeys import RANGE, Journeys, send_journeys


@pytest.fixture(scope="module")
def journeys(shop) -> Journeys:
    return send_journeys(shop)


def funnel_query(journeys: Journeys) -> str:
    """The query string a funnel page posts with its save buttons (dates spelled out)."""
    steps = [journeys.visit, journeys.cart, journeys.buy]
    return urlencode([*(("step", s) for s in steps), *RANGE.items()])


def save(admin, query: str, step: int | str, name: str | None = None, token: str | None = None):
    token = token or form_token(admin.get("/segments").text)
    return admin.post(
        "/segments",
        data={
            "name": name or f"Dropped {uuid.uuid4().hex[:6]}",
            "query": query,
            "step": str(step),
            "csrf_token": token,
        },
    )


def test_the_persons_who_dropped_at_a_step_become_a_segment(admin, journeys):
    name = f"Never carted {journeys.token}"
    answer = save(admin, funnel_query(journeys), 2, name)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/segments/")
    detail = admin.get(location, params={"format": "json"}).json()
    # Visit → Cart → Buy: carol (visit only) and dave (wish, not cart) drop at step 2.
    expected = sorted(journeys.person_ids[who] for who in ("carol", "dave"))
    assert detail["segment"]["persons"] == 2
    assert [m["person_id"] for m in detail["members"]] == expected
    source = detail["segment"]["source"]
    assert source["analysis"] == "funnels" and source["step"] == 2
    assert source["step_name"] == journeys.cart and source["query"] == funnel_query(journeys)
    assert detail["segment"]["created_by"] == "ada"
    # The page lists the same members, each linking to their customer profile.
    page = admin.get(location)
    assert page.status_code == 200
    links = re.findall(r'<a href="/customers/(\d+)">', page.text)
    assert sorted(int(p) for p in links) == expected
    assert f'<span dir="auto">{name}</span>' in page.text
    # The list shows it with its size and where it came from.
    listed = admin.get("/segments", params={"format": "json"}).json()["segments"]
    row = next(s for s in listed if s["name"] == name)
    assert row["persons"] == 2 and row["source"]["step"] == 2
    listing = admin.get("/segments").text
    assert name in listing and "Dropped at funnel step 2" in listing


def test_the_last_steps_drop_off_is_the_persons_who_did_not_finish(admin, journeys):
    answer = save(admin, funnel_query(journeys), 3)
    detail = admin.get(answer.headers["location"], params={"format": "json"}).json()
    assert [m["person_id"] for m in detail["members"]] == [journeys.person_ids["bob"]]


def test_a_demo_segment_matches_the_funnel_drop_off_and_pages_through(admin, shop):
    steps = ["Product Viewed", "Product Added"]
    query = urlencode([*(("step", s) for s in steps), ("from", "2026-01-01"), ("to", "2026-06-30")])
    api = shop.api("/api/funnels", step=steps, date_from="2026-01-01", date_to="2026-07-01")
    dropped = api["steps"][1]["drop_off"]
    assert dropped > 100  # more than two pages of members
    location = save(admin, query, 2).headers["location"]
    first = admin.get(location, params={"format": "json"}).json()
    second = admin.get(location, params={"page": 2, "format": "json"}).json()
    assert first["segment"]["persons"] == dropped
    assert first["pages"] == -(-dropped // first["page_size"])
    assert len(first["members"]) == first["page_size"] == len(second["members"])
    ids = [m["person_id"] for m in first["members"] + second["members"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # The funnel's own person list (the first ids) agrees with the segment's first page.
    listed = shop.api(
        "/api/funnels", step=steps, date_from="2026-01-01", date_to="2026-07-01",
        persons="dropped", persons_step=2, persons_limit=first["page_size"],
    )  # fmt: skip
    assert listed["persons"]["count"] == dropped
    assert listed["persons"]["person_ids"] == [m["person_id"] for m in first["members"]]
    page = admin.get(location, params={"page": 2})
    assert 'rel="prev"' in page.text and 'rel="next"' in page.text


def test_saving_refuses_bad_requests_with_a_clear_message(admin, journeys):
    query = funnel_query(journeys)
    taken = f"Taken {journeys.token}"
    assert save(admin, query, 2, taken).status_code == 303
    twice = save(admin, query, 2, taken)
    assert twice.status_code == 400 and "exists; choose another name" in twice.text
    first_step = save(admin, query, 1)
    assert first_step.status_code == 400 and "steps 2..3" in first_step.text
    no_dates = save(admin, query.split("&from=")[0], 2)
    assert no_dates.status_code == 400 and "date range" in no_dates.text
    bad_funnel = save(admin, "step=A&from=2026-06-01&to=2026-06-30", 2)
    assert bad_funnel.status_code == 400 and "at least two steps" in bad_funnel.text
    nameless = save(admin, query, 2, "   ")
    assert nameless.status_code == 400 and "Give the segment a name" in nameless.text
    forged = save(admin, query, 2, token="not-the-token")
    assert forged.status_code == 403


def test_a_segment_can_be_deleted(admin, journeys):
    location = save(admin, funnel_query(journeys), 2).headers["location"]
    segment_id = location.rsplit("/", 1)[1]
    token = form_token(admin.get(location).text)
    gone = admin.post(f"/segments/{segment_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and gone.headers["location"] == "/segments"
    assert admin.get(location).status_code == 404
    listed = admin.get("/segments", params={"format": "json"}).json()["segments"]
    assert segment_id not in {s["segment_id"] for s in listed}
    again = admin.post(f"/segments/{segment_id}/delete", data={"csrf_token": token})
    assert again.status_code == 404


def test_members_may_save_segments_too(member, journeys):
    answer = save(member, funnel_query(journeys), 2)
    assert answer.status_code == 303
    detail = member.get(answer.headers["location"], params={"format": "json"}).json()
    assert detail["segment"]["created_by"] == "mei"
