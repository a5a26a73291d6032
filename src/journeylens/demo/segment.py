"""A :class:`~journeylens.demo.simulate.Plan` spelled out as Segment messages.

Messages look like what analytics.js, analytics-ios, analytics-android and a server
library (for e-mail, support, social and fulfilment systems) send to ``/v1/batch``:
``page``/``screen``/``track``/``identify``/``alias`` with Segment e-commerce v2 event
names and snake_case properties. The channel of e-mail, chat and social events is
stated in ``properties.channel``; web and app events carry their library and device.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import BY_CATEGORY, PRODUCTS, Product
from journeylens.demo.draws import Draws, stream
from journeylens.demo.simulate import CART, CHECKOUT, ORDERED, PAYMENT, Order, Plan, Session
from journeylens.demo.texts import ARTICLES, GENERIC_ARTICLES, SEARCH_QUERIES

STREAM_SPELL = 4
MESSAGE_TYPES = frozenset({"track", "page", "screen", "identify", "alias"})

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
_REFERRERS = {
    "organic": "https://www.google.com/",
    "paid_search": "https://www.google.com/",
    "paid_social": "https://l.facebook.com/",
    "social": "https://www.instagram.com/",
    "referral": "https://www.techradar.example/best-buys",
    "display": "https://ads.dv360.example/",
}
_PRODUCT_PROPS = [
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


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _app_version(kind: str, t: float) -> str:
    versions = P.ANDROID_VERSIONS if kind == "android" else P.IOS_VERSIONS
    current = "5.1.4"
    day = P.day_of(t)
    for first, version in versions:
        if day >= first:
            current = version
    return current


def _utm(session: Session, language: str) -> dict[str, str] | None:
    source, interest = session.source, _slug(session.interest)
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


class SegmentWriter:
    """Numbers messages across the whole stream (``demo-{seed}-{n}``)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.prefix = f"demo-{seed}-"
        self.count = 0

    # ---- one customer or visitor ------------------------------------------------------
    def plan_messages(self, plan: Plan, contact: dict[str, Any] | None) -> list[dict[str, Any]]:
        profile = plan.profile
        assert profile is not None
        draws = Draws(stream(self.seed, STREAM_SPELL, profile.index))
        out: list[dict[str, Any]] = []
        items: list[tuple[float, int, Any]] = [(s.start, 0, s) for s in plan.sessions]
        items.extend((t, 1, (kind, data)) for t, kind, data in plan.touches)
        items.sort(key=lambda item: (item[0], item[1]))
        for _, is_touch, item in items:
            if is_touch:
                self._touch(plan, contact, item[0], item[1], draws, out)
            else:
                _Visit(self, plan, contact, item, draws, out).run()
        return out

    def visitor_messages(self, plan: Plan, index: int) -> list[dict[str, Any]]:
        draws = Draws(stream(self.seed, STREAM_SPELL + 1, index))
        out: list[dict[str, Any]] = []
        for session in plan.sessions:
            _Visit(self, plan, None, session, draws, out).run()
        return out

    def message(self, kind: str, t: float, user_id: str | None, anonymous_id: str | None, **fields: Any) -> dict[str, Any]:  # fmt: skip
        self.count += 1
        message: dict[str, Any] = {
            "type": kind,
            "messageId": f"{self.prefix}{self.count}",
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
        library = {"name": _SERVER_LIBRARY[0], "version": _SERVER_LIBRARY[1]}
        return self.message(
            "track", t, user_id, None, event=event, properties=properties, context={"library": library}
        )

    def _touch(
        self,
        plan: Plan,
        contact: dict[str, Any] | None,
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
                "email_subject": P.CAMPAIGN_SUBJECT if spring else "New this fortnight at Brightlane",
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
                "products": _order_products(order),
            }
            out.append(self._server("Order Refunded", t, user, properties))
        elif kind == "review":
            row = data["row"]
            product = PRODUCTS[_product_index(row["product_id"])]
            properties = {
                "product_id": product.product_id,
                "name": product.name,
                "review_id": row["feedback_id"],
                "review_body": row["text"],
                "rating": row["rating"],
                "order_id": row["order_id"],
            }
            path = f"/products/{product.slug}/reviews/new"
            out.append(self._device_track(plan, data["device"], t, "Product Reviewed", properties, path))  # fmt: skip
        elif kind == "referral":
            properties = {"referral_code": data["code"], "share_via": "link"}
            out.append(self._device_track(plan, data["device"], t, "Referral Sent", properties, "/account/referrals"))  # fmt: skip
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
            properties = {"channel": "social", "platform": data["platform"], "post_id": data["post_id"]}
            out.append(self._server("Social Post Liked", t, user, properties))
        elif kind == "share":
            properties = {
                **_PRODUCT_PROPS[data["product"]],
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
        context = _device_context(device.kind, device.model, profile.language, t)
        if device.kind == "web":
            context["page"] = {"path": path, "url": P.SITE + path, "referrer": "", "title": "Brightlane"}
        return self.message(
            "track",
            t,
            profile.customer_id,
            device.anonymous_id,
            event=event,
            properties=properties,
            context=context,
        )


def _product_index(product_id: str) -> int:
    from journeylens.demo.catalogue import INDEX

    return INDEX[product_id]


def _order_products(order: Order) -> list[dict[str, Any]]:
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


def _device_context(kind: str, model: int, language: str, t: float) -> dict[str, Any]:
    locale = "zh-CN" if language == "zh" else "en-US"
    if kind == "web":
        return {
            "library": {"name": _WEB_LIBRARY[0], "version": _WEB_LIBRARY[1]},
            "userAgent": _USER_AGENTS[model],
            "locale": locale,
        }
    name, version = _APP_LIBRARY[kind]
    app_version = _app_version(kind, t)
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


class _Visit:
    """One session: pages or screens and the tracks between them."""

    __slots__ = (
        "anonymous_id",
        "campaign",
        "contact",
        "device",
        "draws",
        "fast",
        "language",
        "logged",
        "out",
        "page_context",
        "plan",
        "session",
        "t",
        "url",
        "user_id",
        "web",
        "writer",
    )

    def __init__(
        self,
        writer: SegmentWriter,
        plan: Plan,
        contact: dict[str, Any] | None,
        session: Session,
        draws: Draws,
        out: list[dict[str, Any]],
    ) -> None:
        self.writer, self.plan, self.contact, self.session = writer, plan, contact, session
        self.draws, self.out = draws, out
        self.device = plan.devices[session.device]
        self.web = self.device.kind == "web"
        profile = plan.profile
        self.language = profile.language if profile else "en"
        self.user_id = profile.customer_id if profile and session.logged_in else None
        self.anonymous_id = self.device.anonymous_id
        self.t = session.start
        self.campaign = _utm(session, self.language)
        self.url = ""
        self.page_context: dict[str, Any] | None = None
        self.logged = session.login is None
        # a purchase session must reach its order by the planned time (see ORDER_DELAY)
        self.fast = session.kind == "purchase"

    # ---- primitives --------------------------------------------------------------------
    def _context(self) -> dict[str, Any]:
        context = _device_context(self.device.kind, self.device.model, self.language, self.t)
        if self.page_context is not None:
            context["page"] = dict(self.page_context)
        return context

    def page(self, name: str, path: str, title: str, category: str | None = None) -> None:
        draws = self.draws
        self.t += 2.0 + (min(draws.exponential(15.0), 40.0) if self.fast else draws.exponential(35.0))
        first = not self.url
        if self.web:
            search, referrer = "", self.url
            if first:
                referrer = _REFERRERS.get(self.session.source or "", "")
                if self.campaign:
                    c = self.campaign
                    search = f"?utm_source={c['source']}&utm_medium={c['medium']}&utm_campaign={c['name']}"
            self.url = P.SITE + path + search
            self.page_context = {
                "path": path,
                "url": self.url,
                "referrer": referrer,
                "title": f"{title} | {P.BUSINESS}",
                "search": search,
            }
            properties = dict(self.page_context)
            kind = "page"
        else:
            self.url = path
            properties = {"name": name}
            kind = "screen"
        context = self._context()
        if first and self.campaign:
            context["campaign"] = dict(self.campaign)
        fields: dict[str, Any] = {"name": name, "properties": properties, "context": context}
        if category:
            properties["category"] = category
            if self.web:
                fields["category"] = category
        self.out.append(self.writer.message(kind, self.t, self.user_id, self.anonymous_id, **fields))  # fmt: skip
        if not self.logged:
            self.logged = True
            self._login()

    def track(self, event: str, properties: dict[str, Any]) -> None:
        draws = self.draws
        self.t += 1.0 + (min(draws.exponential(4.0), 10.0) if self.fast else draws.exponential(8.0))
        self.out.append(self.writer.message("track", self.t, self.user_id, self.anonymous_id, event=event, properties=properties, context=self._context()))  # fmt: skip

    # ---- building blocks ---------------------------------------------------------------
    def _product_page(self, index: int) -> None:
        product = PRODUCTS[index]
        self.page("Product", f"/products/{product.slug}", product.name, "Product")
        self.track("Product Viewed", dict(_PRODUCT_PROPS[index]))

    def _list(self, category: str, list_id: str, query: str | None = None) -> list[int]:
        items = BY_CATEGORY[category]
        shown = self.draws.sample(items, 6)
        products = [
            {"product_id": PRODUCTS[i].product_id, "name": PRODUCTS[i].name, "price": PRODUCTS[i].price, "position": k + 1}  # fmt: skip
            for k, i in enumerate(shown)
        ]
        properties: dict[str, Any] = {"list_id": list_id, "category": category, "products": products}
        if query is not None:
            properties["query"] = query
        self.track("Product List Viewed", properties)
        return shown

    def _search(self, category: str) -> list[int]:
        query = self.draws.pick(SEARCH_QUERIES[self.language][category])
        self.page("Search Results", "/search", f"Search: {query}", "Search")
        self.track("Products Searched", {"query": query})
        return self._list(category, "search_results", query)

    def _category(self, category: str) -> list[int]:
        self.page("Category", f"/c/{_slug(category)}", category, "Category")
        return self._list(category, f"category_{_slug(category)}")

    def _article(self, interest: str) -> None:
        options = ARTICLES.get(interest, ()) + GENERIC_ARTICLES
        path, title = self.draws.pick(options)
        self.page("Article", path, title, "Blog" if path.startswith("/blog/") else "Guides")

    def _login(self) -> None:
        """Sign-up, sign-in or the first identify on a device: stitches its anonymous id."""
        login = self.session.login
        profile, contact = self.plan.profile, self.contact
        if login is None or profile is None or contact is None:
            return
        if login == "signup":
            self.track("Signed Up", {"method": "email"})
        elif login == "signin":
            self.track("Signed In", {"method": "email"})
        traits = {
            "email": contact["email"],
            "first_name": contact["first_name"],
            "last_name": contact["last_name"],
            "phone": contact["phone"],
            "gender": contact["gender"],
            "birthday": contact["birth_date"],
            "address": {"city": contact["city"], "country": contact["country"]},
            "created_at": contact["signup_date"],
            "language": contact["preferred_language"],
        }
        self.t += 0.5
        self.out.append(self.writer.message("identify", self.t, profile.customer_id, self.anonymous_id, traits=traits, context=self._context()))  # fmt: skip
        if login == "signup" and not self.web and self.draws.chance(0.5):
            self.t += 0.2
            self.out.append(self.writer.message("alias", self.t, profile.customer_id, None, previousId=self.anonymous_id, context=self._context()))  # fmt: skip

    # ---- sessions ----------------------------------------------------------------------
    def run(self) -> None:
        kind, draws, interest = self.session.kind, self.draws, self.session.interest
        if kind == "purchase":
            self._purchase()
        elif kind == "awareness":
            u = draws.random()
            if u < 0.5:
                self.page("Landing", f"/lp/{_slug(interest)}", interest, "Landing")
            elif u < 0.8:
                self._article(interest)
            else:
                self.page("Home", "/", P.BUSINESS)
            shown = self._category(interest)
            if draws.chance(0.5):
                self._product_page(draws.pick(shown))
        elif kind == "education":
            for _ in range(draws.between(1, 3)):
                self._article(interest)
        elif kind == "evaluation":
            self.page("Home", "/", P.BUSINESS)
            shown = self._search(interest) if draws.chance(0.5) else self._category(interest)
            viewed = draws.sample(shown, draws.between(1, 3))
            for index in viewed:
                self._product_page(index)
            if len(viewed) >= 2 and draws.chance(0.5):
                a, b = PRODUCTS[viewed[0]], PRODUCTS[viewed[1]]
                self.page("Compare", f"/compare/{a.slug}-vs-{b.slug}", f"{a.name} vs {b.name}", "Compare")  # fmt: skip
            if draws.chance(0.4):
                product = PRODUCTS[viewed[0]]
                self.page("Product Reviews", f"/products/{product.slug}/reviews", f"Reviews: {product.name}", "Reviews")  # fmt: skip
        elif kind == "search":
            self.page("Home", "/", P.BUSINESS)
            shown = self._search(interest)
            for index in draws.sample(shown, draws.between(1, 2)):
                self._product_page(index)
        elif kind == "account":
            self.page("Account", "/account", "Your account", "Account")
            self.page("Order History", "/account/orders", "Your orders", "Account")
        else:  # browse
            self.page("Home", "/", P.BUSINESS)
            shown = self._category(interest)
            for index in draws.sample(shown, draws.between(0, 2)):
                self._product_page(index)

    def _purchase(self) -> None:
        session, draws = self.session, self.draws
        basket = session.basket or []
        owner = self._owner()
        if draws.chance(0.5):
            self.page("Home", "/", P.BUSINESS)
        cart_id = f"cart_{owner}_{session.number:04d}"
        for k, (index, quantity) in enumerate(basket):
            if k == 0:
                self._product_page(index)
            added = dict(_PRODUCT_PROPS[index])
            added["quantity"] = quantity
            added["cart_id"] = cart_id
            self.track("Product Added", added)
        if session.coupon:
            coupon = {"cart_id": cart_id, "coupon_id": session.coupon, "coupon_name": P.COUPON}
            self.track("Coupon Entered", coupon)
            self.track("Coupon Applied", {**coupon, "discount": P.COUPON_DISCOUNT})
        if session.reach < CART:
            return
        products = [
            {**_PRODUCT_PROPS[i], "quantity": q, "position": k + 1} for k, (i, q) in enumerate(basket)
        ]
        self.page("Cart", "/cart", "Your cart", "Checkout")
        self.track("Cart Viewed", {"cart_id": cart_id, "products": products})
        if session.reach < CHECKOUT:
            return
        value = round(sum(PRODUCTS[i].price * q for i, q in basket), 2)
        checkout_id = f"chk_{owner}_{session.number:04d}"
        started: dict[str, Any] = {
            "checkout_id": checkout_id,
            "cart_id": cart_id,
            "value": value,
            "currency": P.CURRENCY,
            "products": products,
        }
        if session.coupon:
            started["coupon"] = session.coupon
            started["discount"] = round(value * P.COUPON_DISCOUNT, 2)
        if session.variant is not None:
            experiment = {
                "experiment_id": P.AB_EXPERIMENT_ID,
                "experiment_name": P.AB_EXPERIMENT_NAME,
                **P.AB_VARIATIONS[session.variant],
            }
            self.track("Experiment Viewed", dict(experiment))
            started.update(experiment)
        self.page("Checkout", "/checkout", "Checkout", "Checkout")
        self.track("Checkout Started", started)
        if session.reach < PAYMENT:
            return
        method = draws.pick(("credit_card", "credit_card", "paypal", "apple_pay", "gift_card"))
        self.page("Payment", "/checkout/payment", "Payment", "Checkout")
        self.track("Payment Info Entered", {"checkout_id": checkout_id, "step": 3, "payment_method": method})  # fmt: skip
        order = session.order
        if session.reach < ORDERED or order is None:
            return
        # The plan fixed when the order was placed; the confirmation lands exactly then.
        self.t = order.placed_at - 3.0
        self.fast = False
        self.page("Order Confirmation", "/checkout/confirmation", "Thank you", "Checkout")
        self.t = order.placed_at - 1.0
        completed: dict[str, Any] = {
            "checkout_id": checkout_id,
            "order_id": order.order_id,
            "affiliation": "Brightlane Online" if self.web else "Brightlane App",
            **order.amounts(),
            "currency": P.CURRENCY,
            "products": _order_products(order),
        }
        if order.coupon:
            completed["coupon"] = order.coupon
        self.out.append(self.writer.message("track", order.placed_at, self.user_id, self.anonymous_id, event="Order Completed", properties=completed, context=self._context()))  # fmt: skip

    def _owner(self) -> str:
        profile = self.plan.profile
        return f"{profile.index + 1:06d}" if profile else self.anonymous_id[:8]
