"""Import throughput: ``journeylens import events`` beside DuckDB's own readers, same file, same run.

    .venv/bin/python benchmarks/import.py            # 1,000,000 rows
    .venv/bin/python benchmarks/import.py --rows 200000

For CSV and Parquet it prints rows/s of the journeylens importer (streamed: read,
map, normalise, resolve identities, dedupe, store) and of DuckDB's ``read_csv`` /
``read_parquet`` into a table (the ceiling: no validation, no identities), and the
peak memory of the importer's process.

Measured 2026-11-23 on the 2-core machine, 1,000,000 rows: CSV 11,300 rows/s (DuckDB
read_csv 502,000), Parquet 13,700 rows/s (read_parquet 647,000); peak RSS 670 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

EVENTS = ["Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Order Completed"]


def make_table(rows: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00")
    seconds = np.sort(rng.integers(0, 365 * 86_400, rows))
    return pa.table(
        {
            "event_id": [f"e{i}" for i in range(rows)],
            "user_id": [f"u{u}" for u in rng.integers(0, max(1, rows // 10), rows)],
            "event": np.array(EVENTS)[rng.integers(0, len(EVENTS), rows)],
            "timestamp": (start + seconds.astype("timedelta64[s]"))
            .astype("datetime64[s]")
            .astype(str),
            "product_id": [f"p{p}" for p in rng.integers(0, 500, rows)],
            "price": np.round(rng.gamma(2.0, 30.0, rows), 2),
            "quantity": rng.integers(1, 4, rows),
        }
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _journeylens(path: str, workspace: str, queue: multiprocessing.Queue) -> None:
    from journeylens.importers.run import Importer
    from journeylens.store.writer import Writer
    from journeylens.workspace import Workspace

    ws = Workspace.init(workspace)
    writer = Writer(ws.con).start()
    started = time.perf_counter()
    summary = Importer(writer, "events", path).run()
    writer.stop()
    seconds = time.perf_counter() - started
    ws.close()
    queue.put((seconds, summary.imported, _peak_rss_mb()))


def run_journeylens(path: Path, workspace: Path) -> tuple[float, int, float]:
    """In a fresh process, so its peak memory is its own."""
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_journeylens, args=(str(path), str(workspace), queue)
    )
    process.start()
    result = queue.get()
    process.join()
    return result


def run_duckdb(path: Path, reader: str) -> float:
    con = duckdb.connect(str(path.parent / f"ceiling-{reader}.duckdb"))
    started = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM {reader}(?)", [str(path)])
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="journeylens-import-bench-"))
    console = Console()
    try:
        table = make_table(args.rows)
        csv_path, parquet_path = folder / "events.csv", folder / "events.parquet"
        pacsv.write_csv(table, csv_path)
        pq.write_table(table, parquet_path)
        report = Table(
            "file",
            "size",
            "journeylens rows/s",
            "peak RSS",
            "DuckDB reader rows/s",
            "share of ceiling",
            title=f"Importing {args.rows:,} events",
        )
        for path, reader in ((csv_path, "read_csv"), (parquet_path, "read_parquet")):
            seconds, imported, peak = run_journeylens(path, folder / f"ws-{reader}")
            assert imported == args.rows, f"imported {imported} of {args.rows}"
            ceiling = run_duckdb(path, reader)
            ours, theirs = args.rows / seconds, args.rows / ceiling
            report.add_row(
                path.suffix[1:],
                f"{path.stat().st_size / 1e6:.0f} MB",
                f"{ours:,.0f}",
                f"{peak:.0f} MB",
                f"{theirs:,.0f}",
                f"{ours / theirs:.1%}",
            )
        console.print(report)
        console.print(
            "The importer validates, normalises and resolves every row through the collector's "
            "path; DuckDB's readers only parse and insert. The importer reads the file in chunks "
            "of 5,000 rows; its peak RSS is mostly DuckDB's buffer pool and the identity map, "
            "which grow with the data stored, not with the file being read."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
