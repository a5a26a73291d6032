"""The tables the importers write, read back from Python through ``Workspace`` properties.

One customer, ``c1``, bought a phone and two cases in one order on the web and reviewed the
phone two days later; the numbers below follow from those two small files.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from journeylens.cli.importing import run_import
from journeylens.workspace import Workspace

ORDERS_CSV = """\
order_id,customer_id,order_date,channel,product_id,product_name,category,price,quantity
o1,c1,2024-05-02T09:00:00Z,web,p1,Phone,phones,699,1
o1,c1,2024-05-02T09:00:00Z,web,p2,Case,accessories,19,2
"""

FEEDBACK_CSV = """\
review_id,customer_id,created_at,channel,product_id,order_id,rating,text
r1,c1,2024-05-04T18:30:00Z,app,p1,o1,4,"Good phone, the case scratches"
"""


def _imported(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    (tmp_path / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    (tmp_path / "feedback.csv").write_text(FEEDBACK_CSV, encoding="utf-8")
    assert run_import(workspace, "orders", tmp_path / "orders.csv", show_progress=False).imported
    assert run_import(
        workspace, "feedback", tmp_path / "feedback.csv", show_progress=False
    ).imported
    return workspace


def test_orders_order_lines_and_feedback_are_ibis_tables(tmp_path):
    with Workspace.open(_imported(tmp_path), read_only=True) as ws:
        orders = ws.orders.to_pandas().to_dict("records")
        lines = ws.order_lines.order_by("line").to_pandas().to_dict("records")
        feedback = ws.feedback.to_pandas().to_dict("records")
        customer = ws.persons.filter(ws.persons.person_id == orders[0]["person_id"]).to_pandas()

    assert [
        (o["order_id"], o["user_id"], o["ordered_at"], o["revenue"], o["channel"], o["status"])
        for o in orders
    ] == [("o1", "c1", datetime(2024, 5, 2, 9, 0), 699 + 2 * 19, "web", "completed")]
    assert [
        (x["order_id"], x["line"], x["product_id"], x["name"], x["price"], x["quantity"])
        for x in lines
    ] == [
        ("o1", 0, "p1", "Phone", 699.0, 1.0),
        ("o1", 1, "p2", "Case", 19.0, 2.0),
    ]
    assert [
        (f["feedback_id"], f["user_id"], f["kind"], f["rating"], f["product_id"], f["order_id"])
        for f in feedback
    ] == [("r1", "c1", "review", 4.0, "p1", "o1")]
    assert feedback[0]["text"] == "Good phone, the case scratches"
    assert feedback[0]["created_at"] == datetime(2024, 5, 4, 18, 30)
    # The order and the review belong to the same person, the one customer c1 became.
    assert feedback[0]["person_id"] == orders[0]["person_id"]
    assert customer["is_identified"].tolist() == [True]


def test_order_lines_join_their_orders_without_sql(tmp_path):
    """A line's order is one join away: the lines of o1 add up to its revenue (699 + 2 × 19)."""
    with Workspace.open(_imported(tmp_path), read_only=True) as ws:
        lines = ws.order_lines
        joined = lines.join(ws.orders, "order_id")
        totals = (
            joined.group_by("order_id")
            .agg(lines_total=(joined.price * joined.quantity).sum(), revenue=joined.revenue.max())
            .to_pandas()
            .to_dict("records")
        )
        assert ws.table("order_items").count().execute() == 2  # the store's own name still works
    assert totals == [{"order_id": "o1", "lines_total": 737.0, "revenue": 737.0}]
