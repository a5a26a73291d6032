"""The demo business: deterministic, and every planted truth is in the raw data.

Each check recomputes a truth from the generated messages, contacts, store orders and
feedback, the way a later analysis would, and compares it with the number documented
in docs/demo.md (written here as a literal, then checked against ``truths``), within
a tolerance derived from the binomial standard error.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from tests.demo.data import (
    AB_LIFT,
    AB_RATES,
    AB_WINDOW,
    BUG_PLATFORM,
    BUG_RATE,
    BUG_WINDOW,
    CHURN_BAD_SHARE,
    COUPON,
    COUPON_WINDOW,
    CUSTOMERS,
    NORMAL_PAYMENT_TO_ORDER,
    P_CASE_GIVEN_PHONE,
    P_MOUSE_GIVEN_LAPTOP,
    P_SD_GIVEN_CAMERA,
    REPEAT_RATES,
    REPEAT_WINDOW,
    _day,
    _se,
    _within,
)


# ---- 1. seasonality --------------------------------------------------------------------------
def test_holiday_season_and_weekends_are_busier(business, raw, all_orders):
    per_day = Counter(day for _, day, *_ in all_orders)
    holiday = [per_day[date(2025, 11, 1) + timedelta(days=d)] for d in range(61)]
    rest = [per_day[date(2026, 1, 1) + timedelta(days=d)] for d in range(304)]
    # Per customer and day the planted purchase intensity in Nov–Dec is ~1.9× the rest of the
    # year (docs/demo.md); fewer customers have signed up by then, so the raw count shows less.
    assert statistics.mean(holiday) > 1.3 * statistics.mean(rest)
    black_friday = [per_day[date(2025, 11, 21) + timedelta(days=d)] for d in range(11)]
    assert statistics.mean(black_friday) > 1.8 * statistics.mean(rest)
    pages = raw.web_pages_by_weekday  # 52 of each weekday in the year, 53 Saturdays
    weekend = (pages[5] + pages[6]) / 2
    weekdays = (pages[0] + pages[1] + pages[2] + pages[3] + pages[4]) / 5
    assert weekend > 1.15 * weekdays  # the planted weekend factor is ~1.35× a weekday's


# ---- 2. the checkout bug ------------------------------------------------------------------------
def test_android_checkout_bug_inside_the_window(raw):
    groups: dict[str, list[int]] = {"inside": [0, 0], "outside": [0, 0], "others": [0, 0]}
    for checkout in raw.checkouts.values():
        if not checkout.payment:
            continue
        inside = _within(checkout.day, BUG_WINDOW)
        if checkout.platform == BUG_PLATFORM:
            key = "inside" if inside else "outside"
        else:
            key = "others" if inside else ""
        if key:
            groups[key][0] += 1
            groups[key][1] += checkout.ordered
    versions = {
        c.app_version
        for c in raw.checkouts.values()
        if c.platform == BUG_PLATFORM and _within(c.day, (BUG_WINDOW[0], BUG_WINDOW[1]))
    }
    assert versions == {"5.3.0"}  # the build that shipped the bug
    rate = {k: b / a for k, (a, b) in groups.items()}
    n_inside, n_outside = groups["inside"][0], groups["outside"][0]
    assert n_inside >= 30
    assert rate["inside"] <= BUG_RATE + 3 * _se(0.05, n_inside)
    assert abs(rate["outside"] - NORMAL_PAYMENT_TO_ORDER) < 3 * _se(0.8, n_outside)
    assert abs(rate["others"] - NORMAL_PAYMENT_TO_ORDER) < 3 * _se(0.8, groups["others"][0])


def test_bug_truth_matches_the_documentation(business):
    truth = business.truths["checkout_bug"]
    assert (truth["platform"], truth["first_day"], truth["last_day"]) == (
        BUG_PLATFORM,
        BUG_WINDOW[0].isoformat(),
        BUG_WINDOW[1].isoformat(),
    )
    assert truth["true_rate_inside"] == BUG_RATE
    assert truth["true_rate_normal"] == NORMAL_PAYMENT_TO_ORDER


# ---- 3. the A/B test ----------------------------------------------------------------------------
def test_ab_variants_differ_by_the_documented_lift(business, raw):
    counts = {"Multi-step checkout": [0, 0], "One-page checkout": [0, 0]}
    for checkout in raw.checkouts.values():
        if checkout.variation:  # sessions that start in the window (a checkout may end after)
            assert _within(checkout.day, (AB_WINDOW[0], AB_WINDOW[1] + timedelta(days=1)))
            counts[checkout.variation][0] += 1
            counts[checkout.variation][1] += checkout.ordered
    (n_c, o_c), (n_t, o_t) = counts["Multi-step checkout"], counts["One-page checkout"]
    p_c, p_t = o_c / n_c, o_t / n_t
    se_c, se_t = _se(AB_RATES["control"], n_c), _se(AB_RATES["treatment"], n_t)
    assert abs(p_c - AB_RATES["control"]) < 3 * se_c
    assert abs(p_t - AB_RATES["treatment"]) < 3 * se_t
    assert abs((p_t - p_c) - AB_LIFT) < 3 * math.hypot(se_c, se_t)
    # 50/50 assignment by customer: nobody sees both variations
    assert all(len(v) == 1 for v in raw.variations_by_user.values())
    treated = sum("One-page checkout" in v for v in raw.variations_by_user.values())
    users = len(raw.variations_by_user)
    assert abs(treated / users - 0.5) < 3 * _se(0.5, users)
    truth = business.truths["ab_test"]
    assert truth["true_rates"] == AB_RATES and truth["true_lift"] == AB_LIFT


def test_checkouts_outside_the_experiment_carry_no_variation(raw):
    around = (AB_WINDOW[0], AB_WINDOW[1] + timedelta(days=1))
    outside = [c for c in raw.checkouts.values() if not _within(c.day, around)]
    assert outside and not any(c.variation for c in outside)


# ---- 4. the discount campaign -------------------------------------------------------------------
def test_coupon_users_retain_better(business, raw, all_orders):
    truth = business.truths["discount_campaign"]
    assert truth["coupon"] == COUPON and truth["true_repeat_rate"] == REPEAT_RATES
    recipients, holdout = set(truth["recipient_ids"]), set(truth["holdout_ids"])
    assert raw.spring_recipients == recipients
    assert not recipients & holdout
    eligible = len(recipients) + len(holdout)
    assert abs(len(recipients) / eligible - 0.5) < 3 * _se(0.5, eligible)
    window: dict[str, bool] = {}
    repeat: set[str] = set()
    for user, day, _, coupon, _ in all_orders:
        if user not in recipients and user not in holdout:
            continue
        if _within(day, COUPON_WINDOW):
            window[user] = window.get(user, False) or coupon == COUPON
        elif _within(day, REPEAT_WINDOW):
            repeat.add(user)
    # only online orders carry the coupon, and only recipients have it
    assert not any(used for user, used in window.items() if user in holdout)
    groups = {"coupon": [0, 0], "no_coupon": [0, 0]}
    for user, used in window.items():
        key = "coupon" if used else "no_coupon"
        groups[key][0] += 1
        groups[key][1] += user in repeat
    for key, (n, repeated) in groups.items():
        assert n >= 40, key
        assert abs(repeated / n - REPEAT_RATES[key]) < 3 * _se(REPEAT_RATES[key], n), key
    (n_c, r_c), (n_n, r_n) = groups["coupon"], groups["no_coupon"]
    lift = REPEAT_RATES["coupon"] - REPEAT_RATES["no_coupon"]
    tolerance = 3 * math.hypot(_se(0.65, n_c), _se(0.40, n_n))
    assert abs((r_c / n_c - r_n / n_n) - lift) < tolerance


# ---- 5. churners ----------------------------------------------------------------------------------
def test_churners_fall_silent_after_their_churn_date(business, raw):
    churners = {
        c["customer_id"]: date.fromisoformat(c["churn_date"])
        for c in business.truths["churn"]["customers"]
    }
    assert 0.05 < len(churners) / CUSTOMERS < 0.15
    store_last: dict[str, str] = {}
    for line in business.store_orders:
        store_last[line["customer_id"]] = max(
            store_last.get(line["customer_id"], ""), line["ordered_at"]
        )
    feedback_last: dict[str, str] = {}
    for row in business.feedback:
        feedback_last[row["customer_id"]] = max(
            feedback_last.get(row["customer_id"], ""), row["created_at"]
        )
    active_before = 0
    for customer_id, churn_date in churners.items():
        for last in (raw.last_seen, store_last, feedback_last):
            if customer_id in last:
                assert _day(last[customer_id]) < churn_date, customer_id
        seen = raw.last_seen.get(customer_id)
        active_before += seen is not None and _day(seen) >= churn_date - timedelta(days=120)
    assert active_before / len(churners) > 0.8
    # everyone else is still around near the end of the year
    others = [u for u in raw.last_seen if u not in churners]
    late = sum(_day(raw.last_seen[u]) >= date(2026, 9, 1) for u in others)
    assert late / len(others) > 0.9


def test_churners_mostly_had_a_bad_experience_first(business, raw):
    churn = business.truths["churn"]["customers"]
    planted = [c["bad_order_id"] for c in churn if c["bad_order_id"]]
    # 75 % of churners get a bad last order (a few run out of time to place one)
    assert abs(len(planted) / len(churn) - CHURN_BAD_SHARE) < 3 * _se(0.75, len(churn)) + 0.02
    visible = sum(order_id in raw.bad_orders for order_id in planted)
    assert visible / len(planted) > 0.9  # late, refunded or ticketed: visible in the events
    negative = defaultdict(int)
    for row in business.feedback:
        low = (row["rating"] is not None and row["rating"] <= 2) or (
            row["nps"] is not None and row["nps"] <= 6
        )
        negative[row["customer_id"]] += low
    churner_ids = {c["customer_id"] for c in churn}
    share_churners = sum(negative[c] > 0 for c in churner_ids) / len(churner_ids)
    others = {f"C{i + 1:06d}" for i in range(CUSTOMERS)} - churner_ids
    share_others = sum(negative[c] > 0 for c in others) / len(others)
    assert share_churners > 2 * share_others


# ---- 6. loyal customers -------------------------------------------------------------------------
def test_loyal_customers_order_far_more(business, all_orders):
    loyal = set(business.truths["loyal"]["customer_ids"])
    assert 0.03 < len(loyal) / CUSTOMERS < 0.07
    counts: Counter[str] = Counter()
    value: Counter[str] = Counter()
    for user, _, _, _, revenue in all_orders:
        counts[user] += 1
        value[user] += revenue
    customers = [
        r["customer_id"]
        for r in business.contacts
        if r["customer_id"] and r["customer_id"].startswith("C")
    ]
    median_all = statistics.median(counts[c] for c in customers)
    median_loyal = statistics.median(counts[c] for c in loyal)
    assert median_loyal >= 4 * max(median_all, 1)
    assert statistics.median(value[c] for c in loyal) >= 5 * statistics.median(
        value[c] for c in customers
    )
    tiers = {
        r["customer_id"]: r["loyalty_tier"] for r in business.contacts if r["customer_id"] in loyal
    }
    assert set(tiers.values()) <= {"gold", "platinum"}


# ---- 7. journey stages --------------------------------------------------------------------------
def test_new_customers_travel_awareness_education_evaluation_purchase(business, raw):
    def visited_before_signing_up(anonymous: str) -> bool:
        first_ts, anonymous_first, _ = raw.first_anonymous[anonymous]
        signed_up = datetime.fromisoformat(raw.identified_anonymous[anonymous][1])
        return anonymous_first and datetime.fromisoformat(first_ts) < signed_up - timedelta(hours=1)

    stitched = {
        anonymous: user
        for user, anonymous in raw.signed_up.items()
        if visited_before_signing_up(anonymous)
    }
    assert len(stitched) > 0.1 * CUSTOMERS  # signed up on the device they first came with
    from_ads = sum(
        raw.first_anonymous[a][2].get("campaign", {}).get("medium")
        in {"cpc", "paid_social", "social", "display"}
        for a in stitched
    )
    assert from_ads / len(stitched) > 0.95  # awareness: the first touch comes from an ad
    educated = sum(
        a in raw.education_before and raw.education_before[a] < raw.identified_anonymous[a][1]
        for a in stitched
    )
    assert educated / len(stitched) > 0.6  # education pages before signing up
    first_order = {}
    for user, day, *_ in raw.orders:
        first_order.setdefault(user, day)
    bought = sum(stitched[a] in first_order for a in stitched)
    assert bought / len(stitched) > 0.5
    stages = business.truths["journey_stages"]
    assert list(stages["stages"]) == [
        "awareness",
        "education",
        "evaluation",
        "purchase",
        "advocacy",
    ]


def test_anonymous_devices_are_later_identified(raw):
    later = [
        a
        for a, (first_ts, anonymous_first, _) in raw.first_anonymous.items()
        if anonymous_first
        and a in raw.identified_anonymous
        and raw.identified_anonymous[a][1] > first_ts
    ]
    assert len(later) > 0.1 * CUSTOMERS
    users_with_devices: dict[str, set[str]] = defaultdict(set)
    for anonymous, (user, _) in raw.identified_anonymous.items():
        users_with_devices[user].add(anonymous)
    cross_device = [
        u for u, devices in users_with_devices.items() if len(devices) > 1 and devices & set(later)
    ]
    assert cross_device
    never = [
        a
        for a, (_, anonymous_first, _) in raw.first_anonymous.items()
        if a not in raw.identified_anonymous
    ]
    assert len(never) > 0.3 * CUSTOMERS  # visitors who never log in


# ---- 8. co-purchase -------------------------------------------------------------------------------
def test_co_purchase_follows_the_documented_probabilities(business, all_orders):
    rules = business.truths["co_purchase"]["true_conditional"]
    for anchor, accessory, documented in (
        ("Smartphones", "Phone Cases", P_CASE_GIVEN_PHONE),
        ("Cameras", "SD Cards", P_SD_GIVEN_CAMERA),
        ("Laptops", "Mice", P_MOUSE_GIVEN_LAPTOP),
    ):
        assert rules[anchor][accessory] == documented
        with_anchor = [categories for _, _, categories, *_ in all_orders if anchor in categories]
        n = len(with_anchor)
        hits = sum(accessory in categories for categories in with_anchor)
        assert n >= 200
        assert abs(hits / n - documented) < 3 * _se(documented, n), (anchor, accessory)
        base = sum(accessory in c for _, _, c, *_ in all_orders) / len(all_orders)
        assert hits / n > 3 * base  # a real association: lift well above 1


# ---- 9. feedback tone -----------------------------------------------------------------------------
def test_bad_experiences_get_low_ratings_and_chinese_customers_write_chinese(business, raw):
    ratings: dict[str, list[int]] = {"bad": [], "smooth": []}
    for row in business.feedback:
        if row["kind"] == "review" and row["order_id"] and row["order_id"].startswith("BL"):
            ratings["bad" if row["order_id"] in raw.bad_orders else "smooth"].append(row["rating"])
    assert len(ratings["bad"]) > 50 and len(ratings["smooth"]) > 100
    assert statistics.mean(ratings["smooth"]) > 4.0
    assert statistics.mean(ratings["bad"]) < 2.5
    countries = {r["customer_id"]: r["country"] for r in business.contacts if r["customer_id"]}
    chinese = [row for row in business.feedback if row["language"] == "zh"]
    assert len(chinese) > 0.05 * len(business.feedback)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(row["text"] is None or cjk.search(row["text"]) for row in chinese)
    assert {countries[row["customer_id"]] for row in chinese} <= {"CN", "TW", "SG"}
    english = [row for row in business.feedback if row["language"] == "en" and row["text"]]
    assert not any(cjk.search(row["text"]) for row in english if "{" not in row["text"])
    assert not any("{" in (row["text"] or "") for row in business.feedback)
    bad_days: dict[str, list[date]] = defaultdict(list)
    for order_id in raw.bad_orders:
        user, day = raw.order_days[order_id]
        bad_days[user].append(day)
    scores: dict[str, list[int]] = {"bad": [], "smooth": []}
    for row in business.feedback:
        if row["kind"] == "nps":
            answered = _day(row["created_at"])
            recent = any(
                answered - timedelta(days=120) <= d < answered for d in bad_days[row["customer_id"]]
            )
            scores["bad" if recent else "smooth"].append(row["nps"])
    assert len(scores["bad"]) > 20
    assert statistics.mean(scores["bad"]) < statistics.mean(scores["smooth"]) - 2
