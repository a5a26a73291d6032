"""Group commit: grouping, isolation of a failing request, back-pressure, and 503 + Retry-After."""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest

from journeylens.ingest import segment
from journeylens.ingest.normalize import utc_now
from journeylens.store.writer import QueueFull, Writer
from journeylens.workspace import Workspace
from tests.conftest import Server, create_key


def rows(*message_ids: str) -> list[dict]:
    batch = [
        {"type": "track", "event": "E", "anonymousId": "a", "messageId": m} for m in message_ids
    ]
    return segment.parse_body({"batch": batch}, route_type=None, received_at=utc_now()).rows


def test_requests_queued_together_commit_in_one_transaction(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    writer = Writer(ws.con)  # not started yet: requests pile up in the queue
    futures = [writer.submit(rows(f"m{i}")) for i in range(5)]
    writer.start()
    for future in futures:
        future.result(10)
    writer.stop()
    assert writer.commits == 1
    assert ws.con.execute("SELECT count(*) FROM events").fetchone()[0] == 5


def test_a_failing_request_does_not_fail_its_neighbours(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    writer = Writer(ws.con)
    poisoned = rows("bad")
    poisoned[0]["revenue"] = "not a number"  # cannot become a DOUBLE column
    good_before = writer.submit(rows("g1", "g2"))
    bad = writer.submit(poisoned)
    good_after = writer.submit(rows("g3"))
    writer.start()
    assert good_before.result(10).inserted == 2
    assert good_after.result(10).inserted == 1
    with pytest.raises(Exception):  # noqa: B017 - any storage error reaches the request
        bad.result(10)
    # The writer keeps working, and its identity graph is consistent with the database.
    assert writer.write(rows("g4")).inserted == 1
    writer.stop()
    ids = {r[0] for r in ws.con.execute("SELECT message_id FROM events").fetchall()}
    assert ids == {"g1", "g2", "g3", "g4"}
    assert ws.con.execute("SELECT count(*) FROM identities").fetchone()[0] == 1


def test_a_full_queue_refuses_instead_of_growing(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    writer = Writer(ws.con, max_queued_events=3)
    writer.submit(rows("m1", "m2"))
    with pytest.raises(QueueFull):
        writer.submit(rows("m3", "m4"))
    writer.start()
    writer.stop()
    assert ws.con.execute("SELECT count(*) FROM events").fetchone()[0] == 2


@pytest.mark.slow
def test_server_answers_503_with_retry_after_when_busy_and_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYLENS_MAX_JOURNAL_LAG_MB", "0.01")
    workspace = tmp_path / "ws"
    key = create_key(workspace, "write")
    server = Server(workspace).start()
    bodies = [
        {
            "batch": [
                {"type": "track", "event": "E", "anonymousId": f"a{r}", "messageId": f"r{r}-{i}"}
                for i in range(100)
            ]
        }
        for r in range(40)
    ]

    def send(body: dict) -> list[int]:
        statuses = []
        with httpx.Client(timeout=30) as http:
            while True:
                response = http.post(f"{server.url}/v1/batch", json=body, auth=(key, ""))
                statuses.append(response.status_code)
                if response.status_code == 503:
                    assert int(response.headers["Retry-After"]) >= 1
                    assert response.json()["code"] == "queue_full"
                    continue
                assert response.status_code == 200
                return statuses

    try:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = [s for result in pool.map(send, bodies) for s in result]
    finally:
        server.stop()
    assert 503 in statuses, "the queue never filled; lower the limit"
    with Workspace.open(workspace) as ws:
        assert ws.con.execute(
            "SELECT count(DISTINCT message_id), count(*) FROM events"
        ).fetchone() == (4000, 4000)


def test_a_workspace_that_ran_an_analysis_still_stores_merges_and_traits(tmp_path):
    # Ibis turns off DuckDB's lookup of Python variables on the connection it wraps, and the
    # workspace wraps its own: the batches the writer hands to SQL must not depend on it.
    ws = Workspace.init(tmp_path / "ws")
    assert ws.con.execute("SELECT current_setting('python_enable_replacements')").fetchone()
    ws.events.count().execute()  # the workspace's Ibis backend now wraps ws.con
    assert ws.con.execute("SELECT current_setting('python_enable_replacements')").fetchone() == (
        False,
    )
    writer = Writer(ws.con).start()
    messages = [
        {"type": "track", "event": "Viewed", "anonymousId": "device-1", "messageId": "m1"},
        {"type": "identify", "userId": "ann", "anonymousId": "device-1", "messageId": "m2",
         "traits": {"email": "ann@example.com", "city": "Leeds"}},
    ]  # fmt: skip
    parsed = segment.parse_body({"batch": messages}, route_type=None, received_at=utc_now())
    assert writer.write(parsed.rows).inserted == 2
    writer.stop()
    people = ws.con.execute("SELECT count(*), any_value(city) FROM persons").fetchone()
    assert people == (1, "Leeds")  # one person (device and user merged), traits stored
    assert ws.con.execute("SELECT count(*) FROM identities").fetchone()[0] == 3  # + email:
