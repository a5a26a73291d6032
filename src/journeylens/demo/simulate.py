"""One customer's year, planned before any message exists.

:func:`simulate` turns a :class:`Profile` into a :class:`Plan`: devices, sessions with
their funnel outcome, online and in-store orders, what happened after each order
(delivery, refund, review, support), e-mails, social touches and feedback rows. Every
planted truth is decided here; :mod:`journeylens.demo.segment` only spells the plan out
as Segment messages. A plan is a pure function of ``(seed, profile)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import ANCHORS, PRODUCTS, Basket, basket_for
from journeylens.demo.draws import Draws, cumulative, stream
from journeylens.demo.people import Profile
from journeylens.demo.texts import chat_text, nps_text, review_text, survey_text

STREAM_PLAN = 2
STREAM_VISITOR = 3
INF = math.inf

# Reach of a purchase session: how far down the checkout funnel it got.
ADDED, CART, CHECKOUT, PAYMENT, ORDERED = 1, 2, 3, 4, 5
# Seconds from a purchase session's start to Order Completed (plus a minute per line): longer
# than the bounded steps before it in demo.segment, so the order time is the plan's.
ORDER_DELAY = 420.0
BROWSING_KINDS = ("browse", "search", "evaluation", "education", "account")
_BROWSING_CUM = cumulative((0.35, 0.25, 0.15, 0.10, 0.08))
_ANONYMOUS_KINDS = ("browse", "search", "evaluation", "education")
_ANONYMOUS_CUM = cumulative((0.40, 0.25, 0.20, 0.15))
_HOUR_CUM = {kind: cumulative(weights) for kind, weights in P.HOUR_WEIGHTS.items()}
_WEB_SOURCES = ("direct", "organic", "paid_search", "paid_social", "referral", "social")
_WEB_SOURCE_CUM = cumulative((0.45, 0.25, 0.10, 0.10, 0.05, 0.05))
_AWARENESS_SOURCES = ("paid_search", "paid_social", "social", "display")
_AWARENESS_CUM = cumulative((0.35, 0.40, 0.15, 0.10))
_HOLIDAY_LATE = (P.t_of(P.SEASON_PERIODS[1][0]), P.t_of(P.SEASON_PERIODS[2][1]) + P.DAY)
_NEWSLETTERS = tuple(
    P.t_of(P.NEWSLETTER_FIRST, 15.0) + k * P.NEWSLETTER_EVERY_DAYS * P.DAY
    for k in range(P.DAYS // P.NEWSLETTER_EVERY_DAYS + 1)
    if P.t_of(P.NEWSLETTER_FIRST, 15.0) + k * P.NEWSLETTER_EVERY_DAYS * P.DAY < P.END_T
)
_SOCIAL_PLATFORMS = {
    "en": ("instagram", "facebook", "tiktok", "x"),
    "zh": ("weibo", "xiaohongshu", "wechat", "instagram"),
}
_SHARE_VIA = {"en": ("instagram", "facebook", "whatsapp", "email"), "zh": ("wechat", "weibo")}


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
    forced: bool = False  # the campaign's planted repeat order
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


# ---- devices and sessions --------------------------------------------------------------
def _devices(profile: Profile, draws: Draws, until: float) -> tuple[list[Device], int, float]:
    """The devices, the index of the one used to sign up, and the first-touch time."""
    devices = [
        Device(kind, draws.uuid(), 0.0, -INF, draws.below(6)) for kind in profile.device_kinds
    ]
    signup_device, first_touch = 0, 0.0
    if profile.is_new:
        first_touch = max(P.HOUR, profile.signup_t - draws.uniform(3.0, 40.0) * P.DAY)
        devices[0].since = first_touch
        if len(devices) > 1 and draws.chance(0.6):  # browsed on one device, signs up on another
            signup_device = 1
            devices[1].since = devices[1].login_at = profile.signup_t
            later = profile.signup_t + draws.exponential(20 * P.DAY)
            devices[0].login_at = later if draws.chance(0.7) else INF
        else:
            devices[0].login_at = profile.signup_t
    start = max(0.0, profile.signup_t)
    for k, device in enumerate(devices):
        if k == 0 or k == signup_device:
            continue
        if not profile.is_new and draws.chance(0.5):
            continue  # already in use before the data starts
        device.since = draws.uniform(start, max(start, until - P.DAY))
        device.login_at = device.since + (0.0 if draws.chance(0.5) else draws.exponential(4 * P.DAY))
    return devices, signup_device, first_touch


def _local_time(day: int, device_kind: str, tz: float, draws: Draws) -> float:
    hour = draws.index(_HOUR_CUM["web" if device_kind == "web" else "app"]) + draws.random()
    return day * P.DAY + (hour - tz) * P.HOUR


def _interest(profile: Profile, draws: Draws) -> str:
    u = draws.random()
    if u < 0.55:
        return profile.interests[0]
    return profile.interests[1] if u < 0.85 else draws.pick(ANCHORS)


def _web_source(draws: Draws) -> str:
    return draws.weighted(_WEB_SOURCES, _WEB_SOURCE_CUM)


def _journey_sessions(
    profile: Profile, devices: list[Device], signup_device: int, first_touch: float, draws: Draws
) -> list[Session]:
    """Truth 7 for new customers: awareness → education → evaluation → sign-up."""
    first = profile.interests[0]
    sessions = [
        Session(
            first_touch, 0, "awareness", first, draws.weighted(_AWARENESS_SOURCES, _AWARENESS_CUM)
        )
    ]
    u = draws.random()
    n_education = 0 if u < 0.15 else 1 if u < 0.60 else 2 if u < 0.90 else 3
    u = draws.random()
    n_evaluation = 1 if u < 0.5 else 2 if u < 0.85 else 3
    span = profile.signup_t - first_touch
    times = sorted(
        first_touch + span * draws.uniform(0.05, 0.95) for _ in range(n_education + n_evaluation)
    )
    for k, t in enumerate(times):
        kind = "education" if k < n_education else "evaluation"
        source = draws.pick(("organic", "direct", "paid_search")) if devices[0].kind == "web" else None
        sessions.append(Session(t, 0, kind, first, source))
    kind = "purchase" if draws.chance(0.55) else "evaluation"
    signup = Session(profile.signup_t, signup_device, kind, first, "direct", signup=True)
    sessions.append(signup)
    return sessions


def _daily_sessions(
    profile: Profile, devices: list[Device], start: float, stop: float, draws: Draws
) -> list[Session]:
    first_day, last_day = int(start // P.DAY), int(math.ceil(stop / P.DAY))
    if last_day <= first_day:
        return []
    rates = profile.sessions_per_day * P.DAY_WEIGHTS[first_day:last_day]
    if profile.churn_t is not None:  # disengagement before going quiet
        fade_from = max(first_day, int(stop // P.DAY) - P.CHURN_FADE_DAYS) - first_day
        rates[fade_from:] *= P.CHURN_FADE
    counts = draws.rng.poisson(rates).tolist()
    buy_share = P.BUY_SHARE[profile.kind]
    weights = cumulative([0.55] + [0.45 / max(1, len(devices) - 1)] * (len(devices) - 1))
    sessions = []
    for offset, count in enumerate(counts):
        day = first_day + offset
        for _ in range(count):
            index = draws.index(weights)
            device = devices[index]
            t = _local_time(day, device.kind, profile.tz, draws)
            if t < max(start, device.since) or t >= stop:
                continue
            logged_in = t >= device.login_at
            if logged_in and draws.chance(buy_share * P.BUY_BOOST[day]):
                kind = "purchase"
            elif logged_in:
                kind = draws.weighted(BROWSING_KINDS, _BROWSING_CUM)
            else:
                kind = draws.weighted(_ANONYMOUS_KINDS, _ANONYMOUS_CUM)
            source = _web_source(draws) if device.kind == "web" else None
            sessions.append(Session(t, index, kind, _interest(profile, draws), source))
    return sessions


def _logged_in_device(devices: list[Device], t: float, draws: Draws, prefer: str = "web") -> int:
    ready = [k for k, d in enumerate(devices) if d.since <= t and d.login_at <= t]
    if not ready:
        return -1
    preferred = [k for k in ready if devices[k].kind == prefer]
    return draws.pick(preferred or ready)


def _emails(
    plan: Plan, start: float, stop: float, draws: Draws
) -> list[Session]:  # newsletters and the discount campaign (truth 4)
    profile, devices = plan.profile, plan.devices
    assert profile is not None
    clicks: list[Session] = []
    if profile.opt_in:
        for t in _NEWSLETTERS:
            if not start <= t < stop:
                continue
            name = f"newsletter_{P.day_of(t).isoformat().replace('-', '_')}"
            email = {"email_id": f"em_{profile.index + 1}_{int(t // P.DAY)}", "campaign": name}
            plan.touches.append((t, "email_sent", email))
            if not draws.chance(P.NEWSLETTER_P_OPEN):
                continue
            opened = t + draws.exponential(6 * P.HOUR)
            plan.touches.append((opened, "email_opened", email))
            if not draws.chance(P.NEWSLETTER_P_CLICK):
                continue
            clicked = opened + draws.exponential(180.0)
            plan.touches.append((clicked, "email_clicked", email))
            device = _logged_in_device(devices, clicked, draws)
            if device >= 0:
                kind = "purchase" if draws.chance(0.35) else "browse"
                clicks.append(
                    Session(clicked + 5, device, kind, _interest(profile, draws), "newsletter", name)
                )
    if profile.campaign == "recipient" and start <= P.CAMPAIGN_SEND_T < stop:
        t = P.CAMPAIGN_SEND_T
        email = {"email_id": f"em_{profile.index + 1}_spring", "campaign": P.CAMPAIGN_NAME}
        plan.touches.append((t, "email_sent", email))
        if draws.chance(P.CAMPAIGN_P_OPEN):
            opened = t + draws.exponential(8 * P.HOUR)
            plan.touches.append((opened, "email_opened", email))
            if draws.chance(P.CAMPAIGN_P_CLICK):
                clicked = opened + draws.exponential(300.0)
                device = _logged_in_device(devices, clicked, draws)
                if clicked < P.COUPON_END_T and device >= 0:
                    plan.touches.append((clicked, "email_clicked", email))
                    interest = _interest(profile, draws)
                    session = Session(
                        clicked + 5, device, "purchase", interest, "campaign", P.CAMPAIGN_NAME
                    )
                    session.coupon = P.COUPON
                    clicks.append(session)
    return clicks


def _mark_logins(plan: Plan) -> None:
    marked = [False] * len(plan.devices)
    for session in plan.sessions:
        device = plan.devices[session.device]
        session.logged_in = session.start >= device.login_at
        if session.logged_in and not marked[session.device]:
            marked[session.device] = True
            session.login = (
                "signup" if session.signup else "identify" if device.login_at == -INF else "signin"
            )
        if not session.logged_in and session.kind in ("purchase", "account"):
            session.kind, session.coupon = "browse", None


def _checkout(plan: Plan, session: Session, draws: Draws, forced: bool = False) -> None:
    """Truths 2 and 3: the funnel from Product Added to Order Completed."""
    profile = plan.profile
    assert profile is not None
    interests = (session.interest, *profile.interests)
    premium = profile.kind == "loyal"
    session.basket = basket_for(interests, P.ANCHOR_ORDER_SHARE[profile.kind], premium, draws)
    device_kind = plan.devices[session.device].kind
    if in_experiment(session.start):
        session.variant = profile.variant
    if forced:
        session.reach = ORDERED
    else:
        session.reach = ADDED
        if draws.chance(P.P_CART_VIEWED):
            session.reach = CART
            if draws.chance(P.P_CHECKOUT_STARTED):
                session.reach = CHECKOUT
                p_payment = P.AB_PAYMENT_INFO[session.variant or "control"]
                if draws.chance(p_payment):
                    session.reach = PAYMENT
                    bug = in_bug(device_kind, session.start)
                    if draws.chance(P.BUG_PAYMENT_TO_ORDER if bug else P.P_ORDER_COMPLETED):
                        session.reach = ORDERED
    if session.reach == ORDERED:
        channel = "web" if device_kind == "web" else "app"
        placed = session.start + ORDER_DELAY + 60 * len(session.basket)
        session.order = Order("", placed, channel, session.device, session.basket, session.coupon)
        plan.orders.append(session.order)


def _store_orders(plan: Plan, start: float, stop: float, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    if profile.store_id is None:
        return
    first_day, last_day = int(start // P.DAY), int(math.ceil(stop / P.DAY))
    if last_day <= first_day:
        return
    per_day = P.STORE_ORDERS_PER_YEAR[profile.kind] / 365.0
    counts = draws.rng.poisson(per_day * P.DAY_WEIGHTS[first_day:last_day]).tolist()
    interests = profile.interests
    for offset, count in enumerate(counts):
        for _ in range(count):
            t = (first_day + offset) * P.DAY + (draws.uniform(10.0, 20.0) - profile.tz) * P.HOUR
            if not start <= t < stop:
                continue
            lines = basket_for(interests, P.ANCHOR_ORDER_SHARE[profile.kind], False, draws)
            plan.store_orders.append(Order("", t, "store", -1, lines, store_id=profile.store_id))


def _campaign_retention(plan: Plan, draws: Draws) -> None:
    """Truth 4: who bought in the coupon window buys again in the next 90 days with p."""
    profile = plan.profile
    assert profile is not None
    window = [o for o in plan.orders if P.COUPON_START_T <= o.placed_at < P.COUPON_END_T]
    if profile.campaign is None or not window:
        return
    used_coupon = any(o.coupon == P.COUPON for o in window)
    low, high = P.RETENTION_START_T, P.RETENTION_END_T
    for session in plan.sessions:
        if session.kind == "purchase" and low <= session.start < high:
            session.kind, session.basket, session.reach, session.order = "browse", None, 0, None
    plan.orders = [o for o in plan.orders if not low <= o.placed_at < high]
    plan.store_orders = [o for o in plan.store_orders if not low <= o.placed_at < high]
    if not draws.chance(P.RETENTION_REPEAT["coupon" if used_coupon else "no_coupon"]):
        return
    t = draws.uniform(low + 0.5 * P.DAY, high - 1.5 * P.DAY)
    device = _logged_in_device(plan.devices, t, draws)
    if in_bug(plan.devices[device].kind, t):
        t += 14 * P.DAY  # the planted repeat order is not lost to the checkout bug
    session = Session(t, device, "purchase", _interest(profile, draws), None, logged_in=True)
    session.forced = True
    _checkout(plan, session, draws, forced=True)
    plan.sessions.append(session)


# ---- after the order -------------------------------------------------------------------
def _feedback(plan: Plan, t: float, channel: str, kind: str, text: str | None, **extra: Any):
    profile = plan.profile
    assert profile is not None
    row = {
        "feedback_id": f"fb_{profile.index + 1:06d}_{len(plan.feedback) + 1:03d}",
        "customer_id": profile.customer_id,
        "created_at": t,  # turned into ISO text at the end
        "channel": channel,
        "kind": kind,
        "text": text,
        "rating": extra.get("rating"),
        "nps": extra.get("nps"),
        "language": extra.get("language", profile.language),
        "product_id": extra.get("product_id"),
        "order_id": extra.get("order_id"),
    }
    plan.feedback.append(row)
    return row


def _language(profile: Profile, draws: Draws) -> str:
    return "en" if profile.language == "en" or draws.chance(0.1) else "zh"


def _rating(experience: str, draws: Draws) -> int:
    return 1 + draws.index(cumulative(P.RATINGS[experience]))


def _nps_score(experience: str, draws: Draws) -> int:
    band = draws.index(cumulative(P.NPS_BANDS[experience]))
    if band == 0:
        return draws.between(0, 4) if experience == "bad" else draws.between(3, 6)
    return draws.between(7, 8) if band == 1 else draws.between(9, 10)


def _after_order(plan: Plan, order: Order, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    placed = order.placed_at
    if order.issue is None and not order.forced_issue:
        holiday = _HOLIDAY_LATE[0] <= placed < _HOLIDAY_LATE[1]
        u = draws.random()
        p_late = P.P_LATE_HOLIDAY if holiday else P.P_LATE
        if u < p_late:
            order.issue = "late"
        elif u < p_late + P.P_DEFECT:
            order.issue = "defect"
        elif u < p_late + P.P_DEFECT + P.P_RETURN:
            order.issue = "return"
    promised = placed + 4 * P.DAY
    order.delivered_at = placed + draws.uniform(1.5, 3.5) * P.DAY
    if order.issue == "late":
        order.days_late = draws.between(3, 10)
        order.delivered_at = promised + (order.days_late + draws.uniform(-0.5, 0.0)) * P.DAY
    touches = plan.touches
    touches.append((order.delivered_at, "order_delivered", {"order": order, "promised": promised}))
    refunded = order.issue == "return" or (
        order.issue == "defect" and draws.chance(P.P_REFUND_AFTER_DEFECT)
    )
    if refunded:
        order.refunded_at = order.delivered_at + draws.uniform(2.0, 14.0) * P.DAY
        touches.append((order.refunded_at, "order_refunded", {"order": order}))
    experience = "bad" if order.issue else "smooth"
    anchor = PRODUCTS[order.lines[0][0]]
    language = _language(profile, draws)
    p_review = 0.7 if order.forced_issue else P.P_REVIEW[experience]
    if draws.chance(p_review):
        t = max(order.delivered_at, order.refunded_at or 0.0) + draws.uniform(0.5, 8.0) * P.DAY
        rating = _rating(experience, draws)
        text = review_text(language, rating, order.issue, anchor.name, order.days_late, draws)
        on_device = order.channel != "store" and draws.chance(0.8)
        channel = order.channel if on_device else "email"
        row = _feedback(
            plan,
            t,
            channel,
            "review",
            text,
            rating=rating,
            language=language,
            product_id=anchor.product_id,
            order_id=order.order_id,
        )
        if on_device:
            touches.append((t, "review", {"row": row, "device": order.device}))
        if rating >= 4:
            plan.stages.setdefault("advocacy", t)
    if order.issue and draws.chance(0.8 if order.forced_issue else P.P_TICKET_AFTER_ISSUE):
        opened = (promised + P.DAY) if order.issue == "late" else order.delivered_at + P.DAY
        opened += draws.uniform(0.0, 1.0) * P.DAY
        via = "chat" if draws.chance(0.6) else "email"
        ticket = f"T{profile.index + 1:06d}{len(touches):04d}"
        topic = order.issue
        info = {"ticket_id": ticket, "order": order, "via": via, "reason": topic}
        touches.append((opened, "ticket_created", info))
        if via == "chat":
            text = chat_text(language, topic, anchor.name, order.order_id, draws)
            _feedback(plan, opened, "chat", "chat", text, language=language, order_id=order.order_id, product_id=anchor.product_id)  # fmt: skip
            touches.append((opened - 30, "chat", {"conversation_id": f"conv_{ticket}", "topic": topic, "messages": draws.between(3, 9)}))  # fmt: skip
        resolved = opened + draws.uniform(4 * P.HOUR, 4 * P.DAY)
        touches.append((resolved, "ticket_resolved", {**info, "hours": (resolved - opened) / P.HOUR}))
        if draws.chance(0.3):
            rating = 1 + draws.index(cumulative((0.2, 0.2, 0.2, 0.25, 0.15)))
            t = resolved + draws.uniform(0.1, 2.0) * P.DAY
            _feedback(plan, t, "email", "survey", survey_text(language, rating, draws), rating=rating, language=language, order_id=order.order_id)  # fmt: skip
    if not order.issue and order.channel != "store":
        factor = 2.0 if profile.kind == "loyal" else 1.0
        if draws.chance(0.05 * factor):
            t = order.delivered_at + draws.uniform(1.0, 20.0) * P.DAY
            via = draws.pick(_SHARE_VIA[profile.language])
            touches.append((t, "share", {"product": order.lines[0][0], "via": via}))
            plan.stages.setdefault("advocacy", t)
        if draws.chance(0.02 * factor):
            t = order.delivered_at + draws.uniform(1.0, 30.0) * P.DAY
            touches.append((t, "referral", {"device": order.device, "code": f"REF{profile.index + 1:06d}"}))  # fmt: skip
            plan.stages.setdefault("advocacy", t)


def _store_feedback(plan: Plan, order: Order, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    if draws.chance(0.02):
        order.issue = "defect"
    if not draws.chance(0.25 if order.issue else 0.08):
        return
    experience = "bad" if order.issue else "smooth"
    rating = _rating(experience, draws)
    language = _language(profile, draws)
    t = order.placed_at + draws.uniform(0.1, 3.0) * P.DAY
    text = survey_text(language, rating, draws)
    _feedback(plan, t, "store", "survey", text, rating=rating, language=language, order_id=order.order_id)  # fmt: skip


def _nps(plan: Plan, start: float, stop: float, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    has_app = any(d.kind != "web" for d in plan.devices)
    for day in P.NPS_DATES:
        t0 = P.t_of(day, 9.0)
        if not start <= t0 < stop or not draws.chance(P.NPS_SAMPLE):
            continue
        if not draws.chance(P.NPS_RESPONSE):
            continue
        recent = [
            o for o in plan.orders + plan.store_orders if t0 - 120 * P.DAY <= o.placed_at < t0
        ]
        issue = next((o.issue for o in reversed(recent) if o.issue), None)
        score = _nps_score("bad" if issue else "smooth", draws)
        language = _language(profile, draws)
        text = nps_text(language, score, issue, draws) if draws.chance(0.7) else None
        channel = "app" if has_app and draws.chance(0.3) else "email"
        t = t0 + draws.uniform(0.0, 72.0) * P.HOUR
        _feedback(plan, t, channel, "nps", text, nps=score, language=language)


def _social(plan: Plan, start: float, stop: float, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    if not profile.social or stop <= start:
        return
    platforms = _SOCIAL_PLATFORMS[profile.language]
    for _ in range(draws.poisson(8.0 * (stop - start) / P.END_T)):
        t = draws.uniform(start, stop)
        post = f"post_{draws.between(1, 400):04d}"
        touches = plan.touches
        touches.append((t, "social_like", {"platform": draws.pick(platforms), "post_id": post}))


def _presale_chats(plan: Plan, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    for session in plan.sessions:
        if session.kind == "evaluation" and session.logged_in and draws.chance(0.04):
            product = PRODUCTS[draws.pick(_anchor_products(session.interest))]
            language = _language(profile, draws)
            t = session.start + 120
            text = chat_text(language, "presale", product.name, "", draws)
            _feedback(plan, t, "chat", "chat", text, language=language, product_id=product.product_id)  # fmt: skip
            conversation = f"conv_{profile.index + 1:06d}_{session.number}"
            plan.touches.append((t, "chat", {"conversation_id": conversation, "topic": "presale", "messages": draws.between(2, 6)}))  # fmt: skip


def _anchor_products(category: str) -> tuple[int, ...]:
    from journeylens.demo.catalogue import BY_CATEGORY

    return BY_CATEGORY[category]


def _churn_experience(plan: Plan, draws: Draws) -> None:
    """Truth 5: most churners' last order goes wrong before they fall silent."""
    profile = plan.profile
    assert profile is not None and profile.churn_t is not None
    if not draws.chance(P.CHURN_BAD_EXPERIENCE) or not plan.orders:
        return
    last = plan.orders[-1]
    if last.placed_at < profile.churn_t - P.CHURN_BAD_WINDOW_DAYS * P.DAY:
        return
    u = draws.random()
    last.issue = "late" if u < 0.4 else "defect" if u < 0.75 else "return"
    last.forced_issue = True


