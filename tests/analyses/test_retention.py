"""Retention as journeys, the numbers worked out by hand (docs/architecture.md "Retention").

Weeks are ISO weeks (Monday first). T0 is Monday 3 March 2025, 10:00 UTC, so
W0 = 3–9 March, W1 = 10–16, W2 = 17–23, W3 = 24–30, W4 = 31 March–6 April.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeylens.analyses.activity import range_indexes
from journeylens.analyses.base import AnalysisError, Tables
from journeylens.analyses.retention import RetentionQuery
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 3, 10, 0, 0)
W = [date(2025, 3, 3) + timedelta(weeks=k) for k in range(6)]


def day(n: float, user: str, event: str, **extra: object) -> dict:
    return at(T0 + timedelta(days=n), user, event, **extra)


def plan(name: str) -> dict:
    return {"properties": {"plan": name}}


JOURNEYS = [
    # ann signs up in W0 (plan pro), buys in W1 and W3.
    day(0, "ann", "Signed Up", **plan("pro")),
    day(8, "ann", "Purchased"),
    day(23, "ann", "Purchased"),
    # bob signs up in W0 (free) and again in W2 (pro); buys in W2.
    day(2, "bob", "Signed Up", **plan("free")),
    day(16, "bob", "Signed Up", **plan("pro")),
    day(17, "bob", "Purchased"),
    # cat signs up in W1 (pro), buys two days later in the same week, views in W2.
    day(9, "cat", "Signed Up", **plan("pro")),
    day(10, "cat", "Purchased"),
    day(15, "cat", "Viewed"),
    # dan buys in W0, *before* he signs up in W1 (free first, pro two hours later).
    day(1, "dan", "Purchased"),
    day(7, "dan", "Signed Up", **plan("free")),
    day(7 + 1 / 12, "dan", "Signed Up", **plan("pro")),
    # eve views in W0, signs up in W3 (no plan), buys in W4 — the latest event of all, at
    # Monday 31 March 10:00, so by default "now" is then and W4 is in progress.
    day(0.1, "eve", "Viewed"),
    day(21, "eve", "Signed Up"),
    day(28, "eve", "Purchased"),
]

SIGNUP_TO_PURCHASE = {"start": "Signed Up", "returns": ["Purchased"], "periods": 4}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("retention") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def matrix(cohorts) -> dict[date, tuple[int, list[int]]]:
    return {c.cohort: (c.size, [p.retained for p in c.periods]) for c in cohorts}


def test_first_time_cohorts_retained_on_period_n(shop, engine):
    result = engine.run(shop, "retention", **SIGNUP_TO_PURCHASE)
    # First-ever sign-ups: W0 ann, bob; W1 cat, dan; W2 nobody (bob's second sign-up is not his
    # first); W3 eve. Purchases: ann W1, W3 (offsets 1, 3); bob W2 (offset 2); cat W1
    # (offset 0); dan's W0 purchase is before his cohort; eve W4 (offset 1).
    # Now is W4, so cohort W0 shows periods 0–4, W1 0–3, W2 0–2, W3 0–1.
    assert matrix(result.cohorts) == {
        W[0]: (2, [0, 1, 1, 1, 0]),
        W[1]: (2, [1, 0, 0, 0]),
        W[2]: (0, [0, 0, 0]),
        W[3]: (1, [0, 1]),
    }
    assert result.cohorts[0].periods[1].rate == pytest.approx(0.5)
    assert result.cohorts[2].periods[0].rate == 0.0  # an empty cohort has no rate to speak of
    # Only periods falling in W4 are in progress.
    flags = {c.cohort: [p.in_progress for p in c.periods] for c in result.cohorts}
    assert flags == {
        W[0]: [False, False, False, False, True],
        W[1]: [False, False, False, True],
        W[2]: [False, False, True],
        W[3]: [False, True],
    }
    assert result.now == T0 + timedelta(days=28)
    # The average counts complete periods only, weighted by cohort size:
    # N0: (0 + 1 + 0 + 0) / (2 + 2 + 0 + 1); N1: W0 1/2, W1 0/2 (W3's N1 is in progress);
    # N2: W0 1/2, W1 0/2; N3: W0 1/2 only; N4: no complete period.
    assert [(a.retained, a.size) for a in result.average] == [
        (1, 5),
        (1, 4),
        (1, 4),
        (1, 2),
        (0, 0),
    ]
    assert [a.rate for a in result.average] == [0.2, 0.25, 0.25, 0.5, None]


def test_retained_on_or_after_period_n(shop, engine):
    result = engine.run(shop, "retention", retained="on_or_after", **SIGNUP_TO_PURCHASE)
    # A person counts in every N up to their last purchase: W0 ann (last offset 3) and bob
    # (last 2); W1 cat (last 0), dan never; W3 eve (last 1) — in period 0 too, although she
    # bought nothing in W3.
    assert matrix(result.cohorts) == {
        W[0]: (2, [2, 2, 2, 1, 0]),
        W[1]: (2, [1, 0, 0, 0]),
        W[2]: (0, [0, 0, 0]),
        W[3]: (1, [1, 1]),
    }


def test_recurring_cohorts_take_every_start_event(shop, engine):
    result = engine.run(shop, "retention", cohort="recurring", **SIGNUP_TO_PURCHASE)
    # Now bob is also in W2's cohort (his second sign-up), and buys in W2: offset 0. He stays
    # in W0's cohort as well, where the same purchase is offset 2.
    assert matrix(result.cohorts) == {
        W[0]: (2, [0, 1, 1, 1, 0]),
        W[1]: (2, [1, 0, 0, 0]),
        W[2]: (1, [1, 0, 0]),
        W[3]: (1, [0, 1]),
    }


def test_any_event_cohorts_are_full_in_period_0(shop, engine):
    result = engine.run(shop, "retention", periods=4)
    # Start and return: any event. First activity: ann, bob, dan, eve in W0; cat in W1.
    # W0's later weeks: W1 ann, dan; W2 bob; W3 ann, eve; W4 eve. Cat: W2 (her view).
    assert matrix(result.cohorts) == {W[0]: (4, [4, 2, 1, 2, 1]), W[1]: (1, [1, 1, 0, 0])}


def test_the_date_range_picks_whole_cohort_periods(shop, engine):
    # From Wednesday of W1 to the end of W1: the whole W1 counts, so dan (Monday) is in.
    result = engine.run(
        shop,
        "retention",
        date_from=datetime(2025, 3, 12),
        date_to=datetime(2025, 3, 17),
        **SIGNUP_TO_PURCHASE,
    )
    assert matrix(result.cohorts) == {W[1]: (2, [1, 0, 0, 0])}
    # W2 alone: bob's W2 sign-up is not his first, so the first-time cohort is empty, while
    # the recurring one holds him.
    only_w2 = {"date_from": datetime(2025, 3, 17), "date_to": datetime(2025, 3, 24)}
    first = engine.run(shop, "retention", **only_w2, **SIGNUP_TO_PURCHASE)
    assert matrix(first.cohorts) == {W[2]: (0, [0, 0, 0])}
    again = engine.run(shop, "retention", cohort="recurring", **only_w2, **SIGNUP_TO_PURCHASE)
    assert matrix(again.cohorts) == {W[2]: (1, [1, 0, 0])}


def test_now_decides_what_is_in_progress(shop, engine):
    # Now: Wednesday of W2. Cohorts after now (eve's W3) are not shown, nor periods after W2;
    # bob's purchase on Thursday of W2 is in the data and still counts.
    result = engine.run(shop, "retention", now=datetime(2025, 3, 19, 12), **SIGNUP_TO_PURCHASE)
    assert matrix(result.cohorts) == {
        W[0]: (2, [0, 1, 1]),
        W[1]: (2, [1, 0]),
        W[2]: (0, [0]),
    }
    flags = [[p.in_progress for p in c.periods] for c in result.cohorts]
    assert flags == [[False, False, True], [False, True], [True]]
    # N0: W0 0/2 + W1 1/2; N1: W0 1/2; N2 and later: nothing complete.
    assert [a.rate for a in result.average][:4] == [0.25, 0.5, None, None]


def test_breakdown_by_first_touch_at_the_cohort_start(shop, engine):
    result = engine.run(shop, "retention", breakdown="properties.plan", **SIGNUP_TO_PURCHASE)
    groups = {g.value: matrix(g.cohorts) for g in result.breakdown}
    # First sign-ups: pro ann (W0), cat (W1); free bob (W0), dan (W1: free first, pro two
    # hours later, and the first touch wins); eve has no plan.
    assert groups == {
        "pro": {
            W[0]: (1, [0, 1, 0, 1, 0]),
            W[1]: (1, [1, 0, 0, 0]),
            W[2]: (0, [0, 0, 0]),
            W[3]: (0, [0, 0]),
        },
        "free": {
            W[0]: (1, [0, 0, 1, 0, 0]),
            W[1]: (1, [0, 0, 0, 0]),
            W[2]: (0, [0, 0, 0]),
            W[3]: (0, [0, 0]),
        },
        None: {W[0]: (0, [0] * 5), W[1]: (0, [0] * 4), W[2]: (0, [0] * 3), W[3]: (1, [0, 1])},
    }
    assert [g.value for g in result.breakdown] == ["free", "pro", None]  # by size, then name
    # The groups add up to the whole.
    assert matrix(result.cohorts) == matrix(
        engine.run(shop, "retention", **SIGNUP_TO_PURCHASE).cohorts
    )
    # Recurring: bob's W2 cohort takes the plan of his W2 sign-up (pro).
    recurring = engine.run(
        shop, "retention", cohort="recurring", breakdown="properties.plan", **SIGNUP_TO_PURCHASE
    )
    pro = next(g for g in recurring.breakdown if g.value == "pro")
    assert matrix(pro.cohorts)[W[2]] == (1, [1, 0, 0])


def test_filters_on_start_and_return_events(shop, engine):
    # Start: sign-ups on the pro plan (text form); return: any purchase or a view (object form).
    result = engine.run(
        shop,
        "retention",
        start="Signed Up where properties.plan = pro",
        returns=[{"events": ["Purchased", "Viewed"]}],
        periods=2,
    )
    # First pro sign-ups: ann W0; cat W1; dan W1 (his pro sign-up); bob W2.
    # ann: W1 purchase (N1). cat: W1 purchase (N0), W2 view (N1). dan: nothing from W1 on.
    # bob: W2 purchase (N0).
    assert matrix(result.cohorts) == {
        W[0]: (1, [0, 1, 0]),
        W[1]: (2, [1, 1, 0]),
        W[2]: (1, [1, 0, 0]),
    }


def test_day_periods(shop, engine):
    by_day = {"start": "Purchased", "returns": ["Purchased"], "period": "day", "periods": 3}
    # 26 March: ann's second purchase, so no first-time cohort; a recurring one of her.
    march_26 = {"date_from": datetime(2025, 3, 26), "date_to": datetime(2025, 3, 27)}
    first = engine.run(shop, "retention", **march_26, **by_day)
    assert matrix(first.cohorts) == {date(2025, 3, 26): (0, [0, 0, 0, 0])}
    again = engine.run(shop, "retention", cohort="recurring", **march_26, **by_day)
    assert matrix(again.cohorts) == {date(2025, 3, 26): (1, [1, 0, 0, 0])}
    # 11–13 March: ann buys on the 11th, cat on the 13th; neither again within 3 days.
    result = engine.run(
        shop, "retention", date_from=datetime(2025, 3, 11), date_to=datetime(2025, 3, 14), **by_day
    )
    assert matrix(result.cohorts) == {
        date(2025, 3, 11): (1, [1, 0, 0, 0]),
        date(2025, 3, 12): (0, [0, 0, 0, 0]),
        date(2025, 3, 13): (1, [1, 0, 0, 0]),
    }


def shanghai_workspace(path: Path) -> Journeys:
    path.mkdir(parents=True)
    (path / "config.toml").write_text('[workspace]\ntimezone = "Asia/Shanghai"\n')
    return Journeys(path)


def test_periods_are_cut_in_the_workspace_time_zone(tmp_path, engine):
    # zoe signs up on Sunday 9 March 20:00 UTC (Monday 10 March 04:00 in Shanghai) and buys
    # on Monday 10 March 02:00 UTC (10:00 in Shanghai).
    zoe = [
        at(datetime(2025, 3, 9, 20), "zoe", "Signed Up"),
        at(datetime(2025, 3, 10, 2), "zoe", "Purchased"),
    ]
    query = {"start": "Signed Up", "returns": ["Purchased"], "periods": 2}
    in_utc = Journeys(tmp_path / "utc")
    in_shanghai = shanghai_workspace(tmp_path / "shanghai")
    try:
        for journeys in (in_utc, in_shanghai):
            journeys.send(*zoe)
        # UTC: cohort W0 (3 March), purchase in the next week. Now (her purchase) is in W1.
        utc = engine.run(in_utc.ws, "retention", **query)
        assert matrix(utc.cohorts) == {date(2025, 3, 3): (1, [0, 1])}
        # Shanghai: both on Monday 10 March: cohort W1, purchase in period 0.
        local = engine.run(in_shanghai.ws, "retention", **query)
        assert matrix(local.cohorts) == {date(2025, 3, 10): (1, [1])}
        assert local.cohorts[0].periods[0].in_progress
        by_day = engine.run(in_shanghai.ws, "retention", period="day", **query)
        assert matrix(by_day.cohorts) == {date(2025, 3, 10): (1, [1])}
        utc_by_day = engine.run(in_utc.ws, "retention", period="day", **query)
        assert matrix(utc_by_day.cohorts) == {date(2025, 3, 9): (1, [0, 1])}
    finally:
        in_utc.close()
        in_shanghai.close()


def test_month_periods(tmp_path, engine):
    journeys = Journeys(tmp_path / "ws")
    try:
        journeys.send(
            at(datetime(2025, 1, 31, 23), "amy", "Signed Up"),
            at(datetime(2025, 3, 1, 0, 30), "amy", "Purchased"),  # two months later
            at(datetime(2025, 2, 1), "ben", "Signed Up"),
            at(datetime(2025, 2, 28, 23), "ben", "Purchased"),  # same month
        )
        result = engine.run(
            journeys.ws, "retention", start="Signed Up", returns=["Purchased"], period="month"
        )
        # Now is 1 March: January shows months 0–2, February 0–1 (March in progress).
        assert matrix(result.cohorts) == {
            date(2025, 1, 1): (1, [0, 0, 1]),
            date(2025, 2, 1): (1, [1, 0]),
        }
    finally:
        journeys.close()


def test_bad_queries_say_what_to_do():
    with pytest.raises(AnalysisError, match=r"properties\.KEY"):
        RetentionQuery.parse({"breakdown": "password; DROP"})
    with pytest.raises(AnalysisError, match="periods"):
        RetentionQuery.parse({"periods": 0})
    with pytest.raises(AnalysisError, match="retained"):
        RetentionQuery.parse({"retained": "before"})
    with pytest.raises(AnalysisError, match="date_to must be after"):
        range_indexes(Tables(backend=None), datetime(2025, 3, 5), datetime(2025, 3, 4), "day")  # type: ignore[arg-type]
    query = RetentionQuery.parse({"start": "Signed Up where properties.plan = pro and revenue > 3"})
    assert query.start.events == ("Signed Up",)
    assert [f.property for f in query.start.filters] == ["properties.plan", "revenue"]
    assert RetentionQuery.parse({"start": "*"}).start.events == ()
    assert RetentionQuery.parse({}).start is None  # any behavioural event


HOSTILE = ["x'; DROP TABLE events; --", 'quo"te', "back\\slash", "名字", "🙂"]


def test_hostile_names_are_values_not_sql(shop, engine):
    for name in HOSTILE:
        result = engine.run(shop, "retention", start=name, returns=[name], periods=1)
        assert result.cohorts == []
        filtered = engine.run(
            shop,
            "retention",
            start={
                "events": ["Signed Up"],
                "filters": [{"property": f"properties.{name}", "value": name}],
            },
            periods=1,
        )
        assert all(c.size == 0 for c in filtered.cohorts)
        broken = engine.run(shop, "retention", breakdown=f"properties.{name}", **SIGNUP_TO_PURCHASE)
        assert [g.value for g in broken.breakdown] == [None]
    assert shop.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(JOURNEYS)


users = st.sampled_from(["u1", "u2", "u3", "u4", "u5"])
names = st.sampled_from(["A", "B"])
hours = st.floats(min_value=0, max_value=24 * 40, allow_nan=False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(users, names, hours), min_size=1, max_size=25))
def test_retained_never_exceeds_the_cohort(tmp_path_factory, journey):
    shop = Journeys(tmp_path_factory.mktemp("prop") / "ws")
    try:
        shop.send(*[at(T0 + timedelta(hours=h), user, name) for user, name, h in journey])
        starts = {u for u, n, _ in journey if n == "A"}
        for cohort in ("first_time", "recurring"):
            for retained in ("on", "on_or_after"):
                for period in ("day", "week"):
                    result = shop.ws.retention(
                        start="A", returns=["A"], cohort=cohort, retained=retained,
                        period=period, periods=5,
                    )  # fmt: skip
                    for c in result.cohorts:
                        assert all(0 <= p.retained <= c.size for p in c.periods)
                        if c.size:  # the start event is its own return in period 0
                            assert c.periods[0].retained == c.size
                        if retained == "on_or_after":
                            counts = [p.retained for p in c.periods]
                            assert counts == sorted(counts, reverse=True)
                    if cohort == "first_time":
                        assert sum(c.size for c in result.cohorts) == len(starts)
                    mixed = shop.ws.retention(
                        start="A", returns=["B"], cohort=cohort, retained=retained, period=period
                    )
                    assert all(p.retained <= c.size for c in mixed.cohorts for p in c.periods)
    finally:
        shop.close()


def test_the_cli_and_the_http_api_give_the_python_answer(tmp_path):
    import json

    import httpx

    from tests.conftest import Server, cli, create_key

    workspace = tmp_path / "ws"
    journeys = Journeys(workspace)
    journeys.send(*JOURNEYS)
    expected = journeys.ws.retention(**SIGNUP_TO_PURCHASE).to_dict()
    journeys.close()
    base = ["retention", "--workspace", str(workspace), "--start", "Signed Up"]
    base += ["--return", "Purchased", "--periods", "4"]
    printed = cli(*base, "--format", "json")
    assert json.loads(printed.stdout) == expected
    as_csv = cli(*base, "--format", "csv").stdout.splitlines()
    header = "cohort,size,period_0,period_1,period_2,period_3,period_4,in_progress_from"
    assert as_csv[0] == header
    assert as_csv[1] == "average,5,0.2,0.25,0.25,0.5,,"
    # W0's period 4 is W4, in progress at the latest event: flagged, not a final 0.
    assert as_csv[2] == "2025-03-03,2,0.0,0.5,0.5,0.5,0.0,4"
    assert as_csv[3].endswith(",3")  # W1's period 3 is W4 too

    admin = create_key(workspace, "admin")
    server = Server(workspace).start()
    try:
        body = {"start": "Signed Up", "returns": ["Purchased"], "periods": 4}
        answer = httpx.post(f"{server.url}/api/retention", json=body, auth=(admin, ""))
        assert answer.status_code == 200 and answer.json() == expected
        params = [("start", "Signed Up"), ("return", "Purchased"), ("periods", "4")]
        get = httpx.get(f"{server.url}/api/retention", params=params, auth=(admin, ""))
        assert get.status_code == 200 and get.json() == expected
        bad = httpx.post(f"{server.url}/api/retention", json={"periods": 0}, auth=(admin, ""))
        assert bad.status_code == 400 and "periods" in bad.json()["message"]
    finally:
        server.stop()
