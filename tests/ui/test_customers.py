"""Customer 360 over HTTP (issue 5 item 4): search, the profile, its timeline and JSON twin.

Each test sends a fresh person through the collector with known traits and events, so the
expected values come from the journey written here, not from the demo's randomness.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from journeylens.profiles import SEARCH_PAGE_SIZE, TIMELINE_PAGE_SIZE, display_name, local_time
from tests.ui.conftest import CHINESE_ADMIN, signed_in
from tests.ui.customer_journeys import Customer, send


@pytest.fixture(scope="module")
def known(shop) -> Customer:
    """Orla: identified on the web, browses, buys on the app, opens an email, reviews twice."""
    orla = Customer()
    send(
        shop,
        [
            orla.page(1, "Home", "2026-06-01T08:58:00Z", "/"),
            orla.identify("2026-06-01T08:59:00Z", loyalty_tier="gold"),
            orla.track(
                2, "Product Viewed", "2026-06-01T09:05:00Z", "web",
                product_id="P1001", name="Aurora X5 128GB", price=129.0,
            ),
            orla.track(
                3, "Order Completed", "2026-06-02T10:00:00Z", "app",
                order_id=f"ord-{orla.token}", revenue=129.0, currency="USD",
                products=[{"product_id": "P1001", "name": "Aurora X5 128GB",
                           "price": 129.0, "quantity": 1}],
            ),
            orla.track(4, "Email Opened", "2026-06-03T08:00:00Z", "email", email_id="em-1"),
            orla.track(
                5, "Product Reviewed", "2026-06-04T12:00:00Z", "web",
                product_id="P1001", rating=5, review_body="Fast delivery, lovely screen.",
            ),
        ],
    )  # fmt: skip
    return orla


def profile_id(admin: httpx.Client, query: str) -> int:
    found = admin.get("/customers", params={"q": query, "format": "json"}).json()
    assert found["total"] == 1, found
    return found["customers"][0]["person_id"]


def test_search_finds_the_person_by_email_name_phone_and_any_id(admin, known):
    person_id = profile_id(admin, known.email.upper())
    queries = [
        known.email.split("@")[0].lower(),  # part of the email, another case
        known.name.lower(),
        known.name.split("-")[1],  # part of the name
        known.phone,  # as stored
        known.phone_digits,  # only digits
        f"{known.phone_digits[1:4]} {known.phone_digits[4:7]} {known.phone_digits[7:]}",
        known.user_id,
        known.anonymous_id,
        str(person_id),
    ]
    for query in queries:
        found = admin.get("/customers", params={"q": query, "format": "json"}).json()
        ids = [c["person_id"] for c in found["customers"]]
        assert person_id in ids, query
        if query != str(person_id):  # a number may also be inside others' emails
            assert found["total"] == 1, query
    row = admin.get("/customers", params={"q": known.user_id, "format": "json"}).json()
    customer = row["customers"][0]
    assert customer["name"] == known.name
    assert customer["email"] == known.email.lower()  # emails are kept lower-cased
    assert customer["country"] == "IE" and customer["city"] == "Cork"
    assert customer["exact_match"] is True
    assert customer["events"] == 6  # 1 page, 1 identify, 4 tracks
    assert customer["first_seen_at"].startswith("2026-06-01T08:58:00")
    assert customer["last_seen_at"].startswith("2026-06-04T12:00:00")


def test_the_search_page_lists_what_its_json_twin_holds(admin, known):
    html = admin.get("/customers", params={"q": known.name.lower()})
    assert html.status_code == 200
    twin = admin.get("/customers", params={"q": known.name.lower(), "format": "json"}).json()
    (customer,) = twin["customers"]
    assert f'href="/customers/{customer["person_id"]}?' in html.text
    assert f'dir="auto">{known.name}</a>' in html.text
    assert known.email.lower() in html.text and "2026-06-01 08:58" in html.text


def test_an_empty_search_lists_customers_and_says_what_can_be_searched(admin, shop):
    page = admin.get("/customers")
    assert page.status_code == 200
    assert "Search by name or email" in page.text
    twin = admin.get("/customers", params={"format": "json"}).json()
    assert twin["query"] == "" and twin["page"] == 1
    assert twin["total"] >= 2000  # the demo's customers, at least
    assert len(twin["customers"]) == SEARCH_PAGE_SIZE
    seen = [c["last_seen_at"] for c in twin["customers"] if c["last_seen_at"]]
    assert seen == sorted(seen, reverse=True)
    second = admin.get("/customers", params={"page": 2, "format": "json"}).json()
    assert not {c["person_id"] for c in second["customers"]} & {
        c["person_id"] for c in twin["customers"]
    }
    assert 'rel="next"' in page.text and "Page 1 of" in page.text


def test_a_search_that_finds_nobody_explains_what_to_search_for(admin):
    page = admin.get("/customers", params={"q": "no such customer zz9 plural z alpha"})
    assert page.status_code == 200
    assert "No customer matches" in page.text and "Search by name or email" in page.text
    assert (
        admin.get("/customers", params={"q": "'; DROP TABLE persons; --", "format": "json"}).json()[
            "total"
        ]
        == 0
    )
    assert admin.get("/customers", params={"format": "json"}).json()["total"] >= 2000


def test_the_profile_shows_traits_identities_channels_orders_and_feedback(admin, known):
    person_id = profile_id(admin, known.user_id)
    data = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()
    person = data["person"]
    assert person["name"] == known.name and person["phone"] == known.phone
    assert person["traits"]["loyalty_tier"] == "gold"
    kinds = {(i["distinct_id"], i["kind"]) for i in data["identities"]}
    assert {
        (known.user_id, "user"),
        (known.anonymous_id, "anonymous"),
        (f"email:{known.email.lower()}", "email"),
        (f"phone:{known.phone_digits}", "phone"),
    } <= kinds
    channels = {row["channel"]: row["events"] for row in data["channels"]}
    assert channels["web"] == 3  # the page view (its context.page), Product Viewed, the review
    assert channels["app"] == 1 and channels["email"] == 1
    assert channels["other"] == 1  # the identify call: a server library, no channel hints
    assert sum(channels.values()) == 6
    (order,) = data["orders"]["orders"]
    assert order["order_id"] == f"ord-{known.token}" and order["revenue"] == 129.0
    assert order["channel"] == "app" and order["status"] == "completed"
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [("P1001", 1.0)]
    assert data["orders"]["revenue"] == {"USD": 129.0}
    (review,) = data["feedback"]["items"]
    assert review["kind"] == "review" and review["rating"] == 5.0
    assert review["text"] == "Fast delivery, lovely screen." and review["language"] == "en"
    assert data["segments"] == []

    html = admin.get(f"/customers/{person_id}").text
    assert f"<title>{known.name} · journeylens</title>" in html
    assert f'<h1><bdi dir="auto">{known.name}</bdi></h1>' in html
    assert known.name in html and f"<code>{known.user_id}</code>" in html
    assert "Fast delivery, lovely screen." in html and f"ord-{known.token}" in html
    assert 'data-chart="channel-mix"' in html


def test_the_timeline_is_newest_first_across_channels(admin, known):
    person_id = profile_id(admin, known.user_id)
    timeline = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()["timeline"]
    assert [(e["event"], e["channel"]) for e in timeline["events"]] == [
        ("Product Reviewed", "web"),
        ("Email Opened", "email"),
        ("Order Completed", "app"),
        ("Product Viewed", "web"),
        (None, "other"),  # the identify call: a server-side library, no channel hints
        ("Page Viewed", "web"),
    ]
    viewed = timeline["events"][3]
    assert viewed["timestamp"].startswith("2026-06-01T09:05:00")
    assert {"name": "name", "value": "Aurora X5 128GB"} in viewed["properties"]
    assert timeline["events"][5]["label"] == "Home"
    assert timeline["total"] == 6 and timeline["pages"] == 1
    only_web = admin.get(
        f"/customers/{person_id}", params={"channel": "web", "format": "json"}
    ).json()["timeline"]
    assert [e["event"] for e in only_web["events"]] == [
        "Product Reviewed",
        "Product Viewed",
        "Page Viewed",
    ]


def test_the_timeline_paginates_in_the_url(admin, shop):
    busy = Customer()
    count = TIMELINE_PAGE_SIZE + 10
    send(
        shop,
        [busy.identify("2026-05-01T00:00:00Z")]
        + [
            busy.track(
                n, "Product Viewed", f"2026-05-02T{n // 60:02d}:{n % 60:02d}:00Z", "app", n=n
            )
            for n in range(count - 1)
        ],
    )
    person_id = profile_id(admin, busy.user_id)
    first = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()["timeline"]
    assert first["total"] == count and first["pages"] == 2 and first["page"] == 1
    # Newest first: the views numbered count-2 down to ..., then (page 2) the rest, identify last.
    numbers = [
        dict((p["name"], p["value"]) for p in e["properties"]).get("n") for e in first["events"]
    ]
    assert numbers == [str(n) for n in range(count - 2, count - 2 - TIMELINE_PAGE_SIZE, -1)]
    second = admin.get(f"/customers/{person_id}", params={"page": 2, "format": "json"}).json()[
        "timeline"
    ]
    assert second["page"] == 2 and len(second["events"]) == 10
    assert second["events"][-1]["type"] == "identify"
    assert [dict((p["name"], p["value"]) for p in e["properties"])["n"]
            for e in second["events"][:-1]] == [str(n) for n in range(8, -1, -1)]  # fmt: skip
    html = admin.get(f"/customers/{person_id}").text
    assert "Page 1 of 2" in html
    assert re.search(rf'href="/customers/{person_id}\?[^"]*page=2"[^>]*rel="next"', html)
    page_two = admin.get(f"/customers/{person_id}", params={"page": 2}).text
    assert "Page 2 of 2" in page_two and 'rel="prev"' in page_two and 'rel="next"' not in page_two


def test_ids_other_than_the_person_id_lead_to_the_person_and_unknown_ones_to_a_404(admin, known):
    person_id = profile_id(admin, known.user_id)
    moved = admin.get(
        f"/customers/{known.user_id}", params={"from": "2026-06-01", "to": "2026-06-30"}
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/customers/{person_id}?from=2026-06-01&to=2026-06-30"
    missing = admin.get("/customers/987654321")
    assert missing.status_code == 404
    assert "There is no customer with the id “987654321”" in missing.text
    assert admin.get("/customers/987654321", params={"format": "json"}).json()["code"] == 404
    assert admin.get("/customers/nobody-at-all").status_code == 404


def test_customer_pages_need_a_signed_in_user(shop, known):
    with httpx.Client(base_url=shop.url, headers={"Accept": "text/html"}) as anonymous:
        answer = anonymous.get("/customers", params={"q": known.email})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?")
        assert anonymous.get("/customers/1").status_code == 303


def test_member_users_can_look_customers_up_too(member, known):
    assert profile_id(member, known.user_id) > 0


def test_times_are_shown_in_the_workspace_time_zone():
    stored = datetime(2026, 6, 4, 12, 0)  # UTC wall-clock time, as stored
    shanghai = local_time(stored, ZoneInfo("Asia/Shanghai"))
    assert shanghai.isoformat() == "2026-06-04T20:00:00+08:00"
    assert shanghai == stored.replace(tzinfo=UTC)


def test_stored_markup_is_escaped_in_the_page_and_kept_as_is_in_the_twin(admin, shop):
    mallory = Customer()
    review = "<script>window.__xss=1</script><img src=x onerror=alert(1)> שלום"
    send(
        shop,
        [
            mallory.identify("2026-06-01T09:00:00Z"),
            mallory.track(1, "Product Reviewed", "2026-06-02T09:00:00Z", "web", review_body=review),
        ],
    )
    person_id = profile_id(admin, mallory.user_id)
    html = admin.get(f"/customers/{person_id}").text
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    escaped = "&lt;script&gt;window.__xss=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; שלום"
    assert f'<p class="feedback-text" dir="auto" lang="he">{escaped}</p>' in html
    twin = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()
    assert twin["feedback"]["items"][0]["text"] == review


def test_a_chinese_name_is_shown_family_name_first(shop, admin):
    # 董建华 sent the Segment way, given and family name apart: stored as "建华 董"
    # (first + last), written 董建华 everywhere the customer is named, in either language.
    dong = Customer()
    send(
        shop, [dong.identify("2026-06-05T09:00:00Z", name=None, first_name="建华", last_name="董")]
    )
    person_id = profile_id(admin, dong.user_id)
    found = admin.get("/customers", params={"q": dong.user_id, "format": "json"}).json()
    assert found["customers"][0]["display_name"] == "董建华"
    assert "董建华" in admin.get("/customers", params={"q": dong.user_id}).text
    profile = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()
    assert profile["person"]["display_name"] == "董建华"
    chinese = signed_in(shop, CHINESE_ADMIN)
    try:
        html = chinese.get(f"/customers/{person_id}").text
    finally:
        chinese.close()
    assert '<h1><bdi dir="auto">董建华</bdi></h1>' in html
    assert "建华 董" not in html
    # A name the customer wrote themselves stays as written, and so does a Latin one.
    assert display_name("Jianhua Dong", "建华", "董") == "Jianhua Dong"
    assert display_name(None, "Orla", "Pemberton") is None  # the page falls back to name
    assert display_name("Orla Pemberton", "Orla", "Pemberton") == "Orla Pemberton"


def test_linked_identities_show_when_they_were_linked_not_when_they_were_loaded(shop, admin):
    # A visitor browses anonymously on 1 May, identifies on 2 May (user id, device id,
    # email and phone linked then), and gives a second email on 10 May; all loaded today.
    paul = Customer()
    second_email = f"paul.{paul.token}@work.example"
    send(
        shop,
        [
            paul.page(1, "Home", "2026-05-01T08:00:00Z", "/"),
            paul.identify("2026-05-02T09:00:00Z"),
            {
                "type": "identify", "userId": paul.user_id, "messageId": f"{paul.token}-again",
                "timestamp": "2026-05-10T12:00:00Z", "traits": {"email": second_email},
            },
        ],
    )  # fmt: skip
    person_id = profile_id(admin, paul.user_id)
    data = admin.get(f"/customers/{person_id}", params={"format": "json"}).json()
    linked = {
        i["distinct_id"]: (datetime.fromisoformat(i["linked_at"]).astimezone(UTC), i["linked_by"])
        for i in data["identities"]
    }
    identified = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
    assert linked[paul.user_id] == (identified, "event")
    assert linked[paul.anonymous_id] == (identified, "event")  # not its first page view
    assert linked[f"email:{paul.email.lower()}"] == (identified, "event")
    assert linked[f"phone:{paul.phone_digits}"] == (identified, "event")
    assert linked[f"email:{second_email}"] == (datetime(2026, 5, 10, 12, 0, tzinfo=UTC), "event")
    recorded = {datetime.fromisoformat(i["recorded_at"]).date() for i in data["identities"]}
    assert recorded.isdisjoint({date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 10)})
    html = admin.get(f"/customers/{person_id}").text
    shown = re.findall(r'data-linked-by="event"><time datetime="([^"]+)"', html)
    assert sorted(datetime.fromisoformat(t).astimezone(UTC) for t in shown) == sorted(
        at for at, _ in linked.values()
    )


def test_customer_pages_say_they_are_not_limited_to_the_date_range(admin, known):
    person_id = profile_id(admin, known.user_id)
    # Orla's June orders and reviews show whatever range the URL carries.
    ranged = {"from": "2026-10-01", "to": "2026-10-31"}
    for path in ("/customers", f"/customers/{person_id}"):
        html = admin.get(path, params=ranged).text
        assert (
            '<p class="period period-note hint" data-ignores-range>This page is not limited to a date range.</p>'
            in html
        ), path
        assert 'type="date" name="from"' not in html, path  # no picker that would do nothing
    html = admin.get(f"/customers/{person_id}", params=ranged).text
    assert f"ord-{known.token}" in html and "Fast delivery, lovely screen." in html
    assert 'type="date" name="from"' in admin.get("/trends", params=ranged).text  # ranged
