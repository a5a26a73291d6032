"""Tracking plans: flag and block modes on the collector and the importers, check and infer."""

from __future__ import annotations

import json

import httpx

from journeylens.cli.importing import run_import
from journeylens.plan.model import TrackingPlan
from journeylens.workspace import Workspace
from tests.conftest import cli

PLAN = """\
mode: {mode}
allow_unplanned: true
events:
  Order Completed:
    properties:
      type: object
      required: [order_id, total]
      properties:
        order_id: {{type: string}}
        total: {{type: number, minimum: 0}}
"""

GOOD = {
    "userId": "u1",
    "event": "Order Completed",
    "properties": {"order_id": "o1", "total": 10},
    "messageId": "good",
}
NEGATIVE = {
    "userId": "u1",
    "event": "Order Completed",
    "properties": {"order_id": "o2", "total": -5},
    "messageId": "negative",
}
MISSING = {
    "userId": "u1",
    "event": "Order Completed",
    "properties": {"total": 3},
    "messageId": "missing",
}
UNPLANNED = {"userId": "u1", "event": "Whatever Happened", "messageId": "unplanned"}


def _apply(workspace, mode: str, tmp_path) -> None:
    plan = tmp_path / f"plan-{mode}.yaml"
    plan.write_text(PLAN.format(mode=mode))
    result = cli("plan", "apply", str(plan), "--workspace", str(workspace))
    assert f"mode {mode}" in result.stdout


def _send(server, keys, *messages):
    batch = [{"type": "track", **m} for m in messages]
    return httpx.post(f"{server.url}/v1/batch", json={"batch": batch}, auth=(keys["write"], ""))


def test_block_mode_rejects_violating_events_with_the_reason(server, keys, tmp_path):
    _apply(server.workspace, "block", tmp_path)  # the running server picks it up
    response = _send(server, keys, GOOD, NEGATIVE, MISSING, UNPLANNED)
    assert response.status_code == 200
    rejected = {r["index"]: r for r in response.json()["rejected"]}
    assert set(rejected) == {1, 2}
    assert rejected[1]["code"] == "plan_violation" and "total" in rejected[1]["message"]
    assert "order_id" in rejected[2]["message"] and "missing" in rejected[2]["message"]
    server.stop()
    with Workspace.open(server.workspace) as ws:
        stored = {r[0] for r in ws.con.execute("SELECT message_id FROM events").fetchall()}
        failed = ws.con.execute(
            "SELECT message_id, code FROM failed_events ORDER BY message_id"
        ).fetchall()
    assert stored == {"good", "unplanned"}
    assert failed == [("missing", "plan_violation"), ("negative", "plan_violation")]


def test_flag_mode_stores_events_and_records_violations(server, keys, tmp_path):
    _apply(server.workspace, "flag", tmp_path)
    assert _send(server, keys, GOOD, NEGATIVE, MISSING).json()["rejected"] == []
    server.stop()
    with Workspace.open(server.workspace) as ws:
        assert ws.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3
        violations = ws.con.execute(
            "SELECT message_id, event, property, code, mode FROM plan_violations ORDER BY message_id"
        ).fetchall()
    assert violations == [
        ("missing", "Order Completed", "order_id", "required", "flag"),
        ("negative", "Order Completed", "total", "minimum", "flag"),
    ]


def test_importers_follow_the_plan_too(tmp_path):
    workspace = tmp_path / "ws"
    _apply(workspace, "block", tmp_path)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,order_date,revenue\n"
        "o1,c1,2024-01-01T00:00:00Z,10\n"
        "o2,c1,2024-01-02T00:00:00Z,-4\n"
    )
    summary = run_import(workspace, "orders", orders, show_progress=False)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert summary.errors[0][0] == 3 and "total" in summary.errors[0][1]


def test_check_reports_per_event_and_property_and_infer_drafts_a_plan(tmp_path):
    workspace = tmp_path / "ws"
    events = tmp_path / "events.jsonl"
    rows = [
        {
            "user_id": "u1",
            "event": "Order Completed",
            "timestamp": "2024-01-01T00:00:00Z",
            "order_id": "o1",
            "total": 5,
        },
        {
            "user_id": "u1",
            "event": "Order Completed",
            "timestamp": "2024-01-02T00:00:00Z",
            "order_id": "o2",
            "total": -1,
        },
        {
            "user_id": "u1",
            "event": "Order Completed",
            "timestamp": "2024-01-03T00:00:00Z",
            "total": 2,
        },
        {
            "user_id": "u2",
            "event": "Product Viewed",
            "timestamp": "2024-01-03T00:00:00Z",
            "sku": "s1",
            "price": 3,
        },
        {
            "user_id": "u2",
            "event": "Product Viewed",
            "timestamp": "2024-01-04T00:00:00Z",
            "sku": "s2",
            "price": 3.5,
            "note": "x",
        },
    ]
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run_import(workspace, "events", events, show_progress=False)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(mode="flag"))
    report = json.loads(
        cli("plan", "check", "--workspace", str(workspace), "--plan", str(plan), "--json").stdout
    )
    by_event = {e["event"]: e for e in report["events"]}
    assert by_event["Order Completed"] == {
        "event": "Order Completed",
        "checked": 3,
        "violating": 2,
        "planned": True,
    }
    assert by_event["Product Viewed"]["planned"] is False
    assert {(v["property"], v["code"], v["count"]) for v in report["violations"]} == {
        ("total", "minimum", 1),
        ("order_id", "required", 1),
    }

    drafted = tmp_path / "draft.yaml"
    cli("plan", "infer", "--workspace", str(workspace), "--output", str(drafted))
    draft = TrackingPlan.load(drafted)
    viewed = draft.events["Product Viewed"]["properties"]
    assert viewed["required"] == ["price", "sku"]  # "note" appears in only one of two
    assert viewed["properties"]["price"] == {"type": "number"}  # 3 and 3.5
    assert draft.events["Order Completed"]["properties"]["required"] == ["total"]
    # The draft accepts the data it was drawn from.
    assert draft.check("Product Viewed", {"sku": "s9", "price": 1}) is None
