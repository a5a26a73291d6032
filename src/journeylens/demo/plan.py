"""What the simulation decides about one customer, before any message exists.

A :class:`Plan` holds a customer's devices, sessions (with how far each got down the
checkout funnel), online and in-store orders, the touches outside sessions (e-mails,
deliveries, refunds, support, social) and the feedback rows. :mod:`~journeylens.demo.
simulate` fills it; :mod:`~journeylens.demo.segment` spells it out as Segment messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import PRODUCTS, Basket
from journeylens.demo.people import Profile

INF = math.inf
# Reach of a purchase session: how far down the checkout funnel it got.
ADDED, CART, CHECKOUT, PAYMENT, ORDERED = 1, 2, 3, 4, 5
# Seconds from a purchase session's start to Order Completed (plus a minute per line): longer
# than the bounded steps before it in demo.visit, so the order time is the plan's.
ORDER_DELAY = 420.0


@dataclass(slots=True)
class Device:
    kind: str  # web | ios | android
    anonymous_id: str
    since: float  # no session before this
    login_at: float  # sessions from here on are logged in; INF: never; -INF: already
    model: int


@dataclass(slots=True)
class Order:
    order_id: str
    placed_at: float
    channel: str  # web | app | store
    device: int  # index into the plan's devices; -1 in a store
    lines: Basket
    coupon: str | None = None
    store_id: str | None = None
    issue: str | None = None  # late | defect | return (all "bad experiences")
    forced_issue: bool = False  # planted on a churner's last order
    days_late: int = 0
    delivered_at: float = 0.0
    refunded_at: float | None = None

    def amounts(self) -> dict[str, float]:
        subtotal = round(sum(PRODUCTS[i].price * q for i, q in self.lines), 2)
        discount = round(subtotal * P.COUPON_DISCOUNT, 2) if self.coupon else 0.0
        revenue = round(subtotal - discount, 2)
        shipping = 0.0 if self.channel == "store" or revenue >= 50 else 5.99
        tax = round(revenue * 0.08, 2)
        total = round(revenue + shipping + tax, 2)
        return {
            "subtotal": subtotal,
            "discount": discount,
            "revenue": revenue,
            "shipping": shipping,
            "tax": tax,
            "total": total,
        }


@dataclass(slots=True)
class Session:
    start: float
    device: int
    kind: str  # awareness | education | evaluation | browse | search | account | purchase
    interest: str
    source: str | None = None  # direct, organic, paid_search, ..., newsletter, campaign
    campaign: str | None = None  # utm_campaign for e-mail clicks
    basket: Basket | None = None
    reach: int = 0
    order: Order | None = None
    coupon: str | None = None
    variant: str | None = None  # exposed to the checkout experiment
    login: str | None = None  # signup | signin | identify: the session logs the device in
    logged_in: bool = False
    signup: bool = False
    number: int = 0


@dataclass(slots=True)
class Plan:
    profile: Profile | None  # None for an anonymous visitor
    devices: list[Device]
    sessions: list[Session]
    orders: list[Order] = field(default_factory=list)
    store_orders: list[Order] = field(default_factory=list)
    touches: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # journey stage → first time


def in_bug(device_kind: str, t: float) -> bool:
    return device_kind == P.BUG_PLATFORM and P.BUG_START_T <= t < P.BUG_END_T


def in_experiment(t: float) -> bool:
    return P.AB_START_T <= t < P.AB_END_T
