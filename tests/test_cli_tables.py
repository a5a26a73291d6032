"""What a person sees at 80 columns: every analysis command's table and help, read as text.

The journeys (UTC, Monday 2 March 2026): alice looks at the home page, views a product,
starts checkout 84 s later and orders 30 s after that (1,234.25 USD), and views a product
again the next day; bob views and starts checkout 84 s later; carol only views; dan only
looks at the home page (a bounce). The expected cells follow from them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from journeylens.analyses import registry
from journeylens.cli.tables import Column, cell, duration
from tests.conftest import cli
from tests.journeys import Journeys, at

MONDAY = datetime(2026, 3, 2, 10, 0)
WIDTH = 80


def page(when: datetime, user: str, path: str) -> dict:
    stamp = when.isoformat() + "Z"
    return {"type": "page", "userId": user, "properties": {"path": path}, "timestamp": stamp}


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> str:
    where = tmp_path_factory.mktemp("tables") / "ws"
    journeys = Journeys(where)
    order = {"properties": {"order_id": "o1", "revenue": 1234.25, "currency": "USD"}}
    journeys.send(
        page(MONDAY, "alice", "/"),
        at(MONDAY + seconds(10), "alice", "Product Viewed"),
        at(MONDAY + seconds(94), "alice", "Checkout Started"),
        at(MONDAY + seconds(124), "alice", "Order Completed", **order),
        at(MONDAY + timedelta(days=1), "alice", "Product Viewed"),
        at(MONDAY + timedelta(hours=1), "bob", "Product Viewed"),
        at(MONDAY + timedelta(hours=1, seconds=84), "bob", "Checkout Started"),
        at(MONDAY + timedelta(hours=2), "carol", "Product Viewed"),
        page(MONDAY + timedelta(hours=3), "dan", "/"),
    )
    journeys.close()
    return str(where)


def table(shop: str, *args: str) -> str:
    """The command's table as printed to a pipe in an 80-column terminal, checked for width."""
    printed = cli(*args, "--workspace", shop, env={"COLUMNS": str(WIDTH)})
    text = printed.stdout
    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert not too_wide, f"{args[0]}: lines over {WIDTH} columns:\n" + "\n".join(too_wide)
    assert "…" not in text, f"{args[0]} cut a value short:\n{text}"
    return text


def words(text: str) -> list[list[str]]:
    """Each line's cells: the runs of text between two or more spaces."""
    return [[c for c in re.split(r"\s{2,}", line.strip()) if c] for line in text.splitlines()]


def test_funnel_rates_are_percentages_and_times_have_units(shop):
    text = table(shop, "funnel", "--step", "Product Viewed", "--step", "Checkout Started",
                 "--step", "Order Completed")  # fmt: skip
    rows = words(text)
    # 3 viewed; 2 started checkout, both 84 s after viewing; 1 ordered, 30 s after checkout.
    assert ["1. Product Viewed", "3", "100.0%", "100.0%", "0"] in rows
    assert ["2. Checkout Started", "2", "66.7%", "66.7%", "1", "1 min 24 s", "1 min 24 s"] in rows
    assert ["3. Order Completed", "1", "33.3%", "50.0%", "1", "30 s", "30 s"] in rows


def test_kpis_read_in_their_units(shop):
    text = table(shop, "kpis", "--from", "2026-03-02", "--to", "2026-03-03", "--no-compare")
    rows = words(text)
    # Active: all four (page views count); one of them bought: 25.0 %.
    assert ["active persons", "4"] in rows
    assert ["conversion rate", "25.0%"] in rows
    assert ["revenue (USD)", "1,234.25 USD"] in rows
    # Sessions of the day: alice 124 s, bob 84 s, carol and dan 0 s: a mean of 52 s.
    assert ["average session duration", "52 s"] in rows
    assert ["bounce rate", "50.0%"] in rows  # of alice's and dan's sessions with pages, dan's


def test_sessions_show_durations_and_rates(shop):
    text = table(shop, "sessions", "--period", "day", "--to", "2026-03-03")
    # 4 sessions of 4 persons; mean (124 + 84 + 0 + 0) / 4 = 52 s, median (84 + 0) / 2 = 42 s;
    # 2 with pages, one page each, dan's a bounce.
    assert ["2026-03-02", "4", "4", "52 s", "42 s", "2", "1", "50.0%"] in words(text)


def test_measures_and_trends_use_thousands_separators_and_dates(shop):
    measures = table(shop, "measures", "--measure", "sum(revenue of Order Completed)",
                     "--measure", "persons(*)", "--period", "total")  # fmt: skip
    assert ["total", "1,234", "4"] in words(measures)
    trends = table(shop, "trends", "--event", "Product Viewed", "--period", "week")
    # The week of Monday 2 March, a date, not a timestamp: alice twice, bob, carol; in
    # progress, as the data ends on its Tuesday.
    assert ["Product Viewed", "2026-03-02", "in progress", "4", "3"] in words(trends)


def test_retention_cells_are_percentages(shop):
    text = table(shop, "retention", "--period", "day", "--periods", "1",
                 "--from", "2026-03-02", "--to", "2026-03-04", "--now", "2026-03-05")  # fmt: skip
    # Four persons start on Monday; alice comes back on Tuesday.
    assert ["2026-03-02", "4", "100.0%", "25.0%"] in words(text)


