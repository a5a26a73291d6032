"""Customer activity means the customer did something (issue 12 item 1; analyses/behaviour.py).

T0 is Monday 3 March 2025, 10:00 UTC; weeks W0 = 3 March, W1 = 10 March, W2 = 17 March.
The business mails everyone in W1 and bob in W2, and delivers bob's order in W1: none of it
is something ann or bob did, so neither is active in W1.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from journeylens.analyses.base import NOT_ACTIVITY
from journeylens.workspace import Workspace, WorkspaceConfigError
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 3, 10, 0, 0)
W0, W1, W2 = (date(2025, 3, 3) + timedelta(weeks=k) for k in range(3))


def when(days: float, user: str, event: str) -> dict:
    return at(T0 + timedelta(days=days), user, event)


JOURNEYS = [
    when(0, "ann", "Viewed"),
    when(7, "ann", "Email Sent"),
    when(14, "ann", "Viewed"),
    when(0.05, "bob", "Viewed"),
    when(7, "bob", "Email Sent"),
    when(8, "bob", "Order Delivered"),
    when(14.1, "bob", "Email Sent"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("activity") / "ws")
    journeys.send(*JOURNEYS)
    yield journeys.ws
    journeys.close()


def test_the_default_list_is_the_documented_one(shop):
    assert "Email Sent" in NOT_ACTIVITY and "Order Delivered" in NOT_ACTIVITY
    assert shop.tables.not_activity == NOT_ACTIVITY


def test_lifecycle_active_means_the_customer_did_something(shop, engine):
    result = engine.run(shop, "lifecycle")
    active = {p.period_start: p.active for p in result.periods}
    assert active.get(W0) == 2 and active.get(W1, 0) == 0 and active.get(W2) == 1  # ann
    named = engine.run(shop, "lifecycle", events=["Email Sent"])
    active = {p.period_start: p.active for p in named.periods}
    assert active.get(W1) == 2 and active.get(W2) == 1  # bob's second mail


def test_stickiness_counts_only_activity(shop, engine):
    result = engine.run(shop, "stickiness", period="week")
    active = {p.period_start: p.active_persons for p in result.periods}
    assert active.get(W0) == 2 and active.get(W1, 0) == 0 and active.get(W2) == 1


def test_retention_returns_on_activity_unless_events_are_named(shop, engine):
    cohort = engine.run(shop, "retention", start="Viewed", period="week", periods=2).cohorts[0]
    assert cohort.cohort == W0 and cohort.size == 2
    assert [p.retained for p in cohort.periods] == [2, 0, 1]  # W1: mails only
    mails = engine.run(
        shop, "retention", start="Viewed", returns=["Email Sent"], period="week", periods=2
    ).cohorts[0]
    assert [p.retained for p in mails.periods][1:] == [2, 1]


def test_sessions_are_made_of_activity(shop, engine):
    result = engine.run(shop, "sessions", period="total")
    assert result.periods[0].sessions == 3  # ann W0, ann W2, bob W0: no session of a mail


def test_paths_leave_the_business_out_unless_it_is_the_start(shop, engine):
    result = engine.run(shop, "paths", per="person")
    steps = {s for path in result.top_paths for s in path.steps}
    assert "Email Sent" not in steps and "Order Delivered" not in steps
    after_mail = engine.run(shop, "paths", per="person", start_event="Email Sent")
    assert {tuple(p.steps[:2]) for p in after_mail.top_paths} >= {("Email Sent", "Viewed")}


def test_a_funnel_still_counts_a_named_business_event(shop, engine):
    result = engine.run(shop, "funnel", steps=["Email Sent", "Viewed"], window="14d")
    assert [s.users for s in result.steps] == [2, 1]  # ann views a week after her mail


def test_any_event_in_a_measure_is_activity(shop, engine):
    result = engine.run(
        shop, "measures", measures=["count(*)", "count(Email Sent)"], period="total"
    )
    assert result.value("count(*)") == 3  # the three views
    assert result.value("count(Email Sent)") == 3


def test_kpis_active_customers_are_the_same_persons(shop, engine):
    result = engine.run(
        shop, "kpis", date_from=T0 + timedelta(days=7), date_to=T0 + timedelta(days=13)
    )
    assert result.get("active_persons").value == 0  # W1: the business's doing only


def test_the_setting_lives_in_config_toml(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    config = tmp_path / "ws" / "config.toml"
    text = config.read_text()
    assert "[activity]" in text and '"Email Sent"' in text  # documented where it is set
    config.write_text(text.split("[activity]")[0] + '[activity]\nnot_activity = ["Viewed"]\n')
    with Workspace.open(tmp_path / "ws") as reopened:
        assert reopened.tables.not_activity == ("Viewed",)
    config.write_text('[activity]\nnot_activity = "Email Sent"\n')
    with pytest.raises(WorkspaceConfigError, match=r"not_activity must be a list of event names"):
        Workspace.open(tmp_path / "ws")


def test_an_empty_list_counts_every_event(tmp_path, engine):
    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    journeys.close()
    config = tmp_path / "ws" / "config.toml"
    config.write_text(config.read_text().split("[activity]")[0] + "[activity]\nnot_activity = []\n")
    with Workspace.open(tmp_path / "ws") as ws:
        active = {p.period_start: p.active for p in engine.run(ws, "lifecycle").periods}
    assert active.get(W1) == 2
