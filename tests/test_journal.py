"""The journal: what was acknowledged survives a crash; what was cut short never counted."""

from __future__ import annotations

import journeylens
from journeylens.ingest import segment
from journeylens.ingest.normalize import utc_now
from journeylens.store.journal import Journal
from journeylens.store.loader import encode
from journeylens.workspace import Workspace


def _rows(*ids: str) -> list[dict]:
    batch = [{"type": "track", "event": "E", "userId": "u1", "messageId": m} for m in ids]
    return segment.parse_body({"batch": batch}, route_type=None, received_at=utc_now()).rows


def test_acknowledged_lines_are_loaded_when_the_workspace_is_next_opened(tmp_path):
    path = tmp_path / "ws"
    Workspace.init(path).close()
    journal = Journal(path / "journal")
    # What a server acknowledged before it died, without loading it.
    for ids in (("a", "b"), ("c",), ("a",)):
        journal.append(encode(_rows(*ids), [])).result()
    journal.stop()
    with journeylens.open(path) as ws:
        ids = sorted(r[0] for r in ws.con.execute("SELECT message_id FROM events").fetchall())
        position = ws.con.execute("SELECT journal_offset FROM journal_position").fetchone()[0]
    assert ids == ["a", "b", "c"]
    assert position == (path / "journal" / "0000000001.jsonl").stat().st_size
    # Opening again loads nothing twice.
    with journeylens.open(path) as ws:
        assert ws.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path):
    path = tmp_path / "ws"
    Workspace.init(path).close()
    journal = Journal(path / "journal")
    journal.append(encode(_rows("kept"), [])).result()
    journal.stop()
    segment_file = path / "journal" / "0000000001.jsonl"
    whole = encode(_rows("torn"), [])
    with segment_file.open("ab") as file:
        file.write(whole[: len(whole) // 2])  # the process died mid-write: never acknowledged
    with journeylens.open(path) as ws:
        ids = [r[0] for r in ws.con.execute("SELECT message_id FROM events").fetchall()]
    assert ids == ["kept"]
    assert segment_file.read_bytes().endswith(b"\n")
