"""Tables derived from events as they are stored: orders, order items, feedback.

Orders come from ``Order Completed`` events (sent by an SDK or made by the orders
importer), so a purchase is one thing whichever way it arrived; ``Order Refunded``
marks it refunded. Feedback comes from ``Product Reviewed`` (Segment spec), NPS and
survey events and the feedback importer's ``Feedback Submitted``. The rows are
derived in the same transaction as the events, with the same person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

ORDER_COMPLETED = "Order Completed"
ORDER_REFUNDED = "Order Refunded"
# event name -> feedback kind
FEEDBACK_EVENTS = {
    "Product Reviewed": "review",
    "Feedback Submitted": None,  # the kind is in properties.kind
    "NPS Submitted": "nps",
    "Survey Submitted": "survey",
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HEBREW = re.compile(r"[\u0590-\u05ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def guess_language(text: str | None) -> str | None:
    """A script-based guess, enough to route text to the right sentiment model."""
    if not text:
        return None
    if _CJK.search(text):
        return "zh"
    if _HEBREW.search(text):
        return "he"
    if _ARABIC.search(text):
        return "ar"
    return "en"


@dataclass
class Derived:
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.orders or self.refunds or self.feedback)


def derive(rows: list[dict[str, Any]]) -> Derived:
    out = Derived()
    for row in rows:
        name = row["event"]
        if name == ORDER_COMPLETED:
            _order(row, out)
        elif name == ORDER_REFUNDED:
            props = orjson.loads(row["properties"]) if row["properties"] else {}
            order_id = _text(props.get("order_id"))
            if order_id:
                out.refunds.append(order_id)
        elif name in FEEDBACK_EVENTS:
            _feedback(row, FEEDBACK_EVENTS[name], out)
    return out


def _order(row: dict[str, Any], out: Derived) -> None:
    props = orjson.loads(row["properties"]) if row["properties"] else {}
    order_id = _text(props.get("order_id")) or row["message_id"]
    products = props.get("products") if isinstance(props.get("products"), list) else []
    revenue = row["revenue"]
    if revenue is None:
        revenue = (
            sum(
                (_number(p.get("price")) or 0.0) * (_number(p.get("quantity")) or 1.0)
                for p in products
                if isinstance(p, dict)
            )
            or None
        )
    out.orders.append(
        {
            "order_id": order_id,
            "person_id": row["person_id"],
            "user_id": row["user_id"],
            "ordered_at": row["timestamp"],
            "revenue": revenue,
            "currency": row["currency"],
            "channel": row["channel"],
            "status": "completed",
            "source": row["source"],
            "message_id": row["message_id"],
            "properties": row["properties"],
        }
    )
    for line, product in enumerate(p for p in products if isinstance(p, dict)):
        out.items.append(
            {
                "order_id": order_id,
                "line": line,
                "product_id": _text(product.get("product_id")) or _text(product.get("sku")),
                "name": _text(product.get("name")),
                "category": _text(product.get("category")),
                "price": _number(product.get("price")),
                "quantity": _number(product.get("quantity")) or 1.0,
            }
        )


def _feedback(row: dict[str, Any], kind: str | None, out: Derived) -> None:
    props = orjson.loads(row["properties"]) if row["properties"] else {}
    text = (
        _text(props.get("text")) or _text(props.get("review_body")) or _text(props.get("comment"))
    )
    nps = _number(props.get("nps", props.get("score") if kind == "nps" else None))
    out.feedback.append(
        {
            "feedback_id": _text(props.get("feedback_id"))
            or _text(props.get("review_id"))
            or row["message_id"],
            "person_id": row["person_id"],
            "user_id": row["user_id"],
            "created_at": row["timestamp"],
            "channel": row["channel"],
            "kind": kind or _text(props.get("kind")) or "survey",
            "text": text,
            "rating": _number(props.get("rating")),
            "nps": int(nps) if nps is not None and 0 <= nps <= 10 else None,
            "language": _text(props.get("language")) or guess_language(text),
            "product_id": _text(props.get("product_id")),
            "order_id": _text(props.get("order_id")),
            "source": row["source"],
            "properties": row["properties"],
        }
    )
