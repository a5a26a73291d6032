"""Reading the raw demo data the way a later analysis would: helpers for the demo tests."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

SEED = 11
CUSTOMERS = 2000

# The documented truths (docs/demo.md).
AB_RATES = {"control": 0.62, "treatment": 0.67}
AB_LIFT = 0.05
AB_WINDOW = (date(2026, 3, 2), date(2026, 4, 26))
BUG_PLATFORM, BUG_WINDOW = "android", (date(2026, 6, 8), date(2026, 6, 21))
BUG_RATE, NORMAL_PAYMENT_TO_ORDER = 0.02, 0.80
COUPON, COUPON_WINDOW = "SPRING20", (date(2026, 5, 5), date(2026, 5, 18))
REPEAT_WINDOW = (date(2026, 5, 19), date(2026, 5, 19) + timedelta(days=89))
REPEAT_RATES = {"coupon": 0.65, "no_coupon": 0.40}
P_CASE_GIVEN_PHONE, P_SD_GIVEN_CAMERA, P_MOUSE_GIVEN_LAPTOP = 0.60, 0.70, 0.50
CHURN_BAD_SHARE = 0.75


def _day(timestamp: str) -> date:
    return date.fromisoformat(timestamp[:10])


def _within(day: date, window: tuple[date, date]) -> bool:
    return window[0] <= day <= window[1]


def _se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


@dataclass
class Checkout:
    platform: str
    day: date
    user_id: str | None
    app_version: str | None
    variation: str | None = None
    payment: bool = False
    ordered: bool = False


@dataclass
class Raw:
    """What one pass over the message stream collects."""

    count: int = 0
    ids: set[str] = field(default_factory=set)
    types: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    missing_ids: int = 0
    bad_timestamps: int = 0
    checkouts: dict[str, Checkout] = field(default_factory=dict)
    orders: list[tuple[str, date, set[str], str | None, float]] = field(default_factory=list)
    last_seen: dict[str, str] = field(default_factory=dict)  # userId → latest timestamp
    first_anonymous: dict[str, tuple[str, bool, dict]] = field(default_factory=dict)
    identified_anonymous: dict[str, tuple[str, str]] = field(default_factory=dict)
    web_pages_by_weekday: Counter[int] = field(default_factory=Counter)
    bad_orders: set[str] = field(default_factory=set)
    order_days: dict[str, tuple[str, date]] = field(default_factory=dict)
    spring_recipients: set[str] = field(default_factory=set)
    campaign_messages: int = 0
    signed_up: dict[str, str] = field(default_factory=dict)  # userId → anonymousId
    education_before: dict[str, str] = field(default_factory=dict)  # anonymousId → time
    variations_by_user: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _platform(message: dict[str, Any]) -> str:
    device = message.get("context", {}).get("device")
    return device["type"] if device else "web"


def collect(messages) -> Raw:
    raw = Raw()
    for m in messages:
        raw.count += 1
        raw.ids.add(m["messageId"])
        raw.types[m["type"]] += 1
        user, anonymous, ts = m.get("userId"), m.get("anonymousId"), m["timestamp"]
        if not user and not anonymous:
            raw.missing_ids += 1
        if not _ISO.match(ts):
            raw.bad_timestamps += 1
        if user and ts > raw.last_seen.get(user, ""):
            raw.last_seen[user] = ts
        if anonymous and anonymous not in raw.first_anonymous:
            raw.first_anonymous[anonymous] = (ts, user is None, m.get("context", {}))
        if m["type"] == "identify" and anonymous and user:
            raw.identified_anonymous.setdefault(anonymous, (user, ts))
        if m["type"] in ("page", "screen"):
            if m["type"] == "page":
                raw.web_pages_by_weekday[_day(ts).weekday()] += 1
            if m["properties"]["path"].startswith(("/blog/", "/guides/")) and anonymous:
                raw.education_before.setdefault(anonymous, ts)
        if m["type"] != "track":
            continue
        event, props = m["event"], m["properties"]
        raw.events[event] += 1
        if event == "Checkout Started":
            app = m["context"].get("app", {}).get("version")
            checkout = Checkout(_platform(m), _day(ts), user, app, props.get("variation_name"))
            raw.checkouts[props["checkout_id"]] = checkout
            if checkout.variation:
                raw.variations_by_user[user].add(checkout.variation)
        elif event == "Payment Info Entered":
            raw.checkouts[props["checkout_id"]].payment = True
        elif event == "Order Completed":
            raw.checkouts[props["checkout_id"]].ordered = True
            categories = {p["category"] for p in props["products"]}
            raw.orders.append((user, _day(ts), categories, props.get("coupon"), props["revenue"]))
            raw.order_days[props["order_id"]] = (user, _day(ts))
        elif event in ("Order Refunded", "Support Ticket Created") or (
            event == "Order Delivered" and props["days_late"] > 0
        ):
            raw.bad_orders.add(props["order_id"])  # late, refunded or complained about
        elif event == "Email Sent" and props.get("campaign_name") == "spring_sale_20":
            raw.spring_recipients.add(user)
        elif event == "Signed Up":
            raw.signed_up[user] = anonymous
        if props.get("campaign_name") == "spring_sale_20" and props.get("channel") == "email":
            raw.campaign_messages += 1
    return raw


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
