"""What happens around the orders: delivery, refunds, reviews, support, NPS and social.

Truth 9 lives here: a late delivery, a defect or a refund makes a negative review, a
support ticket and a detractor NPS likely; a smooth order mostly earns praise. Texts are
in the customer's language (Chinese-speaking customers write Chinese 90 % of the time).
"""

from __future__ import annotations

from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import BY_CATEGORY, PRODUCTS
from journeylens.demo.draws import Draws, cumulative
from journeylens.demo.people import Profile
from journeylens.demo.plan import Order, Plan
from journeylens.demo.texts import chat_text, nps_text, review_text, survey_text

_HOLIDAY_LATE = (P.t_of(P.SEASON_PERIODS[1][0]), P.t_of(P.SEASON_PERIODS[2][1]) + P.DAY)
_SOCIAL_PLATFORMS = {
    "en": ("instagram", "facebook", "tiktok", "x"),
    "zh": ("weibo", "xiaohongshu", "wechat", "instagram"),
}
_SHARE_VIA = {"en": ("instagram", "facebook", "whatsapp", "email"), "zh": ("wechat", "weibo")}


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


def after_order(plan: Plan, order: Order, draws: Draws) -> None:
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
            _feedback(
                plan,
                opened,
                "chat",
                "chat",
                text,
                language=language,
                order_id=order.order_id,
                product_id=anchor.product_id,
            )
            touches.append(
                (
                    opened - 30,
                    "chat",
                    {
                        "conversation_id": f"conv_{ticket}",
                        "topic": topic,
                        "messages": draws.between(3, 9),
                    },
                )
            )
        resolved = opened + draws.uniform(4 * P.HOUR, 4 * P.DAY)
        touches.append(
            (resolved, "ticket_resolved", {**info, "hours": (resolved - opened) / P.HOUR})
        )
        if draws.chance(0.3):
            rating = 1 + draws.index(cumulative((0.2, 0.2, 0.2, 0.25, 0.15)))
            t = resolved + draws.uniform(0.1, 2.0) * P.DAY
            _feedback(
                plan,
                t,
                "email",
                "survey",
                survey_text(language, rating, draws),
                rating=rating,
                language=language,
                order_id=order.order_id,
            )
    if not order.issue and order.channel != "store":
        factor = 2.0 if profile.kind == "loyal" else 1.0
        if draws.chance(0.05 * factor):
            t = order.delivered_at + draws.uniform(1.0, 20.0) * P.DAY
            via = draws.pick(_SHARE_VIA[profile.language])
            touches.append((t, "share", {"product": order.lines[0][0], "via": via}))
            plan.stages.setdefault("advocacy", t)
        if draws.chance(0.02 * factor):
            t = order.delivered_at + draws.uniform(1.0, 30.0) * P.DAY
            touches.append(
                (t, "referral", {"device": order.device, "code": f"REF{profile.index + 1:06d}"})
            )
            plan.stages.setdefault("advocacy", t)


def store_feedback(plan: Plan, order: Order, draws: Draws) -> None:
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
    _feedback(
        plan, t, "store", "survey", text, rating=rating, language=language, order_id=order.order_id
    )


def nps(plan: Plan, start: float, stop: float, draws: Draws) -> None:
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


def social(plan: Plan, start: float, stop: float, draws: Draws) -> None:
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


def presale_chats(plan: Plan, draws: Draws) -> None:
    profile = plan.profile
    assert profile is not None
    for session in plan.sessions:
        if session.kind == "evaluation" and session.logged_in and draws.chance(0.04):
            product = PRODUCTS[draws.pick(BY_CATEGORY[session.interest])]
            language = _language(profile, draws)
            t = session.start + 120
            text = chat_text(language, "presale", product.name, "", draws)
            _feedback(
                plan, t, "chat", "chat", text, language=language, product_id=product.product_id
            )
            conversation = f"conv_{profile.index + 1:06d}_{session.number}"
            plan.touches.append(
                (
                    t,
                    "chat",
                    {
                        "conversation_id": conversation,
                        "topic": "presale",
                        "messages": draws.between(2, 6),
                    },
                )
            )
