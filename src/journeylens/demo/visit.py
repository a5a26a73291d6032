"""One web or app session spelled out: pages or screens and the tracks between them.

A visit follows its planned kind (awareness, education, evaluation, browse, search,
account, purchase). A purchase visit walks the e-commerce v2 funnel as far as the plan
says (Product Viewed → Product Added → Cart Viewed → [Experiment Viewed] → Checkout
Started → Payment Info Entered → Order Completed) and lands the order exactly at the
planned time. A visit that logs the device in sends ``identify`` with the CRM traits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import BY_CATEGORY, PRODUCTS
from journeylens.demo.context import (
    PRODUCT_PROPS,
    REFERRERS,
    device_context,
    order_products,
    slug,
    utm,
)
from journeylens.demo.draws import Draws
from journeylens.demo.plan import CART, CHECKOUT, ORDERED, PAYMENT, Plan, Session
from journeylens.demo.texts import ARTICLES, GENERIC_ARTICLES, SEARCH_QUERIES

if TYPE_CHECKING:
    from journeylens.demo.segment import SegmentWriter


class Visit:
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
        # A sign-up or sign-in session starts anonymous; identify() switches it to the user.
        known = profile is not None and session.logged_in
        self.user_id = (
            profile.customer_id if known and session.login in (None, "identify") else None
        )
        self.anonymous_id = self.device.anonymous_id
        self.t = session.start
        self.campaign = utm(session, self.language)
        self.url = ""
        self.page_context: dict[str, Any] | None = None
        self.logged = session.login is None
        # a purchase session must reach its order by the planned time (see ORDER_DELAY)
        self.fast = session.kind == "purchase"

    # ---- primitives --------------------------------------------------------------------
    def _context(self) -> dict[str, Any]:
        context = device_context(self.device.kind, self.device.model, self.language, self.t)
        if self.page_context is not None:
            context["page"] = dict(self.page_context)
        return context

    def page(self, name: str, path: str, title: str, category: str | None = None) -> None:
        draws = self.draws
        self.t += 2.0 + (
            min(draws.exponential(15.0), 40.0) if self.fast else draws.exponential(35.0)
        )
        first = not self.url
        if self.web:
            search, referrer = "", self.url
            if first:
                referrer = REFERRERS.get(self.session.source or "", "")
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
            properties = {"name": name, "path": path}  # the app's route, as on the web
            kind = "screen"
        context = self._context()
        if first and self.campaign:
            context["campaign"] = dict(self.campaign)
        fields: dict[str, Any] = {"name": name, "properties": properties, "context": context}
        if category:
            properties["category"] = category
            if self.web:
                fields["category"] = category
        self.out.append(
            self.writer.message(kind, self.t, self.user_id, self.anonymous_id, **fields)
        )
        if not self.logged:
            self.logged = True
            self._login()

    def track(self, event: str, properties: dict[str, Any]) -> None:
        draws = self.draws
        self.t += 1.0 + (min(draws.exponential(4.0), 10.0) if self.fast else draws.exponential(8.0))
        self.out.append(
            self.writer.message(
                "track",
                self.t,
                self.user_id,
                self.anonymous_id,
                event=event,
                properties=properties,
                context=self._context(),
            )
        )

    # ---- building blocks ---------------------------------------------------------------
    def _product_page(self, index: int) -> None:
        product = PRODUCTS[index]
        self.page("Product", f"/products/{product.slug}", product.name, "Product")
        self.track("Product Viewed", dict(PRODUCT_PROPS[index]))

    def _list(self, category: str, list_id: str, query: str | None = None) -> list[int]:
        items = BY_CATEGORY[category]
        shown = self.draws.sample(items, 6)
        products = [
            {
                "product_id": PRODUCTS[i].product_id,
                "name": PRODUCTS[i].name,
                "price": PRODUCTS[i].price,
                "position": k + 1,
            }
            for k, i in enumerate(shown)
        ]
        properties: dict[str, Any] = {
            "list_id": list_id,
            "category": category,
            "products": products,
        }
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
        self.page("Category", f"/c/{slug(category)}", category, "Category")
        return self._list(category, f"category_{slug(category)}")

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
        self.user_id = profile.customer_id
        self.out.append(
            self.writer.message(
                "identify",
                self.t,
                profile.customer_id,
                self.anonymous_id,
                traits=traits,
                context=self._context(),
            )
        )
        if login == "signup":
            self.track("Signed Up", {"method": "email"})
        elif login == "signin":
            self.track("Signed In", {"method": "email"})
        if login == "signup" and not self.web and self.draws.chance(0.5):
            self.t += 0.2
            self.out.append(
                self.writer.message(
                    "alias",
                    self.t,
                    profile.customer_id,
                    None,
                    previousId=self.anonymous_id,
                    context=self._context(),
                )
            )

    # ---- sessions ----------------------------------------------------------------------
    def run(self) -> None:
        kind, draws, interest = self.session.kind, self.draws, self.session.interest
        if kind == "purchase":
            self._purchase()
        elif kind == "awareness":
            u = draws.random()
            if u < 0.5:
                self.page("Landing", f"/lp/{slug(interest)}", interest, "Landing")
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
                self.page(
                    "Compare", f"/compare/{a.slug}-vs-{b.slug}", f"{a.name} vs {b.name}", "Compare"
                )
            if draws.chance(0.4):
                product = PRODUCTS[viewed[0]]
                self.page(
                    "Product Reviews",
                    f"/products/{product.slug}/reviews",
                    f"Reviews: {product.name}",
                    "Reviews",
                )
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
            added = dict(PRODUCT_PROPS[index])
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
            {**PRODUCT_PROPS[i], "quantity": q, "position": k + 1}
            for k, (i, q) in enumerate(basket)
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
        self.track(
            "Payment Info Entered",
            {"checkout_id": checkout_id, "step": 3, "payment_method": method},
        )
        order = session.order
        if session.reach < ORDERED or order is None:
            return
        # The plan fixed when the order was placed (ORDER_DELAY leaves room for every step
        # above); the confirmation page comes at most 45 s before, the order exactly then.
        self.t = max(self.t, order.placed_at - 45.0)
        self.page("Order Confirmation", "/checkout/confirmation", "Thank you", "Checkout")
        completed: dict[str, Any] = {
            "checkout_id": checkout_id,
            "order_id": order.order_id,
            "affiliation": "Brightlane Online" if self.web else "Brightlane App",
            **order.amounts(),
            "currency": P.CURRENCY,
            "products": order_products(order),
        }
        if order.coupon:
            completed["coupon"] = order.coupon
        self.out.append(
            self.writer.message(
                "track",
                order.placed_at,
                self.user_id,
                self.anonymous_id,
                event="Order Completed",
                properties=completed,
                context=self._context(),
            )
        )

    def _owner(self) -> str:
        profile = self.plan.profile
        return f"{profile.index + 1:06d}" if profile else self.anonymous_id[:8]
