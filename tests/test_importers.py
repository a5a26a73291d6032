"""Importers on small hand-written files: good, bad, mixed, re-import, every format."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeylens.cli.importing import run_import
from journeylens.importers.mapping import MappingError
from journeylens.workspace import Workspace
from tests.conftest import cli

EVENTS_CSV = """\
customer_id,event_name,event_time,price,sku,note
c1,Product Viewed,2024-05-01 10:00:00,19.99,007,שלום עולם
c1,Product Added,2024-05-01 10:01:00,19.99,007,你好，世界
c2,,2024-05-01 11:00:00,5,1,
c3,Product Viewed,yesterday-ish,5,1,
c2,Product Viewed,1714557600,5,2,"two
lines"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def query(workspace: Path, sql: str) -> list[tuple]:
    with Workspace.open(workspace, read_only=True) as ws:
        return ws.con.execute(sql).fetchall()


def test_events_csv_good_and_bad_rows_and_reimport(tmp_path):
    ws = tmp_path / "ws"
    file = write(tmp_path / "events.csv", EVENTS_CSV)
    summary = run_import(ws, "events", file, tz="Asia/Shanghai", show_progress=False)
    assert (summary.rows_read, summary.imported, summary.rejected) == (5, 3, 2)
    # Line numbers are where a person would look: header is line 1.
    assert [line for line, _ in summary.errors] == [4, 5]
    assert "event" in summary.errors[0][1] and "timestamp" in summary.errors[1][1]
    rows = query(
        ws,
        "SELECT user_id, event, timestamp, properties->>'note', properties->'price' FROM events ORDER BY timestamp",
    )
    # 10:00 in Shanghai is 02:00 UTC; the epoch row is 2024-05-01T10:00:00Z.
    assert [r[2].isoformat() for r in rows] == [
        "2024-05-01T02:00:00",
        "2024-05-01T02:01:00",
        "2024-05-01T10:00:00",
    ]
    assert [r[3] for r in rows] == ["שלום עולם", "你好，世界", "two\nlines"]
    assert rows[0][4] == "19.99"  # a number, not the text "19.99"
    assert query(ws, "SELECT properties->>'sku' FROM events WHERE user_id = 'c1' LIMIT 1") == [
        ("007",)
    ]
    failed = query(ws, "SELECT batch_index, code, source FROM failed_events ORDER BY batch_index")
    assert failed == [(4, "missing_event", "import:events"), (5, "invalid_row", "import:events")]

    again = run_import(ws, "events", file, tz="Asia/Shanghai", show_progress=False)
    assert (again.imported, again.duplicates) == (0, 3)
    assert query(ws, "SELECT count(*) FROM events") == [(3,)]
    history = query(
        ws,
        "SELECT kind, rows_read, imported, duplicates, rejected, status FROM imports ORDER BY started_at",
    )
    assert history == [("events", 5, 3, 0, 2, "done"), ("events", 5, 0, 3, 2, "done")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_same_events_in_every_format_import_the_same(tmp_path, fmt):
    records = [
        {"user_id": "u1", "event": "Signed Up", "timestamp": "2024-01-02T03:04:05Z", "plan": "pro"},
        {
            "user_id": "u2",
            "event": "Signed Up",
            "timestamp": "2024-01-03T03:04:05Z",
            "plan": "免费",
        },
    ]
    path = tmp_path / f"events.{fmt}"
    if fmt == "csv":
        write(
            path,
            "user_id,event,timestamp,plan\n"
            + "".join(
                f"{r['user_id']},{r['event']},{r['timestamp']},{r['plan']}\n" for r in records
            ),
        )
    elif fmt == "jsonl":
        write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    else:
        pq.write_table(pa.Table.from_pylist(records), path)
    ws = tmp_path / "ws"
    summary = run_import(ws, "events", path, show_progress=False)
    assert (summary.imported, summary.rejected) == (2, 0)
    assert query(ws, "SELECT user_id, properties->>'plan' FROM events ORDER BY user_id") == [
        ("u1", "pro"),
        ("u2", "免费"),
    ]
    # A row without an id column gets an id from its content: the same in every format.
    ids = query(ws, "SELECT message_id FROM events ORDER BY user_id")
    assert all(i[0].startswith("event-") for i in ids)


def test_column_mapping_by_option_and_by_file(tmp_path):
    file = write(tmp_path / "e.csv", "Kunde,Aktion,Zeit\nk1,Bestellt,2024-02-01T00:00:00Z\n")
    ws = tmp_path / "ws"
    with pytest.raises(MappingError, match="--map"):
        run_import(ws, "events", file, show_progress=False)
    run_import(
        ws,
        "events",
        file,
        maps=["user_id=Kunde", "event=Aktion", "timestamp=Zeit"],
        show_progress=False,
    )
    mapping = write(tmp_path / "map.yaml", "user_id: Kunde\nevent: Aktion\ntimestamp: Zeit\n")
    again = run_import(ws, "events", file, mapping_file=mapping, show_progress=False)
    assert again.duplicates == 1
    assert query(ws, "SELECT user_id, event FROM events") == [("k1", "Bestellt")]
    with pytest.raises(MappingError, match="no column 'Nope'"):
        run_import(ws, "events", file, maps=["user_id=Nope"], show_progress=False)


def test_contacts_attach_by_user_id_then_email_then_phone(tmp_path):
    ws = tmp_path / "ws"
    events = write(
        tmp_path / "e.jsonl",
        "\n".join(
            json.dumps(r)
            for r in [
                {"user_id": "c1", "event": "Viewed", "timestamp": "2024-01-01T00:00:00Z"},
                {
                    "type": "identify",
                    "user_id": "web-77",
                    "event": None,
                    "timestamp": "2024-01-01T00:00:00Z",
                    "traits": {"email": "Bob@Example.com"},
                },
            ]
        )
        + "\n",
    )
    run_import(ws, "events", events, show_progress=False)
    contacts = write(
        tmp_path / "c.csv",
        """\
customer_id,email,phone,first_name,last_name,birthday,country,loyalty_tier
c1,ann@example.com,+1 (555) 010-2030,Ann,Lee,1990-04-02,US,gold
,BOB@example.com ,,Bob,Ray,,CN,
,,+1-555-010-2030,Ann,L.,,,
,,,Nobody,,,,
""",
    )
    summary = run_import(ws, "contacts", contacts, show_progress=False)
    assert (summary.imported, summary.rejected) == (3, 1)
    c1 = query(ws, "SELECT person_id FROM identities WHERE distinct_id = 'c1'")[0][0]
    web77 = query(ws, "SELECT person_id FROM identities WHERE distinct_id = 'web-77'")[0][0]
    # c1 by id; Bob by his email (case and spaces ignored); the third row by Ann's phone
    # digits (formatting ignored; a missing country code would not match: fuzzy matching's job).
    assert query(
        ws,
        f"SELECT first_name, country, birth_year, traits->>'loyalty_tier' FROM persons WHERE person_id = {c1}",
    ) == [("Ann", "US", 1990, "gold")]
    assert query(ws, f"SELECT last_name, country FROM persons WHERE person_id = {web77}") == [
        ("Ray", "CN")
    ]
    assert query(
        ws, "SELECT person_id FROM identities WHERE distinct_id = 'phone:15550102030'"
    ) == [(c1,)]
    assert query(ws, "SELECT count(*) FROM persons") == [(2,)]


def test_orders_as_line_items_and_nested(tmp_path):
    ws = tmp_path / "ws"
    lines = write(
        tmp_path / "o.csv",
        """\
order_id,customer_id,order_date,product_id,product_name,category,price,quantity,store_id
o1,c1,2024-05-02T09:00:00Z,p1,Phone,phones,699,1,s1
o1,c1,2024-05-02T09:00:00Z,p2,Case,accessories,19,2,s1
o2,c2,2024-05-03T09:00:00Z,p3,Laptop,laptops,1299,1,s2
o1,c1,2024-05-02T09:00:00Z,p9,Stray line,x,1,1,s1
o3,,2024-05-03T09:00:00Z,p3,Laptop,laptops,1299,1,s2
""",
    )
    summary = run_import(ws, "orders", lines, show_progress=False)
    assert (summary.imported, summary.rejected) == (2, 2)
    assert sorted(line for line, _ in summary.errors) == [5, 6]
    nested = write(
        tmp_path / "o.jsonl",
        json.dumps(
            {
                "order_id": "w9",
                "customer_id": "c1",
                "ordered_at": "2024-06-01T10:00:00+02:00",
                "currency": "eur",
                "products": [{"product_id": "p7", "name": "Kamera", "price": 250, "quantity": 1}],
            }
        )
        + "\n",
    )
    run_import(ws, "orders", nested, show_progress=False)
    orders = query(
        ws, "SELECT order_id, revenue, currency, channel, ordered_at FROM orders ORDER BY order_id"
    )
    assert [(o[0], o[1], o[2], o[3]) for o in orders] == [
        ("o1", 699 + 2 * 19, "USD", "store"),
        ("o2", 1299.0, "USD", "store"),
        ("w9", 250.0, "EUR", "other"),
    ]
    assert orders[2][4].isoformat() == "2024-06-01T08:00:00"
    assert query(
        ws, "SELECT order_id, line, product_id, quantity FROM order_items ORDER BY order_id, line"
    ) == [
        ("o1", 0, "p1", 1.0),
        ("o1", 1, "p2", 2.0),
        ("o2", 0, "p3", 1.0),
        ("w9", 0, "p7", 1.0),
    ]
    assert query(ws, "SELECT count(*) FROM events WHERE event = 'Order Completed'") == [(3,)]
    assert run_import(ws, "orders", lines, show_progress=False).duplicates == 2


def test_feedback_in_english_chinese_and_hebrew(tmp_path):
    ws = tmp_path / "ws"
    rows = [
        {
            "customer_id": "c1",
            "created_at": "2024-05-04T10:00:00Z",
            "text": "送货太慢了，很失望",
            "rating": 2,
            "channel": "web",
        },
        {"customer_id": "c2", "created_at": "2024-05-04", "text": "המשלוח הגיע מהר", "rating": 5},
        {"customer_id": "c3", "created_at": "2024-05-05", "nps": 9},
        {"customer_id": "c4", "created_at": "2024-05-05", "nps": 11},
        {"created_at": "2024-05-05", "text": "who am I?"},
    ]
    file = write(
        tmp_path / "f.jsonl",
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "not json\n",
    )
    summary = run_import(ws, "feedback", file, show_progress=False)
    assert (summary.imported, summary.rejected) == (3, 3)
    got = query(
        ws,
        "SELECT user_id, kind, text, rating, nps, language, channel FROM feedback ORDER BY user_id",
    )
    assert got == [
        ("c1", "review", "送货太慢了，很失望", 2.0, None, "zh", "web"),
        ("c2", "review", "המשלוח הגיע מהר", 5.0, None, "he", "other"),
        ("c3", "nps", None, None, 9, None, "other"),
    ]
    assert run_import(ws, "feedback", file, show_progress=False).duplicates == 3


def test_cli_import_prints_a_summary_and_fails_clearly(tmp_path):
    file = write(tmp_path / "events.csv", EVENTS_CSV)
    ws = str(tmp_path / "ws")
    result = cli("import", "events", str(file), "--workspace", ws, "--json")
    data = json.loads(result.stdout)
    assert (data["rows_read"], data["imported"], data["rejected"]) == (5, 3, 2)
    assert data["errors"][0]["line"] == 4
    bad = cli("import", "events", str(tmp_path / "missing.csv"), "--workspace", ws, check=False)
    assert bad.returncode == 1 and "No such file" in bad.stderr
    odd = cli(
        "import", "events", str(file), "--workspace", ws, "--timezone", "Mars/Olympus", check=False
    )
    assert odd.returncode == 1 and "time zone" in odd.stderr
    kind = cli("import", "clicks", str(file), "--workspace", ws, check=False)
    assert kind.returncode == 1 and "events, contacts, orders, feedback" in kind.stderr


def test_files_are_streamed_not_loaded_whole(tmp_path):
    from journeylens.importers.readers import RowSource

    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("user_id,event,timestamp\n")
        for n in range(300_000):
            out.write(f"u{n},Viewed,2024-01-01T00:00:00Z\n")
    source = RowSource(big)
    rows = source.rows()
    first = next(rows)
    assert first.line == 2 and first.values["user_id"] == "u0"
    # Only the first buffer of the ~9 MB file has been read.
    assert source.progress() <= 2 * 1024 * 1024 < source.total
