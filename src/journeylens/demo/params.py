"""Every number the demo plants, in one place; docs/demo.md explains each of them.

Times inside the generator are float seconds since ``START`` 00:00 UTC, which keeps
the per-event arithmetic cheap; :func:`iso` turns them into Segment timestamps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

BUSINESS = "Brightlane"
SITE = "https://www.brightlane.example"
CURRENCY = "USD"

# ---- the calendar -------------------------------------------------------------------
START = date(2025, 11, 1)  # fixed, so a seed always gives the same data
END = date(2026, 10, 31)  # last day with data (inclusive)
DAYS = (END - START).days + 1
DAY = 86_400.0
HOUR = 3_600.0
END_T = DAYS * DAY
_START_DT = datetime(START.year, START.month, START.day)


def t_of(day: date, hour: float = 0.0) -> float:
    """Seconds since START 00:00 UTC of ``day`` at ``hour`` UTC."""
    return (day - START).days * DAY + hour * HOUR


def day_of(t: float) -> date:
    return START + timedelta(days=int(t // DAY))


_DATES = [(START + timedelta(days=d)).isoformat() + "T" for d in range(DAYS + 60)]
_MINUTES = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]
_SECONDS = [f"{ms // 1000:02d}.{ms % 1000:03d}Z" for ms in range(60_000)]


def iso(t: float) -> str:
    """``2026-03-05T14:22:31.123Z`` (milliseconds, UTC); called once per message, so cheap."""
    day, rest = divmod(int(t * 1000.0), 86_400_000)
    if not 0 <= day < len(_DATES):
        moment = _START_DT + timedelta(milliseconds=day * 86_400_000 + rest)
        return moment.isoformat(timespec="milliseconds") + "Z"
    minute, rest = divmod(rest, 60_000)
    return _DATES[day] + _MINUTES[minute] + _SECONDS[rest]


# ---- 1. seasonality -----------------------------------------------------------------
# Relative session intensity by local day of week, Monday first (weekends are busiest).
WEEKDAY_FACTORS = (0.90, 0.92, 0.95, 0.97, 1.03, 1.30, 1.25)
# (first day, last day, session multiplier, purchase-intent multiplier); other days are 1, 1.
SEASON_PERIODS = (
    (date(2025, 11, 1), date(2025, 11, 20), 1.3, 1.0),  # pre-holiday browsing
    (date(2025, 11, 21), date(2025, 12, 1), 2.2, 1.3),  # Black Friday → Cyber Monday
    (date(2025, 12, 2), date(2025, 12, 22), 1.7, 1.3),  # holiday gifting
    (date(2025, 12, 23), date(2025, 12, 31), 1.2, 1.0),  # last-minute and returns
    (date(2026, 7, 1), date(2026, 8, 31), 0.9, 1.0),  # summer lull
)
# Local hour-of-day weights of session starts (0 h … 23 h), by platform.
HOUR_WEIGHTS = {
    "web": (1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.8, 3.2, 3.6,
            4.2, 4.2, 3.6, 3.4, 3.4, 3.8, 4.4, 5.2, 5.6, 5.2, 3.8, 2.2),
    "app": (1.4, 0.8, 0.4, 0.3, 0.3, 0.4, 1.0, 2.4, 3.2, 2.6, 2.2, 2.4,
            3.2, 3.0, 2.4, 2.4, 2.8, 3.4, 4.0, 5.0, 6.2, 6.8, 6.0, 3.4),
}  # fmt: skip


def _calendar_arrays() -> tuple[np.ndarray, np.ndarray]:
    sessions = np.ones(DAYS)
    buying = np.ones(DAYS)
    for first, last, session_factor, buy_factor in SEASON_PERIODS:
        a, b = (first - START).days, (last - START).days + 1
        sessions[a:b] = session_factor
        buying[a:b] = buy_factor
    weekday = np.array(
        [WEEKDAY_FACTORS[(START + timedelta(days=d)).weekday()] for d in range(DAYS)]
    )
    weekday /= np.mean(WEEKDAY_FACTORS)
    return sessions * weekday, buying


DAY_WEIGHTS, BUY_BOOST = _calendar_arrays()

# ---- 2. the checkout bug ------------------------------------------------------------
BUG_PLATFORM = "android"
BUG_FIRST_DAY = date(2026, 6, 8)
BUG_LAST_DAY = date(2026, 6, 21)
BUG_START_T, BUG_END_T = t_of(BUG_FIRST_DAY), t_of(BUG_LAST_DAY) + DAY
BUG_APP_VERSION = "5.3.0"  # the Android build that shipped the bug; 5.3.1 fixed it
BUG_PAYMENT_TO_ORDER = 0.02
ANDROID_VERSIONS = (
    (date(2026, 3, 16), "5.2.0"),
    (BUG_FIRST_DAY, "5.3.0"),
    (BUG_LAST_DAY + timedelta(days=1), "5.3.1"),
)
IOS_VERSIONS = ((date(2026, 3, 16), "5.2.0"), (date(2026, 6, 10), "5.3.0"))

# ---- the checkout funnel (every platform, every day, unless a truth above says otherwise)
P_CART_VIEWED = 0.85  # Product Added → Cart Viewed
P_CHECKOUT_STARTED = 0.82  # Cart Viewed → Checkout Started
P_PAYMENT_INFO = 0.775  # Checkout Started → Payment Info Entered (the control checkout)
P_ORDER_COMPLETED = 0.80  # Payment Info Entered → Order Completed

# ---- 3. the A/B test on checkout ------------------------------------------------------
AB_EXPERIMENT_ID = "exp_checkout_onepage"
AB_EXPERIMENT_NAME = "One-page checkout"
AB_FIRST_DAY = date(2026, 3, 2)
AB_LAST_DAY = date(2026, 4, 26)
AB_START_T, AB_END_T = t_of(AB_FIRST_DAY), t_of(AB_LAST_DAY) + DAY
AB_VARIATIONS = {
    "control": {"variation_id": "0", "variation_name": "Multi-step checkout"},
    "treatment": {"variation_id": "1", "variation_name": "One-page checkout"},
}
AB_PAYMENT_INFO = {"control": P_PAYMENT_INFO, "treatment": 0.8375}
# Checkout Started → Order Completed per checkout (the same checkout_id): 0.62 vs 0.67.
AB_TRUE_RATES = {v: round(p * P_ORDER_COMPLETED, 4) for v, p in AB_PAYMENT_INFO.items()}
AB_TRUE_LIFT = round(AB_TRUE_RATES["treatment"] - AB_TRUE_RATES["control"], 4)

# ---- 4. the discount campaign ---------------------------------------------------------
CAMPAIGN_ID = "cmp_spring_sale_20"
CAMPAIGN_NAME = "spring_sale_20"  # also utm_campaign
CAMPAIGN_SUBJECT = "20% off everything this fortnight"
COUPON = "SPRING20"
COUPON_DISCOUNT = 0.20
CAMPAIGN_SEND_T = t_of(date(2026, 5, 5), 14.0)
COUPON_FIRST_DAY = date(2026, 5, 5)
COUPON_LAST_DAY = date(2026, 5, 18)
COUPON_START_T, COUPON_END_T = t_of(COUPON_FIRST_DAY), t_of(COUPON_LAST_DAY) + DAY
RETENTION_FIRST_DAY = date(2026, 5, 19)
RETENTION_DAYS = 90
RETENTION_START_T = t_of(RETENTION_FIRST_DAY)
RETENTION_END_T = RETENTION_START_T + RETENTION_DAYS * DAY
CAMPAIGN_SIGNUP_BEFORE = date(2026, 5, 1)
CAMPAIGN_RECIPIENT_SHARE = 0.5
CAMPAIGN_P_OPEN = 0.55
CAMPAIGN_P_CLICK = 0.45  # of openers
# P(an order in the 90 days after the coupon window | ordered online inside it)
RETENTION_REPEAT = {"coupon": 0.65, "no_coupon": 0.40}

# ---- 5. churners, 6. loyal customers, customer mix ------------------------------------
EXISTING_SHARE = 0.75  # customers who signed up before START
LOYAL_SHARE = 0.05
CHURN_SHARE = 0.10
CHURN_FIRST_DAY = date(2026, 3, 1)
CHURN_LAST_DAY = date(2026, 8, 31)
CHURN_SIGNUP_BEFORE = date(2026, 1, 31)
CHURN_QUIET_DAYS = 21  # no new sessions in the last 21 days before the churn date
CHURN_FADE_DAYS = 60  # sessions at 60 % intensity in the 60 days before that
CHURN_FADE = 0.6
CHURN_BAD_EXPERIENCE = 0.75  # the last order before churning goes wrong
CHURN_BAD_WINDOW_DAYS = 120
# sessions per year: gamma(shape, mean); share of sessions with purchase intent
SESSIONS_PER_YEAR = {"regular": (2.0, 15.0), "churner": (2.0, 15.0), "loyal": (6.0, 55.0)}
BUY_SHARE = {"regular": 0.30, "churner": 0.30, "loyal": 0.50}
STORE_ORDERS_PER_YEAR = {"regular": 1.2, "churner": 1.2, "loyal": 5.0}  # if near a store
ANCHOR_ORDER_SHARE = {"regular": 0.40, "churner": 0.40, "loyal": 0.55}

# ---- 9. experience → feedback ---------------------------------------------------------
P_LATE = 0.07
P_LATE_HOLIDAY = 0.18  # orders placed 2025-11-21 … 2025-12-22
P_DEFECT = 0.03
P_RETURN = 0.03
P_REFUND_AFTER_DEFECT = 0.6
P_REVIEW = {"smooth": 0.10, "bad": 0.35}
P_TICKET_AFTER_ISSUE = 0.6
NPS_DATES = (date(2026, 1, 15), date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15))
NPS_SAMPLE = 0.25
NPS_RESPONSE = 0.35
# rating distributions (1..5) and NPS bands by experience
RATINGS = {"smooth": (0.01, 0.02, 0.07, 0.32, 0.58), "bad": (0.50, 0.33, 0.14, 0.02, 0.01)}
NPS_BANDS = {
    "smooth": (0.08, 0.27, 0.65),
    "bad": (0.78, 0.17, 0.05),
}  # detractor, passive, promoter

# ---- newsletters ----------------------------------------------------------------------
NEWSLETTER_FIRST = date(2025, 11, 4)  # a Tuesday; then every 14 days
NEWSLETTER_EVERY_DAYS = 14
NEWSLETTER_P_OPEN = 0.25
NEWSLETTER_P_CLICK = 0.10  # of openers
NEWSLETTER_OPEN_DELAY_HOURS = 20.0  # mean, exponential