# ---- the whole year --------------------------------------------------------------------
def simulate(profile: Profile, seed: int) -> Plan:
    draws = Draws(stream(seed, STREAM_PLAN, profile.index))
    stop = P.END_T
    if profile.churn_t is not None:
        stop = profile.churn_t - P.CHURN_QUIET_DAYS * P.DAY
    devices, signup_device, first_touch = _devices(profile, draws, stop)
    plan = Plan(profile, devices, [])
    start = max(0.0, profile.signup_t + P.HOUR)
    if profile.is_new:
        plan.sessions.extend(_journey_sessions(profile, devices, signup_device, first_touch, draws))
    plan.sessions.extend(_daily_sessions(profile, devices, start, stop, draws))
    plan.sessions.extend(_emails(plan, start, stop, draws))
    plan.sessions.sort(key=lambda s: s.start)
    _mark_logins(plan)
    for session in plan.sessions:
        if session.kind == "purchase":
            _checkout(plan, session, draws)
    _store_orders(plan, start, stop, draws)
    _campaign_retention(plan, draws)
    plan.sessions.sort(key=lambda s: s.start)
    for number, session in enumerate(plan.sessions, 1):
        session.number = number
    plan.orders.sort(key=lambda o: o.placed_at)
    plan.store_orders.sort(key=lambda o: o.placed_at)
    for k, order in enumerate(plan.orders, 1):
        order.order_id = f"BL{profile.index + 1:06d}{k:03d}"
    for k, order in enumerate(plan.store_orders, 1):
        order.order_id = f"ST{profile.index + 1:06d}{k:03d}"
    if profile.churn_t is not None:
        _churn_experience(plan, draws)
    for order in plan.orders:
        _after_order(plan, order, draws)
    for order in plan.store_orders:
        _store_feedback(plan, order, draws)
    _nps(plan, start, stop, draws)
    _social(plan, start, stop, draws)
    _presale_chats(plan, draws)
    _journey_stages(plan)
    end = P.END_T if profile.churn_t is None else profile.churn_t
    plan.touches = sorted((t for t in plan.touches if t[0] < end), key=lambda t: t[0])
    plan.feedback = [row for row in plan.feedback if row["created_at"] < end]
    return plan


