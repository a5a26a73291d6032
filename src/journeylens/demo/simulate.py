"""One customer's year, planned before any message exists.

:func:`simulate` turns a :class:`Profile` into a :class:`~journeylens.demo.plan.Plan`:
devices, sessions with their funnel outcome, online and in-store orders, e-mails, and
(through :mod:`~journeylens.demo.aftercare`) what happened after each order. Every planted
truth is decided here or there; :mod:`~journeylens.demo.segment` only spells the plan out
as Segment messages. A plan is a pure function of ``(seed, profile)``.
"""

from __future__ import annotations

import math

import numpy as np

from journeylens.demo import aftercare
from journeylens.demo import params as P
from journeylens.demo.catalogue import ANCHORS, basket_for
from journeylens.demo.draws import Draws, cumulative, stream
from journeylens.demo.people import Profile
from journeylens.demo.plan import (
    ADDED,
    CART,
    CHECKOUT,
    INF,
    ORDER_DELAY,
    ORDERED,
    PAYMENT,
    Device,
    Order,
    Plan,
    Session,
    in_bug,
    in_experiment,
)

STREAM_PLAN = 2
STREAM_VISITOR = 3

MAX_ATTEMPTS = 15
BROWSING_KINDS = ("browse", "search", "evaluation", "education", "account")
_BROWSING_CUM = cumulative((0.35, 0.25, 0.15, 0.10, 0.08))
_ANONYMOUS_KINDS = ("browse", "search", "evaluation", "education")
_ANONYMOUS_CUM = cumulative((0.40, 0.25, 0.20, 0.15))
_HOUR_CUM = {kind: cumulative(weights) for kind, weights in P.HOUR_WEIGHTS.items()}
_WEB_SOURCES = ("direct", "organic", "paid_search", "paid_social", "referral", "social")
_WEB_SOURCE_CUM = cumulative((0.45, 0.25, 0.10, 0.10, 0.05, 0.05))
_AWARENESS_SOURCES = ("paid_search", "paid_social", "social", "display")
_AWARENESS_CUM = cumulative((0.35, 0.40, 0.15, 0.10))
_NEWSLETTERS = tuple(
    P.t_of(P.NEWSLETTER_FIRST, 15.0) + k * P.NEWSLETTER_EVERY_DAYS * P.DAY
    for k in range(P.DAYS // P.NEWSLETTER_EVERY_DAYS + 1)
    if P.t_of(P.NEWSLETTER_FIRST, 15.0) + k * P.NEWSLETTER_EVERY_DAYS * P.DAY < P.END_T
)


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
        device.login_at = device.since + (
            0.0 if draws.chance(0.5) else draws.exponential(4 * P.DAY)
        )
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
        source = (
            draws.pick(("organic", "direct", "paid_search")) if devices[0].kind == "web" else None
        )
        sessions.append(Session(t, 0, kind, first, source))
    kind = "purchase" if draws.chance(0.55) else "evaluation"
    signup = Session(profile.signup_t, signup_device, kind, first, "direct", signup=True)
    sessions.append(signup)
    return sessions


def _daily_sessions(
    profile: Profile, devices: list[Device], start: float, stop: float, draws: Draws
) -> list[Session]:
    first_day, last_day = int(start // P.DAY), math.ceil(stop / P.DAY)
    if last_day <= first_day:
        return []
    rates = profile.sessions_per_day * P.DAY_WEIGHTS[first_day:last_day]
    if profile.churn_t is not None:  # disengagement before going quiet
        fade_from = max(first_day, int(stop // P.DAY) - P.CHURN_FADE_DAYS) - first_day
        rates[fade_from:] *= P.CHURN_FADE
    counts = draws.rng.poisson(rates)
    busy = np.flatnonzero(counts)
    buy_share = P.BUY_SHARE[profile.kind]
    weights = cumulative([0.55] + [0.45 / max(1, len(devices) - 1)] * (len(devices) - 1))
    sessions = []
    for offset, count in zip(busy.tolist(), counts[busy].tolist(), strict=True):
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
            opened = t + draws.exponential(P.NEWSLETTER_OPEN_DELAY_HOURS * P.HOUR)
            plan.touches.append((opened, "email_opened", email))
            if not draws.chance(P.NEWSLETTER_P_CLICK):
                continue
            clicked = opened + draws.exponential(180.0)
            plan.touches.append((clicked, "email_clicked", email))
            device = _logged_in_device(devices, clicked, draws)
            if device >= 0:
                kind = "purchase" if draws.chance(0.35) else "browse"
                clicks.append(
                    Session(
                        clicked + 5, device, kind, _interest(profile, draws), "newsletter", name
                    )
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
    """Which sessions are logged in, and which one first logs each device in."""
    marked = [False] * len(plan.devices)
    for session in plan.sessions:
        device = plan.devices[session.device]
        session.logged_in = session.start >= device.login_at
        session.login = None
        if session.logged_in and not marked[session.device]:
            marked[session.device] = True
            session.login = (
                "signup" if session.signup else "identify" if device.login_at == -INF else "signin"
            )
        if not session.logged_in and session.kind in ("purchase", "account"):
            session.kind, session.coupon = "browse", None


def _checkout(plan: Plan, session: Session, draws: Draws) -> None:
    """Truths 2 and 3: the funnel from Product Added to Order Completed."""
    profile = plan.profile
    assert profile is not None
    interests = (session.interest, *profile.interests)
    premium = profile.kind == "loyal"
    session.basket = basket_for(interests, P.ANCHOR_ORDER_SHARE[profile.kind], premium, draws)
    device_kind = plan.devices[session.device].kind
    if in_experiment(session.start):
        session.variant = profile.variant
    session.reach = ADDED
    if draws.chance(P.P_CART_VIEWED):
        session.reach = CART
        if draws.chance(P.P_CHECKOUT_STARTED):
            session.reach = CHECKOUT
            if draws.chance(P.AB_PAYMENT_INFO[session.variant or "control"]):
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
    first_day, last_day = int(start // P.DAY), math.ceil(stop / P.DAY)
    if last_day <= first_day:
        return
    per_day = P.STORE_ORDERS_PER_YEAR[profile.kind] / 365.0
    counts = draws.rng.poisson(per_day * P.DAY_WEIGHTS[first_day:last_day])
    busy = np.flatnonzero(counts)
    interests = profile.interests
    for offset, count in zip(busy.tolist(), counts[busy].tolist(), strict=True):
        for _ in range(count):
            t = (first_day + offset) * P.DAY + (draws.uniform(10.0, 20.0) - profile.tz) * P.HOUR
            if not start <= t < stop:
                continue
            lines = basket_for(interests, P.ANCHOR_ORDER_SHARE[profile.kind], False, draws)
            plan.store_orders.append(Order("", t, "store", -1, lines, store_id=profile.store_id))


def _buy_until_ordered(plan: Plan, t: float, until: float, draws: Draws) -> Order | None:
    """Purchase sessions through the ordinary funnel, a few days apart, until one orders.

    Used where a truth needs an order to happen (a campaign repeat purchase, a churner's
    last order). Every attempt is an ordinary session, so the funnel rates stay unbiased
    (Wald's identity); only the number of attempts depends on the outcome.
    """
    profile = plan.profile
    assert profile is not None
    for _ in range(MAX_ATTEMPTS):
        if t >= until:
            return None
        device = _logged_in_device(plan.devices, t, draws, prefer="")
        if device < 0:
            return None
        session = Session(t, device, "purchase", _interest(profile, draws), None, logged_in=True)
        _checkout(plan, session, draws)
        plan.sessions.append(session)
        if session.order is not None:
            return session.order
        t += draws.exponential(2 * P.DAY)
    return None


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
            session.variant = None
    plan.orders = [o for o in plan.orders if not low <= o.placed_at < high]
    plan.store_orders = [o for o in plan.store_orders if not low <= o.placed_at < high]
    if draws.chance(P.RETENTION_REPEAT["coupon" if used_coupon else "no_coupon"]):
        first = draws.uniform(low + 0.5 * P.DAY, high - 20 * P.DAY)
        _buy_until_ordered(plan, first, high - 0.5 * P.DAY, draws)


def _churn_experience(plan: Plan, stop: float, draws: Draws) -> None:
    """Truth 5: most churners' last order goes wrong before they fall silent."""
    profile = plan.profile
    assert profile is not None and profile.churn_t is not None
    if not draws.chance(P.CHURN_BAD_EXPERIENCE):
        return
    since = max(profile.churn_t - P.CHURN_BAD_WINDOW_DAYS * P.DAY, profile.signup_t + P.DAY)
    recent = [o for o in plan.orders if o.placed_at >= since]
    if recent:
        last: Order | None = recent[-1]
    else:
        last = _buy_until_ordered(plan, draws.uniform(since, stop - 20 * P.DAY), stop, draws)
    if last is None:
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
    plan.orders.sort(key=lambda o: o.placed_at)
    if profile.churn_t is not None:
        _churn_experience(plan, stop, draws)
    plan.sessions.sort(key=lambda s: s.start)
    _mark_logins(plan)
    for number, session in enumerate(plan.sessions, 1):
        session.number = number
    plan.orders.sort(key=lambda o: o.placed_at)
    plan.store_orders.sort(key=lambda o: o.placed_at)
    for k, order in enumerate(plan.orders, 1):
        order.order_id = f"BL{profile.index + 1:06d}{k:03d}"
    for k, order in enumerate(plan.store_orders, 1):
        order.order_id = f"ST{profile.index + 1:06d}{k:03d}"
    for order in plan.orders:
        aftercare.after_order(plan, order, draws)
    for order in plan.store_orders:
        aftercare.store_feedback(plan, order, draws)
    aftercare.nps(plan, start, stop, draws)
    aftercare.social(plan, start, stop, draws)
    aftercare.presale_chats(plan, draws)
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
