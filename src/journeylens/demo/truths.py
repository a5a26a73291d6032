"""The machine-readable planted truths: the parameters, plus what the sample realised.

``truths["..."]["true_..."]`` are the generator's parameters (docs/demo.md); the
``observed`` entries count what this seed and size actually produced, so an analysis
can be checked against the parameter (within sampling error) or against the exact count.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import CO_PURCHASE, PRODUCTS
from journeylens.demo.plan import CHECKOUT, ORDERED, PAYMENT, Order, Plan, in_bug

_NOV_DEC = (P.t_of(date(2025, 11, 1)), P.t_of(date(2026, 1, 1)))
STAGES = ("awareness", "education", "evaluation", "purchase", "advocacy")


def _rate(hits: int, trials: int) -> float | None:
    return round(hits / trials, 4) if trials else None


class Observer:
    """Accumulates what the plans realised, one customer at a time."""

    def __init__(self) -> None:
        self.orders_per_day = [0] * P.DAYS
        self.web_sessions_by_weekday = [0] * 7
        self.bug = {"inside": [0, 0], "outside": [0, 0], "other_platforms_inside": [0, 0]}
        self.ab = {"control": [0, 0], "treatment": [0, 0]}
        self.ab_customers: dict[str, list[int]] = {"control": [0, 0], "treatment": [0, 0]}
        self.campaign = Counter[str]()
        self.retention = {"coupon": [0, 0], "no_coupon": [0, 0]}
        self.campaign_groups: dict[str, list[str]] = {"recipient": [], "holdout": []}
        self.churners: list[dict[str, Any]] = []
        self.loyal: list[str] = []
        self.order_counts: dict[str, list[float]] = {"loyal": [], "other": []}
        self.order_values: dict[str, list[float]] = {"loyal": [], "other": []}
        self.co_purchase: dict[str, Counter[str]] = {anchor: Counter() for anchor in CO_PURCHASE}
        self.ratings = {"smooth": [0, 0], "bad": [0, 0]}
        self.nps = {"smooth": [0, 0], "bad": [0, 0]}
        self.languages = Counter[str]()
        self.journey = Counter[str]()
        self.identity = Counter[str]()

    # ---- one plan ----------------------------------------------------------------------
    def add(self, plan: Plan) -> None:
        profile = plan.profile
        assert profile is not None
        devices = plan.devices
        for session in plan.sessions:
            kind = devices[session.device].kind
            if kind == "web" and 0 <= session.start < P.END_T:
                self.web_sessions_by_weekday[P.day_of(session.start).weekday()] += 1
            if session.reach >= PAYMENT:
                if in_bug(kind, session.start):
                    key = "inside"
                elif P.BUG_START_T <= session.start < P.BUG_END_T:
                    key = "other_platforms_inside"
                elif kind == P.BUG_PLATFORM:
                    key = "outside"
                else:
                    key = ""
                if key:
                    self.bug[key][0] += 1
                    self.bug[key][1] += session.reach == ORDERED
            if session.variant is not None and session.reach >= CHECKOUT:
                self.ab[session.variant][0] += 1
                self.ab[session.variant][1] += session.reach == ORDERED
        exposed = [s for s in plan.sessions if s.variant is not None and s.reach >= CHECKOUT]
        if exposed:
            self.ab_customers[profile.variant][0] += 1
            self.ab_customers[profile.variant][1] += any(s.reach == ORDERED for s in exposed)
        all_orders = plan.orders + plan.store_orders
        for order in all_orders:
            day = int(order.placed_at // P.DAY)
            if 0 <= day < P.DAYS:
                self.orders_per_day[day] += 1
            self._basket(order)
        self._campaign(plan)
        group = "loyal" if profile.kind == "loyal" else "other"
        self.order_counts[group].append(len(all_orders))
        self.order_values[group].append(sum(o.amounts()["revenue"] for o in all_orders))
        if profile.kind == "loyal":
            self.loyal.append(profile.customer_id)
        if profile.churn_t is not None:
            forced = [o for o in plan.orders if o.forced_issue]
            self.churners.append(
                {
                    "customer_id": profile.customer_id,
                    "churn_date": P.day_of(profile.churn_t).isoformat(),
                    "bad_experience": forced[0].issue if forced else None,
                    "bad_order_id": forced[0].order_id if forced else None,
                }
            )
        issues = {o.order_id: o.issue for o in all_orders}
        for row in plan.feedback:
            self.languages[row["language"]] += 1
            experience = "bad" if issues.get(row["order_id"] or "") else "smooth"
            if row["kind"] == "review" and row["rating"] is not None:
                self.ratings[experience][0] += row["rating"]
                self.ratings[experience][1] += 1
        self._journey(plan)
        self._identity(plan)

    def add_visitor(self, plan: Plan) -> None:
        self.identity["anonymous_visitors"] += 1
        self.identity["anonymous_visitor_sessions"] += len(plan.sessions)

    def _basket(self, order: Order) -> None:
        categories = {PRODUCTS[i].category for i, _ in order.lines}
        anchor = PRODUCTS[order.lines[0][0]].category
        if anchor in self.co_purchase:
            counter = self.co_purchase[anchor]
            counter["__orders__"] += 1
            for category in categories:
                counter[category] += 1

    def _campaign(self, plan: Plan) -> None:
        profile = plan.profile
        assert profile is not None
        if profile.campaign is None:
            return
        self.campaign[f"eligible_{profile.campaign}"] += 1
        self.campaign_groups[profile.campaign].append(profile.customer_id)
        for _, kind, data in plan.touches:
            if data.get("campaign") == P.CAMPAIGN_NAME:
                self.campaign[kind] += 1
        window = [o for o in plan.orders if P.COUPON_START_T <= o.placed_at < P.COUPON_END_T]
        if any(o.coupon for o in window):
            self.campaign["redeemers"] += 1
        if not window:
            return
        used = "coupon" if any(o.coupon for o in window) else "no_coupon"
        repeat = any(
            P.RETENTION_START_T <= o.placed_at < P.RETENTION_END_T
            for o in plan.orders + plan.store_orders
        )
        self.retention[used][0] += 1
        self.retention[used][1] += repeat
        self.campaign[f"window_buyers_{profile.campaign}"] += 1
        self.campaign[f"window_buyers_{profile.campaign}_repeat"] += repeat

    def _journey(self, plan: Plan) -> None:
        profile = plan.profile
        assert profile is not None
        if not profile.is_new:
            return
        self.journey["new_customers"] += 1
        times = [plan.stages.get(stage) for stage in STAGES]
        for stage, t in zip(STAGES, times, strict=True):
            if t is not None:
                self.journey[stage] += 1
        reached = [t for t in times if t is not None]
        if reached == sorted(reached):
            self.journey["stages_in_order"] += 1

    def _identity(self, plan: Plan) -> None:
        profile = plan.profile
        assert profile is not None
        for k in range(len(plan.devices)):
            sessions = [s for s in plan.sessions if s.device == k]
            if not sessions:
                continue
            anonymous_first = not sessions[0].logged_in
            identified = any(s.login for s in sessions)
            if anonymous_first and identified:
                self.identity["devices_anonymous_then_identified"] += 1
            elif anonymous_first:
                self.identity["devices_never_identified"] += 1
        signup = next((s for s in plan.sessions if s.signup), None)
        if signup is not None and signup.device != 0:
            self.identity["customers_signed_up_on_another_device"] += 1

    # ---- the dictionary ------------------------------------------------------------------
    def truths(
        self, *, seed: int, customers: int, duplicates: list[dict[str, Any]]
    ) -> dict[str, Any]:
        nov_dec_days = int((_NOV_DEC[1] - _NOV_DEC[0]) // P.DAY)
        nov_dec = sum(self.orders_per_day[:nov_dec_days])
        rest = sum(self.orders_per_day[nov_dec_days:])
        weekday_sessions = self.web_sessions_by_weekday
        co_observed = {
            anchor: {
                category: _rate(counter[category], counter["__orders__"])
                for category, _, _ in CO_PURCHASE[anchor]
            }
            | {"orders": counter["__orders__"]}
            for anchor, counter in self.co_purchase.items()
        }
        median = statistics.median
        loyal_counts, other_counts = self.order_counts["loyal"], self.order_counts["other"]
        loyal_values, other_values = self.order_values["loyal"], self.order_values["other"]
        return {
            "business": {
                "name": P.BUSINESS,
                "site": P.SITE,
                "currency": P.CURRENCY,
                "start": P.START.isoformat(),
                "end": P.END.isoformat(),
                "seed": seed,
                "customers": customers,
                "anonymous_visitors": self.identity["anonymous_visitors"],
            },
            "seasonality": {
                "weekday_factors": dict(
                    zip(
                        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                        P.WEEKDAY_FACTORS,
                        strict=True,
                    )
                ),
                "periods": [
                    {
                        "first_day": a.isoformat(),
                        "last_day": b.isoformat(),
                        "sessions": s,
                        "purchase_intent": p,
                    }
                    for a, b, s, p in P.SEASON_PERIODS
                ],
                "hour_weights_local": {k: list(v) for k, v in P.HOUR_WEIGHTS.items()},
                "observed": {
                    "orders_per_day_nov_dec": round(nov_dec / nov_dec_days, 2),
                    "orders_per_day_rest": round(rest / (P.DAYS - nov_dec_days), 2),
                    "web_sessions_by_utc_weekday": dict(
                        zip(
                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                            weekday_sessions,
                            strict=True,
                        )
                    ),
                },
            },
            "checkout_bug": {
                "platform": P.BUG_PLATFORM,
                "library": "analytics-android",
                "app_version": P.BUG_APP_VERSION,
                "first_day": P.BUG_FIRST_DAY.isoformat(),
                "last_day": P.BUG_LAST_DAY.isoformat(),
                "step": "Payment Info Entered → Order Completed",
                "true_rate_inside": P.BUG_PAYMENT_TO_ORDER,
                "true_rate_normal": P.P_ORDER_COMPLETED,
                "observed": {
                    key: {"payment_info_entered": a, "order_completed": b, "rate": _rate(b, a)}
                    for key, (a, b) in self.bug.items()
                },
            },
            "ab_test": {
                "experiment_id": P.AB_EXPERIMENT_ID,
                "experiment_name": P.AB_EXPERIMENT_NAME,
                "variations": P.AB_VARIATIONS,
                "first_day": P.AB_FIRST_DAY.isoformat(),
                "last_day": P.AB_LAST_DAY.isoformat(),
                "assignment": "50/50 by customer, all platforms",
                "unit": "checkout: Checkout Started → Order Completed with the same checkout_id",
                "true_rates": P.AB_TRUE_RATES,
                "true_lift": P.AB_TRUE_LIFT,
                "observed": {
                    variant: {"checkouts": a, "orders": b, "rate": _rate(b, a)}
                    for variant, (a, b) in self.ab.items()
                },
                "observed_customers": {
                    variant: {"exposed": a, "ordered": b, "rate": _rate(b, a)}
                    for variant, (a, b) in self.ab_customers.items()
                },
            },
            "discount_campaign": {
                "campaign_id": P.CAMPAIGN_ID,
                "campaign_name": P.CAMPAIGN_NAME,
                "utm": {"source": "newsletter", "medium": "email", "campaign": P.CAMPAIGN_NAME},
                "coupon": P.COUPON,
                "discount": P.COUPON_DISCOUNT,
                "sent_at": P.iso(P.CAMPAIGN_SEND_T),
                "coupon_first_day": P.COUPON_FIRST_DAY.isoformat(),
                "coupon_last_day": P.COUPON_LAST_DAY.isoformat(),
                "eligible": "regular customers (not loyal, not churners) opted in to marketing, "
                "signed up before " + P.CAMPAIGN_SIGNUP_BEFORE.isoformat(),
                "recipient_share": P.CAMPAIGN_RECIPIENT_SHARE,
                "recipient_ids": self.campaign_groups["recipient"],
                "holdout_ids": self.campaign_groups["holdout"],
                "retention_first_day": P.RETENTION_FIRST_DAY.isoformat(),
                "retention_days": P.RETENTION_DAYS,
                "true_repeat_rate": P.RETENTION_REPEAT,
                "true_repeat_lift": round(
                    P.RETENTION_REPEAT["coupon"] - P.RETENTION_REPEAT["no_coupon"], 4
                ),
                "observed": dict(self.campaign)
                | {
                    f"repeat_{key}": {"buyers": a, "repeat": b, "rate": _rate(b, a)}
                    for key, (a, b) in self.retention.items()
                },
            },
            "churn": {
                "quiet_days_before_churn": P.CHURN_QUIET_DAYS,
                "fade": {"days": P.CHURN_FADE_DAYS, "intensity": P.CHURN_FADE},
                "true_bad_experience_share": P.CHURN_BAD_EXPERIENCE,
                "customers": self.churners,
                "customer_ids": [c["customer_id"] for c in self.churners],
            },
            "loyal": {
                "customer_ids": self.loyal,
                "loyalty_tiers": ["gold", "platinum"],
                "sessions_per_year": P.SESSIONS_PER_YEAR["loyal"][1],
                "purchase_intent_share": P.BUY_SHARE["loyal"],
                "observed": {
                    "median_orders_loyal": median(loyal_counts) if loyal_counts else None,
                    "median_orders_other": median(other_counts) if other_counts else None,
                    "median_revenue_loyal": round(median(loyal_values), 2)
                    if loyal_values
                    else None,
                    "median_revenue_other": round(median(other_values), 2)
                    if other_values
                    else None,
                },
            },
            "journey_stages": {
                "stages": {
                    "awareness": "first visit from an ad, social post or search: page with "
                    "context.campaign (utm_medium cpc, paid_social, social, display)",
                    "education": "pages under /blog/ or /guides/",
                    "evaluation": "Products Searched, Product List Viewed, Product Viewed, "
                    "/compare/ and /products/<slug>/reviews pages, pre-sale chats",
                    "purchase": "Order Completed (or an in-store order)",
                    "advocacy": "Product Reviewed with rating >= 4, Product Shared, Referral Sent",
                },
                "observed": dict(self.journey),
            },
            "co_purchase": {
                "unit": "order (online Order Completed products[] and in-store order lines)",
                "true_conditional": {
                    anchor: {category: p for category, p, _ in rules}
                    for anchor, rules in CO_PURCHASE.items()
                },
                "observed": co_observed,
            },
            "feedback": {
                "true_ratings": {k: list(v) for k, v in P.RATINGS.items()},
                "true_nps_bands": {k: list(v) for k, v in P.NPS_BANDS.items()},
                "bad_experience": ["late", "defect", "return"],
                "observed": {
                    "mean_review_rating": {
                        k: _rate(total, n) for k, (total, n) in self.ratings.items()
                    },
                    "reviews": {k: n for k, (_, n) in self.ratings.items()},
                    "languages": dict(self.languages),
                },
            },
            "identity": {"observed": dict(self.identity)},
            "duplicates": duplicates,
        }
