"""A :class:`~journeylens.demo.simulate.Plan` spelled out as Segment messages.

Messages look like what analytics.js, analytics-ios, analytics-android and a server
library (for e-mail, support, social and fulfilment systems) send to ``/v1/batch``:
``page``/``screen``/``track``/``identify``/``alias`` with Segment e-commerce v2 event
names and snake_case properties. The channel of e-mail, chat and social events is
stated in ``properties.channel``; web and app events carry their library and device.
"""

from __future__ import annotations

from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import INDEX, PRODUCTS
from journeylens.demo.context import (
    PRODUCT_PROPS,
    SERVER_CONTEXT,
    device_context,
    order_products,
)
from journeylens.demo.draws import Draws, stream
from journeylens.demo.plan import Order, Plan
from journeylens.demo.visit import Visit

STREAM_SPELL = 4
MESSAGE_TYPES = frozenset({"track", "page", "screen", "identify", "alias"})


class SegmentWriter:
    """Numbers messages across the whole stream (``demo-{seed}-{n}``)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.prefix = f"demo-{seed}-"
        self.scope = ""
        self.count = 0

    # ---- one customer or visitor ------------------------------------------------------
    def plan_messages(self, plan: Plan, contact: dict[str, Any] | None) -> list[dict[str, Any]]:
        profile = plan.profile
        assert profile is not None
        # Ids are numbered per customer, so any subset of customers gives the same ids.
        self.scope, self.count = f"c{profile.index}-", 0
        draws = Draws(stream(self.seed, STREAM_SPELL, profile.index))
        out: list[dict[str, Any]] = []
        items: list[tuple[float, int, Any]] = [(s.start, 0, s) for s in plan.sessions]
        items.extend((t, 1, (kind, data)) for t, kind, data in plan.touches)
        items.sort(key=lambda item: (item[0], item[1]))
        for t, is_touch, item in items:
            if is_touch:
                self._touch(plan, t, item[0], item[1], draws, out)
            else:
                Visit(self, plan, contact, item, draws, out).run()
        return out

    def visitor_messages(self, plan: Plan, index: int) -> list[dict[str, Any]]:
        self.scope, self.count = f"v{index}-", 0
        draws = Draws(stream(self.seed, STREAM_SPELL + 1, index))
        out: list[dict[str, Any]] = []
        for session in plan.sessions:
            Visit(self, plan, None, session, draws, out).run()
        return out

    def message(
        self, kind: str, t: float, user_id: str | None, anonymous_id: str | None, **fields: Any
    ) -> dict[str, Any]:
        self.count += 1
        message: dict[str, Any] = {
            "type": kind,
            "messageId": f"{self.prefix}{self.scope}{self.count}",
            "timestamp": P.iso(t),
        }
        if user_id is not None:
            message["userId"] = user_id
        if anonymous_id is not None:
            message["anonymousId"] = anonymous_id
        message.update(fields)
        return message

    # ---- e-mail, support, fulfilment and social systems --------------------------------
    def _server(self, event: str, t: float, user_id: str, properties: dict[str, Any]) -> dict:
        return self.message(
            "track",
            t,
            user_id,
            None,
            event=event,
            properties=properties,
            context=dict(SERVER_CONTEXT),
        )

    def _touch(
        self,
        plan: Plan,
        t: float,
        kind: str,
        data: dict[str, Any],
        draws: Draws,
        out: list[dict[str, Any]],
    ) -> None:
        profile = plan.profile
        assert profile is not None
        user = profile.customer_id
        if kind.startswith("email_"):
            campaign = data["campaign"]
            spring = campaign == P.CAMPAIGN_NAME
            properties = {
                "channel": "email",
                "email_id": data["email_id"],
                "campaign_id": P.CAMPAIGN_ID if spring else f"cmp_{campaign}",
                "campaign_name": campaign,
                "email_subject": P.CAMPAIGN_SUBJECT
                if spring
                else "New this fortnight at Brightlane",
            }
            if spring:
                properties["coupon"] = P.COUPON
            event = {"email_sent": "Email Sent", "email_opened": "Email Opened"}.get(kind)
            if event is None:
                event = "Email Link Clicked"
                properties["link_url"] = (
                    f"{P.SITE}/?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"
                )
            out.append(self._server(event, t, user, properties))
        elif kind == "order_delivered":
            order: Order = data["order"]
            properties = {
                "channel": order.channel,
                "order_id": order.order_id,
                "carrier": "UPS" if profile.country in ("US", "CA") else "DHL",
                "promised_date": P.day_of(data["promised"]).isoformat(),
                "days_late": order.days_late,
                "on_time": order.days_late == 0,
            }
            out.append(self._server("Order Delivered", t, user, properties))
        elif kind == "order_refunded":
            order = data["order"]
            amounts = order.amounts()
            reason = {"defect": "defective", "return": "changed_mind", "late": "late_delivery"}
            properties = {
                "channel": order.channel,
                "order_id": order.order_id,
                "total": amounts["total"],
                "currency": P.CURRENCY,
                "reason": reason.get(order.issue or "", "other"),
                "products": order_products(order),
            }
            out.append(self._server("Order Refunded", t, user, properties))
        elif kind == "review":
            row = data["row"]
            product = PRODUCTS[INDEX[row["product_id"]]]
            properties = {
                "product_id": product.product_id,
                "name": product.name,
                "review_id": row["feedback_id"],
                "review_body": row["text"],
                "rating": row["rating"],
                "order_id": row["order_id"],
            }
            path = f"/products/{product.slug}/reviews/new"
            out.append(
                self._device_track(plan, data["device"], t, "Product Reviewed", properties, path)
            )
        elif kind == "referral":
            properties = {"referral_code": data["code"], "share_via": "link"}
            out.append(
                self._device_track(
                    plan, data["device"], t, "Referral Sent", properties, "/account/referrals"
                )
            )
        elif kind == "chat":
            conversation = data["conversation_id"]
            base = {"channel": "chat", "conversation_id": conversation}
            out.append(self._server("Chat Started", t, user, {**base, "topic": data["topic"]}))
            for k in range(data["messages"]):
                t += draws.uniform(15.0, 120.0)
                sender = "customer" if k % 2 == 0 else "agent"
                properties = {**base, "sender": sender, "message_number": k + 1}
                out.append(self._server("Chat Message Sent", t, user, properties))
        elif kind in ("ticket_created", "ticket_resolved"):
            order = data["order"]
            properties = {
                "channel": data["via"],
                "ticket_id": data["ticket_id"],
                "order_id": order.order_id,
                "reason": {"late": "late_delivery", "defect": "defective_product"}.get(
                    data["reason"], "return_or_refund"
                ),
            }
            if kind == "ticket_created":
                properties["priority"] = "high" if data["reason"] == "defect" else "normal"
                out.append(self._server("Support Ticket Created", t, user, properties))
            else:
                properties["resolution_hours"] = round(data["hours"], 1)
                properties["resolution"] = "refund" if order.refunded_at else "resolved"
                out.append(self._server("Support Ticket Resolved", t, user, properties))
        elif kind == "social_like":
            properties = {
                "channel": "social",
                "platform": data["platform"],
                "post_id": data["post_id"],
            }
            out.append(self._server("Social Post Liked", t, user, properties))
        elif kind == "share":
            properties = {
                **PRODUCT_PROPS[data["product"]],
                "channel": "social",
                "share_via": data["via"],
            }
            out.append(self._server("Product Shared", t, user, properties))

    def _device_track(
        self, plan: Plan, device_index: int, t: float, event: str, properties: dict, path: str
    ) -> dict[str, Any]:
        device = plan.devices[device_index]
        profile = plan.profile
        assert profile is not None
        context = device_context(device.kind, device.model, profile.language, t)
        if device.kind == "web":
            context["page"] = {
                "path": path,
                "url": P.SITE + path,
                "referrer": "",
                "title": "Brightlane",
            }
        return self.message(
            "track",
            t,
            profile.customer_id,
            device.anonymous_id,
            event=event,
            properties=properties,
            context=context,
        )