def _journey_stages(plan: Plan) -> None:
    stages = plan.stages
    for session in plan.sessions:
        stage = {"awareness": "awareness", "education": "education"}.get(session.kind)
        if session.kind in ("evaluation", "search"):
            stage = "evaluation"
        if stage:
            stages.setdefault(stage, session.start)
    if plan.orders or plan.store_orders:
        first = min(o.placed_at for o in plan.orders + plan.store_orders)
        stages["purchase"] = first


def simulate_visitor(seed: int, index: int) -> Plan:
    """Someone who visits anonymously and never logs in."""
    draws = Draws(stream(seed, STREAM_VISITOR, index))
    kind = draws.weighted(("web", "ios", "android"), cumulative((0.7, 0.15, 0.15)))
    device = Device(kind, draws.uuid(), 0.0, INF, draws.below(6))
    day = draws.index(_VISIT_CUM)
    tz = draws.pick((-8.0, -5.0, 0.0, 8.0, 10.0))
    first = max(0.0, _local_time(day, kind, tz, draws))
    interest = draws.weighted(ANCHORS, cumulative((0.25, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)))
    source = draws.weighted(_AWARENESS_SOURCES, _AWARENESS_CUM) if draws.chance(0.6) else "organic"
    sessions = [Session(first, 0, "awareness", interest, source if kind == "web" else None)]
    for _ in range(draws.poisson(0.8)):
        t = first + draws.exponential(6 * P.DAY)
        if t < P.END_T:
            kind_of = draws.weighted(_ANONYMOUS_KINDS, _ANONYMOUS_CUM)
            sessions.append(Session(t, 0, kind_of, interest, "direct" if kind == "web" else None))
    sessions.sort(key=lambda s: s.start)
    for number, session in enumerate(sessions, 1):
        session.number = number
    return Plan(None, [device], sessions)


_VISIT_CUM = cumulative(P.DAY_WEIGHTS.tolist())
