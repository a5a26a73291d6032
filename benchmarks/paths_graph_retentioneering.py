"""Check the transition graph against retentioneering's on retentioneering's own data set.

Run by hand (needs the test extras, which carry retentioneering)::

    .venv/bin/python benchmarks/paths_graph_retentioneering.py

Loads retentioneering's bundled e-commerce clickstream (``datasets.load_ecom``: 600 users,
~31k events with session ids), sends it through journeylens' real ingest path into a fresh
workspace (each row a Segment track call, its session id as ``properties.session_id``, its
row number as the message id, so ties in time go the way retentioneering's stable sort
takes them), then compares every edge: per person ``transitions`` with retentioneering's
``count``, ``persons`` with ``unique_paths`` and ``probability`` with ``proba_out`` (paths
are users); per session the counts and probabilities (paths are sessions). It prints a
table of the comparisons and exits 1 on any difference. The automated check on small logs
is ``tests/analyses/test_paths_graph_reference.py``.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["RETENTIONEERING_NO_TRACK"] = "1"  # before the import: no usage telemetry

import retentioneering as rete

from journeylens.ingest import segment
from journeylens.ingest.normalize import utc_now
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace


def load(path: Path):
    frame = rete.datasets.load_ecom(as_dataframe=True)
    ws = Workspace.init(path)
    writer = Writer(ws.con).start()
    messages = [
        {
            "type": "track",
            "userId": row.user_id,
            "event": row.event,
            "timestamp": row.timestamp.isoformat() + "Z",
            "messageId": f"m{n:08d}",
            "properties": {"session_id": row.session_id},
        }
        for n, row in enumerate(frame.itertuples())
    ]
    for start in range(0, len(messages), 5000):
        parsed = segment.parse_body(
            {"batch": messages[start : start + 5000]}, route_type=None, received_at=utc_now()
        )
        assert not parsed.rejected, parsed.rejected[:3]
        writer.write(parsed.rows)
    writer.stop()
    return frame, ws


def theirs(frame, path_col: str) -> dict[str, dict[tuple[str, str], float]]:
    stream = rete.Eventstream(frame, {"path_cols": ["user_id", "session_id"]})
    found = {}
    for weight in ("count", "unique_paths", "proba_out"):
        matrix = stream.transition_graph_data(edge_weight=weight, path_col=path_col)
        found[weight] = {(s, t): float(v) for (s, t), v in matrix.stack().items() if v > 0}
    return found


def differences(ours: dict, reference: dict, exact: bool) -> int:
    keys = set(ours) | set(reference)
    if exact:
        return sum(ours.get(k) != reference.get(k) for k in keys)
    return sum(
        not math.isclose(ours.get(k, -1.0), reference.get(k, -2.0), rel_tol=1e-9) for k in keys
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        frame, ws = load(Path(folder) / "ws")
        print(f"loaded {len(frame):,} events in {time.perf_counter() - began:.1f} s")
        failed = 0
        print(f"{'per':8} {'measure':28} {'edges':>6} {'differ':>7}")
        for per, path_col in (("person", "user_id"), ("session", "session_id")):
            result = ws.paths_graph(per=per)
            reference = theirs(frame.copy(), path_col)
            pairs = [
                ("transitions = count", "transitions", "count", True),
                ("probability = proba_out", "probability", "proba_out", False),
            ]
            if per == "person":
                pairs.insert(1, ("persons = unique_paths", "persons", "unique_paths", True))
            for label, field, weight, exact in pairs:
                ours = {(e.source, e.target): float(getattr(e, field)) for e in result.edges}
                wrong = differences(ours, reference[weight], exact)
                failed += wrong
                print(f"{per:8} {label:28} {len(ours):>6} {wrong:>7}")
        ws.close()
    print("same graph" if not failed else f"{failed} differences")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
