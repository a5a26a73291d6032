"""What every analysis relies on: filters, property access, periods in the workspace time zone,
and the CLI/HTTP surfaces generated from the registry."""

from __future__ import annotations

from datetime import datetime

import pytest

from journeylens.analyses import registry
from journeylens.analyses.base import AnalysisError, parse_duration
from journeylens.analyses.expr import Filter, apply_filters, period_start, property_parts
from journeylens.workspace import Workspace, WorkspaceConfigError
from tests.journeys import Journeys, at

T0 = datetime(2025, 3, 2, 20, 0)  # a Sunday, 20:00 UTC = Monday 04:00 in Shanghai
HOSTILE_KEY = "x'; DROP TABLE events; --"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    journeys = Journeys(tmp_path_factory.mktemp("framework") / "ws")
    journeys.send(
        at(T0, "ann", "Viewed", properties={"plan": "pro", "price": 12, "it's": "yes"}),
        at(T0, "bob", "Viewed", properties={"plan": "free", "price": "5"}),
        at(T0, "cat", "Viewed", properties={"名字": "猫", HOSTILE_KEY: "boom"}),
    )
    yield journeys.ws
    journeys.close()


def matching(engine, ws, *filters: str) -> int:
    tables = engine.tables(ws)
    chosen = apply_filters(tables.events, [Filter.model_validate(f) for f in filters])
    return int(tables.execute(chosen.count()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("properties.plan = pro", 1),  # ann
        ("properties.plan != pro", 2),  # bob, and cat who has no plan
        ("properties.price > 6", 1),  # ann's 12 (bob's "5" is text holding a number: 5 < 6)
        ("properties.price <= 5", 1),  # bob
        ("properties.plan is set", 2),  # ann, bob
        ("properties.plan is not set", 1),  # cat
        ("properties.plan contains r", 2),  # pRo, fRee
        ("properties.plan not contains r", 1),  # cat (no plan)
        ("properties.it's = yes", 1),  # a quote in a key is just a key
        ("properties.名字 = 猫", 1),
        (f"properties.{HOSTILE_KEY} = boom", 1),  # the hostile key is data: cat has it
        ("properties.plan = pro' OR '1'='1", 0),  # a hostile value matches nothing
        ("channel = other", 3),  # no library and no page context: channel "other"
        ("event = Viewed", 3),
    ],
)
def test_filters_bind_names_and_values(shop, engine, text, expected):
    assert matching(engine, shop, text) == expected
    assert shop.con.execute("SELECT count(*) FROM events").fetchall() == [(3,)]


def test_filters_combine_with_and(shop, engine):
    assert matching(engine, shop, "properties.plan is set", "properties.price > 6") == 1


@pytest.mark.parametrize(
    "text",
    ["plan = pro", "properties = x", "properties.price > cheap", "nothing here", "person.age = 3"],
)
def test_bad_filters_say_what_to_write(text):
    with pytest.raises(ValueError, match=r"KEY|e.g.|compare with a number|PROPERTY OP VALUE"):
        Filter.model_validate(text)


def test_property_paths():
    assert property_parts("context.library.name") == ("context", ("library", "name"))
    assert property_parts("person.traits.plan") == ("person_traits", ("plan",))
    assert property_parts("person.country") == ("person_country", ())
    with pytest.raises(AnalysisError, match="Unknown property"):
        property_parts("password; DROP")


def test_durations():
    assert parse_duration("2w").days == 14
    assert parse_duration("36h").total_seconds() == 36 * 3600
    assert parse_duration("none") is None
    with pytest.raises(AnalysisError, match="14d"):
        parse_duration("fortnight")


def test_days_and_weeks_are_cut_in_the_workspace_time_zone(tmp_path, engine):
    utc = Journeys(tmp_path / "utc")
    shanghai = Journeys(tmp_path / "shanghai")
    config = shanghai.ws.path / "config.toml"
    config.write_text(config.read_text().replace('"UTC"', '"Asia/Shanghai"'))
    for journeys in (utc, shanghai):
        journeys.send(at(T0, "ann", "Viewed"))
        journeys.close()
    expected = {
        # Sunday 20:00 UTC: Sunday's day, and the week that began on Monday 24 February.
        "utc": (datetime(2025, 3, 2), datetime(2025, 2, 24), datetime(2025, 3, 1)),
        # Monday 04:00 in Shanghai: Monday's day, a new week, still March.
        "shanghai": (datetime(2025, 3, 3), datetime(2025, 3, 3), datetime(2025, 3, 1)),
    }
    for name, cuts in expected.items():
        with Workspace.open(tmp_path / name, read_only=True) as ws:
            tables = engine.tables(ws)
            events = tables.events
            periods = events.select(
                day=period_start(tables, events.timestamp, "day"),
                week=period_start(tables, events.timestamp, "week"),
                month=period_start(tables, events.timestamp, "month"),
            )
            row = tables.execute(periods).iloc[0]
            assert (row["day"], row["week"], row["month"]) == cuts, name


def test_an_unknown_time_zone_is_refused_with_a_hint(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    config = tmp_path / "ws" / "config.toml"
    config.write_text(config.read_text().replace('"UTC"', '"Mars/Olympus"'))
    with pytest.raises(WorkspaceConfigError, match="IANA"):
        Workspace.open(tmp_path / "ws")


def test_every_analysis_has_a_cli_command_and_an_api_route():
    from typer.main import get_command

    from journeylens.cli.main import app
    from journeylens.web.api import router

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    routes = {(route.path, method) for route in router.routes for method in route.methods}
    for analysis in registry.analyses().values():
        assert analysis.name.replace("_", "-") in commands
        assert (f"/api/{analysis.path}", "POST") in routes
        assert (f"/api/{analysis.path}", "GET") in routes
        assert analysis.summary


def test_every_analysis_is_documented():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "analyses.md").read_text()
    for analysis in registry.analyses().values():
        assert f"| `{analysis.name}` | `/api/{analysis.path}` |" in page, analysis.name
