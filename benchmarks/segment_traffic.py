"""Realistic Segment e-commerce traffic for benchmarks: ``/v1/batch`` bodies, deterministic.

A few thousand visitors (40 % of them known customers, a tenth of those on two devices),
analytics.js-style context (library, page, user agent, campaign), track calls such as
``Product Viewed`` with ~9 properties, pages, ``Order Completed`` with line items, and a
few ``identify`` calls with traits. Each message has a unique UUID ``messageId``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

# ---- realistic Segment e-commerce traffic ------------------------------------------------
CATEGORIES = ("shoes", "jackets", "bags", "accessories", "dresses", "shirts", "kids", "sport")
BRANDS = ("Northwind", "Acme", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella")
CAMPAIGNS = (
    {"source": "google", "medium": "cpc", "name": "spring_sale"},
    {"source": "newsletter", "medium": "email", "name": "weekly_42"},
    {"source": "facebook", "medium": "social", "name": "retargeting"},
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
)
# (weight, kind): kinds are track event names, or "page" / "identify".
MIX = (
    (30, "Product Viewed"),
    (18, "page"),
    (12, "Product List Viewed"),
    (10, "Product Added"),
    (8, "Products Searched"),
    (6, "Cart Viewed"),
    (5, "Checkout Started"),
    (4, "Order Completed"),
    (4, "identify"),
    (3, "Product Removed"),
)
KINDS = [kind for _, kind in MIX]
WEIGHTS = [weight for weight, _ in MIX]


@dataclass(frozen=True, slots=True)
class Visitor:
    devices: tuple[str, ...]  # anonymous ids; some customers use two devices
    user_id: str | None
    email: str | None


def make_visitors(rng: random.Random, count: int) -> list[Visitor]:
    visitors = []
    for n in range(count):
        known = rng.random() < 0.4
        devices = 2 if known and rng.random() < 0.1 else 1
        visitors.append(
            Visitor(
                devices=tuple(str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(devices)),
                user_id=f"user_{n:06d}" if known else None,
                email=f"customer{n}@example.com" if known else None,
            )
        )
    return visitors


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def make_message(rng: random.Random, visitor: Visitor, now: datetime) -> dict[str, Any]:
    kind = rng.choices(KINDS, WEIGHTS)[0]
    anonymous_id = rng.choice(visitor.devices)
    logged_in = visitor.user_id is not None and (kind == "identify" or rng.random() < 0.6)
    product = rng.randrange(1, 5000)
    category = CATEGORIES[product % len(CATEGORIES)]
    path = f"/{category}/p-{product}"
    page = {
        "path": path,
        "referrer": rng.choice(("https://www.google.com/", "", "https://shop.example.com/")),
        "search": "",
        "title": f"Product {product} | Shop",
        "url": f"https://shop.example.com{path}",
    }
    context: dict[str, Any] = {
        "library": {"name": "analytics.js", "version": "next-1.70.0"},
        "page": page,
        "userAgent": rng.choice(USER_AGENTS),
        "locale": rng.choice(("en-US", "de-DE", "fr-FR")),
        "ip": f"203.0.113.{rng.randrange(1, 255)}",
    }
    if rng.random() < 0.15:
        context["campaign"] = rng.choice(CAMPAIGNS)
    timestamp = now - timedelta(milliseconds=rng.randrange(0, 5000))
    message: dict[str, Any] = {
        "messageId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "anonymousId": anonymous_id,
        "timestamp": _iso(timestamp),
        "sentAt": _iso(now),
        "context": context,
    }
    if logged_in:
        message["userId"] = visitor.user_id
    price = round(rng.uniform(5, 300), 2)
    if kind == "page":
        message.update(type="page", name=f"Product {product}", category=category, properties=page)
    elif kind == "identify":
        message.update(
            type="identify",
            traits={
                "email": visitor.email,
                "name": f"Customer {visitor.user_id}",
                "country": rng.choice(("US", "DE", "FR", "GB")),
                "city": rng.choice(("Berlin", "Paris", "London", "Austin")),
                "plan": rng.choice(("free", "plus")),
            },
        )
    elif kind == "Order Completed":
        items = [
            {"product_id": f"p-{rng.randrange(1, 5000)}", "price": price, "quantity": 1}
            for _ in range(rng.randrange(1, 4))
        ]
        total = round(sum(item["price"] for item in items), 2)
        message.update(
            type="track",
            event=kind,
            properties={
                "order_id": f"o-{rng.getrandbits(40):x}",
                "checkout_id": f"c-{rng.getrandbits(40):x}",
                "total": total,
                "revenue": round(total * 0.9, 2),
                "shipping": 4.9,
                "tax": round(total * 0.1, 2),
                "currency": "USD",
                "products": items,
            },
        )
    else:
        message.update(
            type="track",
            event=kind,
            properties={
                "product_id": f"p-{product}",
                "sku": f"SKU-{product:05d}",
                "category": category,
                "name": f"Product {product}",
                "brand": BRANDS[product % len(BRANDS)],
                "price": price,
                "quantity": 1,
                "currency": "USD",
                "position": rng.randrange(1, 25),
            },
        )
    return message


def make_messages(count: int, *, seed: int = 42, visitors: int = 4000) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = make_visitors(rng, visitors)
    now = datetime.now(UTC).replace(tzinfo=None)
    return [make_message(rng, rng.choice(people), now) for _ in range(count)]


def make_bodies(messages: Sequence[dict[str, Any]], size: int) -> list[bytes]:
    sent_at = _iso(datetime.now(UTC).replace(tzinfo=None))
    return [
        orjson.dumps({"batch": list(messages[i : i + size]), "sentAt": sent_at})
        for i in range(0, len(messages), size)
    ]


def events_in(bodies: Sequence[bytes]) -> int:
    return sum(len(orjson.loads(body)["batch"]) for body in bodies)