def test_kpis_name_their_ranges_and_say_when_they_cannot_compare(shop):
    text = table(shop, "kpis", "--from", "2026-03-02", "--to", "2026-03-04",
                 "--now", "2026-03-05")  # fmt: skip
    rows = words(text)
    # Monday and Tuesday (the end is exclusive), against Saturday and Sunday before: nothing
    # happened then, so no KPI has a change.
    assert "KPIs, 2026-03-02 – 2026-03-03" in text
    assert "Previous period: 2026-02-28 – 2026-03-01." in text
    assert ["active persons", "4", "0", "no earlier data"] in rows
    assert ["revenue (USD)", "1,234.25 USD", "—", "no earlier data"] in rows
    # March and the week of 2 March go on after the range: their last value is starred.
    assert ["mau last (persons) *", "4", "0", "no earlier data"] in rows
    assert ["dau last (persons)", "1", "0", "no earlier data"] in rows  # Tuesday: alice
    assert "* in progress: that day, week or month goes on past the range or --now." in text


def test_retention_stars_cells_in_progress_and_leaves_future_ones_blank(shop):
    text = table(shop, "retention", "--period", "day", "--periods", "1",
                 "--from", "2026-03-02", "--to", "2026-03-04", "--now", "2026-03-03T12:00")  # fmt: skip
    rows = words(text)
    # At noon on Tuesday: Monday's cohort has day 1 under way (alice back: 25 %); Tuesday's
    # (nobody new) has day 0 under way and day 1 not started, a blank cell, not 0.
    assert ["2026-03-02", "4", "100.0%", "25.0%*"] in rows
    assert ["2026-03-03", "0", "0.0%*"] in rows
    assert "* in progress: the day has not ended" in text


def test_sessions_mark_the_day_in_progress(shop):
    text = table(shop, "sessions", "--period", "day", "--from", "2026-03-02",
                 "--to", "2026-03-04")  # fmt: skip
    # The data ends on Tuesday at 10:00 (alice's view): that day is still going on.
    rows = words(text)  # the mark makes the table fold: bounce rates come in a second part
    assert ["2026-03-03", "in progress", "1", "1", "0 s", "0 s", "0", "—"] in rows
    assert ["2026-03-02", "4", "4", "52 s", "42 s", "2", "1"] in rows


def test_lifecycle_marks_the_period_in_progress(shop):
    text = table(shop, "lifecycle", "--period", "day", "--from", "2026-03-02",
                 "--to", "2026-03-04", "--now", "2026-03-03T12:00")  # fmt: skip
    rows = words(text)
    # Monday: four new; Tuesday (not over at noon): alice returning, three dormant.
    assert ["2026-03-02", "4", "0", "0", "0", "4"] in rows
    assert ["2026-03-03", "in progress", "0", "1", "0", "3", "1"] in rows


def test_stickiness_shares_are_percentages(shop):
    text = table(shop, "stickiness", "--period", "week", "--now", "2026-03-09")
    rows = words(text)
    # In the week of 2 March alice was active on two days, the three others on one.
    assert ["2026-03-02", "1", "3", "75.0%"] in rows
    assert ["2026-03-02", "2", "1", "25.0%"] in rows


def test_paths_print_top_paths_entries_and_exits_with_their_brackets(shop):
    text = table(shop, "paths", "--per", "person")
    assert "Paths: top paths" in text
    assert "Entry points of paths that purchase" in text
    assert "Last steps of paths that do not purchase" in text
    # A path wraps in its column: read the column (the text before the two counts).
    top = text.split("Entry points")[0].splitlines()[3:]
    paths = " ".join(re.sub(r"(\s+[\d,]+){2}\s*$", "", line).strip() for line in top)
    # One path per person: alice's runs over both days, ending in [end] (not cut at 5 steps).
    alice = "/ → Product Viewed → Checkout Started → Order Completed → Product Viewed"
    assert f"[start] → {alice} → [end]" in paths
    assert "[start] → Product Viewed → Checkout Started → [end]" in paths  # bob's
    rows = words(text)
    assert ["/", "1", "1"] in rows  # the entry point of alice's path, the one that buys
    assert ["Checkout Started", "1", "1"] in rows  # bob's last step; carol's and dan's:
    assert ["Product Viewed", "1", "1"] in rows and rows.count(["/", "1", "1"]) == 2
    assert "1_" not in text and "2_" not in text  # no Sankey node names


def test_stages_print_their_three_tables(shop):
    text = table(shop, "stages")
    assert "Stage conversion" in text and "Persons per stage over time" in text
    assert "%" in text


@pytest.mark.parametrize("name", sorted(registry.analyses()))
def test_help_shows_defaults_as_typed(name):
    text = cli(name.replace("_", "-"), "--help", env={"COLUMNS": str(WIDTH)}).stdout
    assert "('" not in text and "<bool>" not in text and "<str>" not in text
    assert "…" not in text
    assert all(len(line) <= WIDTH for line in text.splitlines())


def test_help_lists_tuple_defaults_as_words():
    text = " ".join(cli("kpis", "--help", env={"COLUMNS": str(WIDTH)}).stdout.split())
    assert "(default: Support Ticket Created, Chat Started," in text.replace("│ ", "")
    assert "--no-compare" in text and "--compare/" not in text


def test_cell_formats():
    assert duration(84) == "1 min 24 s"
    assert duration(0) == "0 s" and duration(0.44) == "0.4 s" and duration(59.6) == "1 min 0 s"
    assert duration(2 * 3600 + 5 * 60) == "2 h 5 min" and duration(-6.9, signed=True) == "-6.9 s"
    assert duration(6 * 86400 + 20 * 3600 + 1) == "6 d 20 h"
    assert cell(0.2504, Column("r", "r", "percent")) == "25.0%"
    assert cell(0.004, Column("c", "c", "points")) == "+0.4 pt"
    assert cell(12345, Column("n", "n", "count")) == "12,345"
    assert cell("2026-03-02T00:00:00", Column("d", "d", "date")) == "2026-03-02"
    assert cell("[start]", Column("s", "s")) == "[start]"
    assert cell(None, Column("s", "s")) == "—"
