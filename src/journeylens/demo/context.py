"""The parts of a Segment message that describe where it came from.

Libraries and devices as analytics.js, analytics-ios, analytics-android and a server
library report them; the app version in use each day (truth 2: the Android build 5.3.0
carried the checkout bug); UTM campaigns and referrers of landing pages; and the product
objects of the e-commerce v2 spec. A context's nested library/app/device/os objects are
shared between messages and must be treated as read-only.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import PRODUCTS
from journeylens.demo.plan import Order, Session

_WEB_LIBRARY = ("analytics.js", "next-1.72.0")
_APP_LIBRARY = {"ios": ("analytics-ios", "4.1.8"), "android": ("analytics-android", "4.11.3")}
_SERVER_LIBRARY = ("analytics-python", "2.3.4")
_USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:129.0) Gecko/20100101 Firefox/129.0",
)
_IOS_MODELS = (
    ("iPhone15,2", "17.6"),
    ("iPhone15,4", "17.6"),
    ("iPhone16,1", "18.0"),
    ("iPhone14,5", "17.5"),
    ("iPhone16,2", "18.0"),
    ("iPhone13,2", "16.7"),
)
_ANDROID_MODELS = (
    ("Pixel 8", "Google", "14"),
    ("SM-S911B", "samsung", "14"),
    ("SM-A546B", "samsung", "14"),
    ("23049PCD8G", "Xiaomi", "13"),
    ("CPH2581", "OPPO", "14"),
    ("Pixel 7a", "Google", "14"),
)
REFERRERS = {
    "organic": "https://www.google.com/",
    "paid_search": "https://www.google.com/",
    "paid_social": "https://l.facebook.com/",
    "social": "https://www.instagram.com/",
    "referral": "https://www.techradar.example/best-buys",
    "display": "https://ads.dv360.example/",
}
PRODUCT_PROPS = [
    {
        "product_id": p.product_id,
        "sku": p.sku,
        "name": p.name,
        "category": p.category,
        "brand": p.brand,
        "price": p.price,
        "currency": P.CURRENCY,
        "url": p.url,
    }
    for p in PRODUCTS
]


@cache
def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _versions_by_day(releases: tuple[tuple[date, str], ...]) -> list[str]:
    by_day = []
    for offset in range(P.DAYS + 60):
        day, current = P.START + timedelta(days=offset), "5.1.4"
        for first, version in releases:
            if day >= first:
                current = version
        by_day.append(current)
    return by_day


_APP_VERSIONS = {
    "android": _versions_by_day(P.ANDROID_VERSIONS),
    "ios": _versions_by_day(P.IOS_VERSIONS),
}


def app_version(kind: str, t: float) -> str:
    """The app build in use on that day (truth 2: Android 5.3.0 carried the checkout bug)."""
    by_day = _APP_VERSIONS[kind]
    return by_day[min(max(int(t // P.DAY), 0), len(by_day) - 1)]


def utm(session: Session, language: str) -> dict[str, str] | None:
    source, interest = session.source, slug(session.interest)
    black_friday = P.t_of(date(2025, 11, 21)) <= session.start < P.t_of(date(2025, 12, 2))
    if source == "paid_search":
        return {"source": "google", "medium": "cpc", "name": f"search_{interest}"}
    if source == "paid_social":
        network = "xiaohongshu" if language == "zh" else "facebook"
        name = "black_friday_2025" if black_friday else f"{interest}_prospecting"
        return {"source": network, "medium": "paid_social", "name": name}
    if source == "social":
        return {"source": "instagram", "medium": "social", "name": "brightlane_community"}
    if source == "display":
        return {"source": "dv360", "medium": "display", "name": f"retargeting_{interest}"}
    if source == "newsletter":
        return {"source": "newsletter", "medium": "email", "name": session.campaign or "newsletter"}
    if source == "campaign":
        return {
            "source": "newsletter",
            "medium": "email",
            "name": P.CAMPAIGN_NAME,
            "content": "hero_button",
        }
    return None


def order_products(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product_id": PRODUCTS[i].product_id,
            "sku": PRODUCTS[i].sku,
            "name": PRODUCTS[i].name,
            "category": PRODUCTS[i].category,
            "brand": PRODUCTS[i].brand,
            "price": PRODUCTS[i].price,
            "quantity": q,
        }
        for i, q in order.lines
    ]


_CONTEXTS: dict[tuple[str, int, str, str], dict[str, Any]] = {}


def device_context(kind: str, model: int, language: str, t: float) -> dict[str, Any]:
    """A fresh top-level context; its library/app/device/os objects are shared, read-only."""
    version = "" if kind == "web" else app_version(kind, t)
    key = (kind, model, language, version)
    template = _CONTEXTS.get(key)
    if template is None:
        template = _CONTEXTS[key] = _context_template(*key)
    return dict(template)


def _context_template(kind: str, model: int, language: str, app_version: str) -> dict[str, Any]:
    locale = "zh-CN" if language == "zh" else "en-US"
    if kind == "web":
        return {
            "library": {"name": _WEB_LIBRARY[0], "version": _WEB_LIBRARY[1]},
            "userAgent": _USER_AGENTS[model],
            "locale": locale,
        }
    name, version = _APP_LIBRARY[kind]
    if kind == "ios":
        device_model, os_version = _IOS_MODELS[model]
        device = {"type": "ios", "model": device_model, "manufacturer": "Apple"}
        os = {"name": "iOS", "version": os_version}
    else:
        device_model, manufacturer, os_version = _ANDROID_MODELS[model]
        device = {"type": "android", "model": device_model, "manufacturer": manufacturer}
        os = {"name": "Android", "version": os_version}
    return {
        "library": {"name": name, "version": version},
        "app": {
            "name": P.BUSINESS,
            "version": app_version,
            "build": app_version.replace(".", ""),
            "namespace": "com.brightlane.shop",
        },
        "device": device,
        "os": os,
        "locale": locale,
    }


SERVER_CONTEXT = {"library": {"name": _SERVER_LIBRARY[0], "version": _SERVER_LIBRARY[1]}}
