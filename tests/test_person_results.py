"""Per-person result tables: RFM saved in the engine, read back, and the message before."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from journeylens.analyses.rfm import RfmQuery
from journeylens.store import person_results
from journeylens.store.person_results import NothingSavedError
from journeylens.workspace import Workspace
from tests.analyses.test_rfm import JOURNEYS, W_FROM, W_TO
from tests.conftest import cli
from tests.journeys import Journeys


def test_rfm_save_writes_what_the_analysis_answers(tmp_path):
    journeys = Journeys(tmp_path / "ws")
    journeys.send(*JOURNEYS)
    ws = journeys.ws
    try:
        with pytest.raises(NothingSavedError, match="run `journeylens rfm --save` first"):
            person_results.rfm_tiers(ws.tables)
        query = RfmQuery.parse({"date_from": W_FROM, "date_to": W_TO, "persons": True})
        written = person_results.save_rfm(ws.con, ws.tables, query)
        # Six customers in W (tests/analyses/test_rfm.py works them out).
        assert written["persons"] == 6 and written["window_end"] == W_TO
        stored = ws.con.execute(
            "SELECT person_id, recency_days, frequency, monetary, r_score, f_score, m_score,"
            " rfm_score, tier, window_start, window_end FROM person_rfm ORDER BY person_id"
        ).fetchall()
        expected = [
            (*p.model_dump().values(), W_FROM, W_TO) for p in ws.rfm(**query.model_dump()).persons
        ]
        assert stored == [tuple(row) for row in expected]
        tiers = ws.tables.execute(person_results.rfm_tiers(ws.tables))
        assert sorted(tiers["tier"]) == sorted(
            ["champions", "champions", "promising", "about to sleep", "at risk", "lost"]
        )
        # A second save replaces the table: a window with dan alone leaves one row.
        alone = RfmQuery.parse({"date_from": datetime(2025, 1, 1), "window_days": 10})
        assert person_results.save_rfm(ws.con, ws.tables, alone)["persons"] == 1
        assert ws.con.execute("SELECT tier FROM person_rfm").fetchall() == [("lost",)]
    finally:
        journeys.close()


def test_rfm_save_from_the_cli(tmp_path):
    path = tmp_path / "ws"
    journeys = Journeys(path)
    journeys.send(*JOURNEYS)
    journeys.close()
    window = ("--from", "2025-01-01", "--to", "2025-04-01")
    done = cli("rfm", "-w", str(path), *window, "--save")
    assert "Saved 6 persons to person_rfm." in done.stdout
    shown = cli("rfm", "-w", str(path), *window).stdout
    assert "RFM tiers, 2025-01-01 – 2025-03-31" in shown
    assert "Customers by recency (R) and frequency (F) score" in shown and "Movement since" in shown
    listed = cli(
        "rfm", "-w", str(path), *window, "--persons", "--tier", "champions", "--format", "csv"
    )
    assert len(listed.stdout.strip().splitlines()) == 3  # a header, ann and bob
    again = cli("rfm", "-w", str(path), "--days", "10", "--save", "--format", "json")
    # The default window ends on 2 April (the latest order, eve's, is at 00:00 on the 1st):
    # in [23 March, 2 April) ann, bob and eve have orders (cat's is the 20th).
    assert json.loads(again.stdout)["persons"] == 3
    with Workspace.open(path, read_only=True) as ws:
        assert ws.con.execute("SELECT count(*) FROM person_rfm").fetchone() == (3,)


def test_personas_save_from_the_cli(tmp_path):
    from tests.analyses.test_personas import GROUPS, group_journeys

    path = tmp_path / "ws"
    journeys = Journeys(path)
    journeys.send(*group_journeys())
    journeys.close()
    window = ("--from", "2025-01-01", "--to", "2025-04-01")
    done = cli("personas", "-w", str(path), *window, "--k", "3", "--save", "--format", "json")
    written = json.loads(done.stdout)
    # Every person of the three groups, in three personas (tests/analyses/test_personas.py).
    assert (written["persons"], written["k"]) == (sum(map(len, GROUPS.values())), 3)
    with Workspace.open(path, read_only=True) as ws:
        rows = ws.con.execute(
            "SELECT count(DISTINCT cluster), count(DISTINCT persona) FROM person_personas"
        ).fetchone()
        assert rows == (3, 3)
        assert len(ws.tables.execute(person_results.personas(ws.tables))) == 12
    shown = cli("personas", "-w", str(path), *window, "--k", "3")
    assert "persona" in shown.stdout and "distinguished by" in shown.stdout


def test_a_merge_drops_the_saved_rows_of_the_person_merged_away(tmp_path):
    from tests.journeys import identify

    journeys = Journeys(tmp_path / "ws")
    # An anonymous buyer (order of 30 on 1 March) and a customer (order of 50 on 2 March).
    journeys.send(
        at_anon(datetime(2025, 3, 1), "device-1", 30, "o1"),
        at_anon(datetime(2025, 3, 2), None, 50, "o2", user="zoe"),
    )
    ws = journeys.ws
    try:
        anon, zoe = journeys.person_of("device-1"), journeys.person_of("zoe")
        query = RfmQuery.parse({"date_from": datetime(2025, 1, 1), "date_to": datetime(2025, 4, 1)})
        assert person_results.save_rfm(ws.con, ws.tables, query)["persons"] == 2
        journeys.send(identify("zoe", "device-1"))  # the device was zoe's: merged into her
        left = ws.con.execute("SELECT person_id FROM person_rfm").fetchall()
        assert left == [(zoe,)] and anon != zoe
    finally:
        journeys.close()


def at_anon(when, anonymous_id, revenue, order_id, user=None):
    message = {
        "type": "track",
        "event": "Order Completed",
        "timestamp": when.isoformat() + "Z",
        "properties": {"revenue": revenue, "order_id": order_id},
    }
    if anonymous_id:
        message["anonymousId"] = anonymous_id
    if user:
        message["userId"] = user
    return message
