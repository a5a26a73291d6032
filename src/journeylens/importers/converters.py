"""File rows → the messages the collector accepts (or CRM contacts).

A converter raises :class:`~journeylens.importers.fields.FieldError` for a row it
cannot use; the runner reports it with the row's line number.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, tzinfo
from typing import Any

import orjson

from journeylens.importers.fields import (
    FieldError,
    json_list,
    json_object,
    number,
    plain,
    timestamp,
)
from journeylens.importers.mapping import ColumnMapping
from journeylens.store.commit import Contact
from journeylens.store.contact_keys import email_key, phone_key

_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d+)?$")


def typed(value: Any) -> Any:
    """CSV cells are text: numbers and booleans that look unambiguous become typed.

    Ids with leading zeros (``007``, ``02134``) stay text.
    """
    if not isinstance(value, str):
        return plain(value)
    if _NUMBER.match(value):
        return float(value) if "." in value else int(value)
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip() if not isinstance(value, str) else value.strip()
    return text or None


def row_hash(kind: str, row: dict[str, Any]) -> str:
    encoded = orjson.dumps({k: plain(v) for k, v in row.items()}, option=orjson.OPT_SORT_KEYS)
    return f"{kind}-" + hashlib.blake2b(encoded, digest_size=12).hexdigest()


def event_message(row: dict[str, Any], m: ColumnMapping, tz: tzinfo, csv: bool) -> dict[str, Any]:
    properties = json_object(m.get(row, "properties"), "properties")
    for key, value in m.extra(row).items():
        properties[key] = typed(value) if csv else plain(value)
    message: dict[str, Any] = {
        "type": _text(m.get(row, "type")) or "track",
        "event": _text(m.get(row, "event")),
        "userId": _text(m.get(row, "user_id")),
        "anonymousId": _text(m.get(row, "anonymous_id")),
        "timestamp": timestamp(m.get(row, "timestamp"), tz, "timestamp"),
        "messageId": _text(m.get(row, "message_id")),
        "properties": properties,
        "context": json_object(m.get(row, "context"), "context"),
    }
    if message["type"] in ("identify", "group"):
        message["traits"] = json_object(m.get(row, "traits"), "traits") or properties
    for field in ("channel", "session_id"):
        value = _text(m.get(row, field))
        if value:
            properties[field] = value
    if message["messageId"] is None:
        message["messageId"] = row_hash("event", row)
    return message


def contact(row: dict[str, Any], m: ColumnMapping, csv: bool) -> Contact:
    user_id = _text(m.get(row, "user_id"))
    email, phone = _text(m.get(row, "email")), _text(m.get(row, "phone"))
    keys: list[tuple[str, str]] = []
    if user_id:
        keys.append((user_id, "user"))
    for key, kind in ((email_key(email), "email"), (phone_key(phone), "phone")):
        if key:
            keys.append((key, kind))
    if not keys:
        raise FieldError("a contact needs a customer id, a valid email or a phone number")
    traits: dict[str, Any] = {}
    for field in ("email", "phone", "name", "first_name", "last_name", "gender", "country", "city"):
        value = _text(m.get(row, field))
        if value:
            traits[field] = value
    for field in ("birth_date", "signup_date"):
        value = m.get(row, field)
        if value not in (None, ""):
            traits[field] = timestamp(value, UTC, field)[:10]
    for key, value in m.extra(row).items():
        traits[key] = typed(value) if csv else plain(value)
    return Contact(keys=keys, traits=traits, record_id=user_id or row_hash("contact", row))


def order_lines_key(row: dict[str, Any], m: ColumnMapping) -> str:
    order_id = _text(m.get(row, "order_id"))
    if not order_id:
        raise FieldError("the row has no order id")
    return order_id


def order_message(
    lines: list[dict[str, Any]], m: ColumnMapping, tz: tzinfo, channel: str | None
) -> dict[str, Any]:
    """One ``Order Completed`` from the order's rows (one row per item, or nested products)."""
    first = lines[0]
    order_id = order_lines_key(first, m)
    user_id = _text(m.get(first, "user_id"))
    if not user_id:
        raise FieldError(f"order {order_id} has no customer id")
    products: list[dict[str, Any]] = []
    nested = m.get(first, "products")
    if nested not in (None, ""):
        for item in json_list(nested, "products"):
            if not isinstance(item, dict):
                raise FieldError("each product must be a JSON object")
            products.append({k: plain(v) for k, v in item.items()})
    else:
        for line in lines:
            product_id = _text(m.get(line, "product_id"))
            if product_id is None and m.get(line, "price") in (None, ""):
                continue
            products.append(
                {
                    "product_id": product_id,
                    "name": _text(m.get(line, "product_name")),
                    "category": _text(m.get(line, "category")),
                    "price": number(m.get(line, "price"), "price"),
                    "quantity": number(m.get(line, "quantity"), "quantity") or 1.0,
                }
            )
    revenue = number(m.get(first, "revenue"), "revenue")
    if revenue is None:
        revenue = round(
            sum((p.get("price") or 0.0) * (p.get("quantity") or 1.0) for p in products), 2
        )
    properties: dict[str, Any] = {
        "order_id": order_id,
        "total": revenue,
        "revenue": revenue,
        "currency": _text(m.get(first, "currency")) or "USD",
        "products": products,
    }
    for field in ("store_id", "coupon"):
        value = _text(m.get(first, field))
        if value:
            properties[field] = value
    properties["channel"] = (
        _text(m.get(first, "channel"))
        or channel
        or ("store" if "store_id" in properties else "other")
    )
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": user_id,
        "timestamp": timestamp(m.get(first, "ordered_at"), tz, "ordered_at"),
        "messageId": f"order-{order_id}",
        "properties": properties,
    }


def feedback_message(
    row: dict[str, Any], m: ColumnMapping, tz: tzinfo, csv: bool
) -> dict[str, Any]:
    user_id = _text(m.get(row, "user_id"))
    if not user_id:
        raise FieldError("the feedback has no customer id")
    text = _text(m.get(row, "text"))
    rating = number(m.get(row, "rating"), "rating")
    nps = number(m.get(row, "nps"), "nps")
    if text is None and rating is None and nps is None:
        raise FieldError("the feedback has no text, rating or NPS score")
    if nps is not None and not (0 <= nps <= 10 and nps == int(nps)):
        raise FieldError(f"nps {nps:g} is not a whole number from 0 to 10")
    if rating is not None and not 0 <= rating <= 10:
        raise FieldError(f"rating {rating:g} is outside 0–10")
    feedback_id = _text(m.get(row, "feedback_id")) or row_hash("feedback", row)
    kind = _text(m.get(row, "kind")) or (
        "nps" if nps is not None and text is None else "review" if rating is not None else "survey"
    )
    properties: dict[str, Any] = {
        "feedback_id": feedback_id,
        "kind": kind.lower(),
        "text": text,
        "rating": rating,
        "nps": int(nps) if nps is not None else None,
        "language": _text(m.get(row, "language")),
        "product_id": _text(m.get(row, "product_id")),
        "order_id": _text(m.get(row, "order_id")),
        "channel": _text(m.get(row, "channel")) or "other",
    }
    for key, value in m.extra(row).items():
        properties.setdefault(key, typed(value) if csv else plain(value))
    return {
        "type": "track",
        "event": "Feedback Submitted",
        "userId": user_id,
        "timestamp": timestamp(m.get(row, "created_at"), tz, "created_at"),
        "messageId": f"feedback-{feedback_id}",
        "properties": {k: v for k, v in properties.items() if v is not None},
    }
