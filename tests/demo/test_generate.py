"""The demo business: deterministic, well-formed, with near-duplicate contacts and documented numbers."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from journeylens.demo import generate
from journeylens.demo.segment import MESSAGE_TYPES
from tests.demo.data import _ISO, CUSTOMERS, SEED, _levenshtein


# ---- determinism and shape ----------------------------------------------------------------
def _digest(business) -> dict[str, str]:
    def h(rows) -> str:
        digest = hashlib.blake2b(digest_size=16)
        for row in rows:
            digest.update(orjson.dumps(row, option=orjson.OPT_SORT_KEYS))
        return digest.hexdigest()

    return {
        "messages": h(business.messages()),
        "contacts": h(business.contacts),
        "store_orders": h(business.store_orders),
        "feedback": h(business.feedback),
        "catalogue": h(business.catalogue),
        "truths": h([business.truths]),
    }


def test_the_same_seed_gives_the_same_business_and_another_seed_does_not():
    first, again = generate(seed=5, customers=300), generate(seed=5, customers=300)
    other = generate(seed=6, customers=300)
    assert _digest(first) == _digest(again)
    assert _digest(first)["messages"] == _digest(first)["messages"]  # a fresh stream per call
    different = _digest(other)
    for name in ("messages", "contacts", "store_orders", "feedback", "truths"):
        assert different[name] != _digest(first)[name], name
    assert first.start == date(2025, 11, 1) and first.end == date(2026, 10, 31)


def test_messages_are_valid_segment_messages(business, raw):
    assert raw.count == len(raw.ids), "every messageId is unique"
    assert all(i.startswith(f"demo-{SEED}-") for i in list(raw.ids)[:1000])
    assert set(raw.types) <= MESSAGE_TYPES
    assert {"track", "page", "screen", "identify", "alias"} <= set(raw.types)
    assert raw.missing_ids == 0 and raw.bad_timestamps == 0
    # the channels the brief asks for are all there
    for event in (
        "Products Searched", "Product List Viewed", "Product Viewed", "Product Added",
        "Cart Viewed", "Checkout Started", "Payment Info Entered", "Order Completed",
        "Order Refunded", "Product Reviewed", "Product Shared", "Email Sent", "Email Opened",
        "Email Link Clicked", "Chat Started", "Chat Message Sent", "Support Ticket Created",
        "Support Ticket Resolved", "Social Post Liked", "Experiment Viewed", "Coupon Applied",
    ):  # fmt: skip
        assert raw.events[event] > 0, event
    assert 100 < raw.count / CUSTOMERS < 200, "about 140 messages per customer"


def test_messages_go_through_the_collectors_normalisation(business):
    from journeylens.ingest.normalize import Reject
    from journeylens.ingest.segment import normalize_message

    received = datetime(2026, 11, 1)
    channels: Counter[tuple[str | None, str]] = Counter()
    for k, message in enumerate(business.messages()):
        if k > 40_000:
            break
        try:
            row = normalize_message(message, received_at=received)
        except Reject as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{message['messageId']} rejected: {error.code} {error.message}")
        channels[(row["event"], row["channel"])] += 1
    assert channels[("Email Sent", "email")] > 0
    assert channels[("Chat Started", "chat")] > 0
    assert channels[("Social Post Liked", "social")] > 0
    assert channels[("Screen Viewed", "app")] > 0 and channels[("Page Viewed", "web")] > 0
    assert not [key for key in channels if key[1] == "other"]


def test_tables_have_the_documented_columns(business):
    assert {"product_id", "name", "category", "brand", "price"} <= set(business.catalogue[0])
    contact_columns = {
        "customer_id", "email", "phone", "first_name", "last_name", "gender", "birth_date",
        "country", "city", "signup_date", "loyalty_tier", "marketing_opt_in",
    }  # fmt: skip
    assert all(contact_columns <= set(row) for row in business.contacts)
    store_columns = {
        "order_id", "customer_id", "ordered_at", "store_id", "product_id", "product_name",
        "category", "price", "quantity", "currency",
    }  # fmt: skip
    assert all(set(row) >= store_columns for row in business.store_orders)
    feedback_columns = {
        "customer_id", "created_at", "channel", "kind", "text", "rating", "nps", "language",
        "product_id", "order_id",
    }  # fmt: skip
    for row in business.feedback:
        assert set(row) >= feedback_columns
        assert row["channel"] in {"web", "app", "email", "chat", "store"}
        assert row["kind"] in {"review", "survey", "nps", "chat"}
        assert row["rating"] is None or 1 <= row["rating"] <= 5
        assert row["nps"] is None or 0 <= row["nps"] <= 10
        assert _ISO.match(row["created_at"])
    orjson.dumps(business.truths)  # JSON-serialisable


# ---- contacts and documentation -------------------------------------------------------
def test_near_duplicate_contacts_exist_and_resemble_their_person(business):
    by_record = {row["record_id"]: row for row in business.contacts}
    primary = {
        row["customer_id"]: row
        for row in business.contacts
        if row["customer_id"] and row["customer_id"].startswith("C")
    }
    assert len(primary) == CUSTOMERS
    duplicates = business.truths["duplicates"]
    assert 0.03 < len(duplicates) / CUSTOMERS < 0.1
    digits = lambda phone: re.sub(r"\D", "", phone)[-8:]  # noqa: E731
    for truth in duplicates:
        duplicate, person = by_record[truth["record_id"]], primary[truth["customer_id"]]
        assert duplicate["customer_id"] is None or duplicate["customer_id"].startswith("LEG-")
        assert duplicate != person
        same_phone = digits(duplicate["phone"]) == digits(person["phone"])
        close_email = _levenshtein(duplicate["email"].lower(), person["email"].lower()) <= 3
        assert same_phone or close_email, truth
        if "phone_format" in truth["differences"]:
            assert duplicate["phone"] != person["phone"] and same_phone
        if "email_typo" in truth["differences"]:
            assert duplicate["email"] != person["email"] and close_email


def test_the_documentation_states_the_planted_numbers():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "demo.md").read_text()
    for text in (
        "control 0.62, treatment 0.67, lift +0.05",
        "2026-03-02 to 2026-04-26",
        "2026-06-08 to 2026-06-21",
        "**2 %**",
        "**80 %**",
        "SPRING20",
        "**0.65 for those who used the coupon and 0.40 for the others**",
        "Phone Cases **0.60**",
        "SD Cards 0.70",
        "Mice 0.50",
        "**75 %**",
        "**21 days**",
    ):
        assert text in docs, text
