"""Load the demo business through the public ingestion paths.

Web/app/email/chat/social behaviour goes through the collector's Segment
normalisation and the writer, exactly like SDK traffic; CRM contacts, in-store
orders and feedback are written as files into ``<workspace>/demo-data/`` and
imported with the same importers a user would run. Nothing writes tables directly.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import ibis
import orjson

from journeylens.analyses import money
from journeylens.analyses.base import Tables
from journeylens.demo.generate import DemoBusiness
from journeylens.importers.run import Importer, ImportSummary
from journeylens.ingest import segment
from journeylens.ingest.normalize import Reject, utc_now
from journeylens.store.loader import decode, encode
from journeylens.store.writer import Writer

BATCH = 10_000
SHARDS = 2  # generator processes; this one stores
MARKER = "demo.json"

# (stage, done, total, unit): unit is "rows" (events sent) or "bytes" (of an imported file).
Progress = Callable[[str, int, int | None, str], None]


@dataclass
class DemoLoad:
    events_sent: int = 0
    events_rejected: int = 0
    imports: list[ImportSummary] | None = None
    seconds: float = 0.0


def write_files(business: DemoBusiness, folder: Path) -> dict[str, Path]:
    """The CRM export, the stores' order lines and the feedback, as a business would have them."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "contacts": folder / "crm_contacts.csv",
        "orders": folder / "store_orders.csv",
        "feedback": folder / "feedback.jsonl",
    }
    _write_csv(files["contacts"], business.contacts)
    _write_csv(files["orders"], business.store_orders)
    with files["feedback"].open("w", encoding="utf-8") as out:
        for row in business.feedback:
            if _reviewed_online(row):
                continue  # already in the event stream as Product Reviewed
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "catalogue.json").write_text(
        json.dumps(business.catalogue, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (folder / "truths.json").write_text(
        json.dumps(business.truths, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return files


def _reviewed_online(row: dict[str, Any]) -> bool:
    return row.get("kind") == "review" and row.get("channel") in ("web", "app")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def _produce(
    seed: int, customers: int, contacts: list[dict], shard: int, shards: int, out: Any
) -> None:
    """In a child process: one shard of the message stream, normalised, sent as journal lines."""
    from journeylens.demo.generate import message_stream

    rows: list[dict[str, Any]] = []
    rejected = 0
    received_at = utc_now()
    for message in message_stream(seed, customers, contacts, shard, shards):
        try:
            rows.append(segment.normalize_message(message, received_at=received_at))
        except Reject:
            rejected += 1
        if len(rows) >= BATCH:
            out.send_bytes(b"R" + encode(rows, []))
            rows, received_at = [], utc_now()
    if rows:
        out.send_bytes(b"R" + encode(rows, []))
    out.send_bytes(b"E" + orjson.dumps({"rejected": rejected}))
    out.close()


def _stream_events(
    business: DemoBusiness, writer: Writer, result: DemoLoad, progress: Progress | None
) -> None:
    """SDK traffic through the collector's normalisation, produced by SHARDS processes in
    parallel (generation and normalisation are pure Python) while this one stores."""
    context = multiprocessing.get_context("spawn")
    pipes = []
    processes = []
    for shard in range(SHARDS):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_produce,
            args=(business.seed, business.customers, business.contacts, shard, SHARDS, send),
            daemon=True,
        )
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    pending: list[Any] = []
    try:
        while pipes:
            for pipe in wait(pipes):
                try:
                    data = pipe.recv_bytes()
                except EOFError:
                    pipes.remove(pipe)
                    continue
                if data[:1] == b"E":
                    result.events_rejected += orjson.loads(data[1:])["rejected"]
                    continue
                rows, _ = decode(data[1:])
                pending.append(writer.submit(rows))
                result.events_sent += len(rows)
                while len(pending) > 8:
                    pending.pop(0).result()
                if progress:
                    progress("events", result.events_sent, None, "rows")
        for future in pending:
            future.result()
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
    failed = [p for p in processes if p.exitcode not in (0, None)]
    if failed:
        raise RuntimeError(f"a demo generator process failed (exit code {failed[0].exitcode})")


def load(
    business: DemoBusiness, workspace: Path, writer: Writer, progress: Progress | None = None
) -> DemoLoad:
    started = time.perf_counter()
    result = DemoLoad(imports=[])
    files = write_files(business, workspace / "demo-data")

    # What the business knows first: its CRM.
    result.imports.append(_import(writer, "contacts", files["contacts"], progress))
    # What customers do on the web, in the app, by email, chat and social media.
    _stream_events(business, writer, result, progress)
    # Purchases in the stores and what customers said.
    result.imports.append(_import(writer, "orders", files["orders"], progress, channel="store"))
    result.imports.append(_import(writer, "feedback", files["feedback"], progress))
    (workspace / MARKER).write_text(
        json.dumps({"seed": business.seed, "customers": business.customers}), encoding="utf-8"
    )
    result.seconds = time.perf_counter() - started
    return result


def _import(
    writer: Writer, kind: str, path: Path, progress: Progress | None, **options: Any
) -> ImportSummary:
    importer = Importer(writer, kind, path, **options)
    unit = importer.progress_unit
    return importer.run(
        (lambda done, total: progress(kind, done, total, unit)) if progress else None
    )


def loaded_marker(workspace: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads((workspace / MARKER).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def business_summary(con: Any, currency: str = "USD") -> dict[str, Any]:
    """What the demo shop looks like once loaded: the numbers ``journeylens demo`` prints.
    Orders and money over the whole history are counted as every surface counts them
    (``analyses/money.py``): revenue net of refunds, with gross and refunds beside it."""
    cur = con.cursor()

    def rows(sql: str) -> list[tuple]:
        return cur.execute(sql).fetchall()

    by_currency = money.totals(Tables(ibis.duckdb.from_connection(cur), currency=currency))
    priced = {c: m for c, m in by_currency.items() if m.priced_orders}
    summary = {
        "customers": rows("SELECT count(*) FROM persons WHERE is_identified")[0][0],
        "anonymous_visitors": rows("SELECT count(*) FROM persons WHERE NOT is_identified")[0][0],
        "events": rows("SELECT count(*) FROM events")[0][0],
        "events_by_channel": dict(
            rows("SELECT channel, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC")
        ),
        "orders": sum(m.orders for m in by_currency.values()),
        "orders_by_channel": dict(
            rows("SELECT channel, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC")
        ),
        "revenue": {c: round(m.revenue, 2) for c, m in priced.items()},
        "gross_revenue": {c: round(m.gross_revenue, 2) for c, m in priced.items()},
        "refunds": {c: round(m.refunds, 2) for c, m in priced.items()},
        "refunded_orders": sum(m.refunded_orders for m in by_currency.values()),
        "feedback_by_kind": dict(
            rows("SELECT kind, count(*) FROM feedback GROUP BY 1 ORDER BY 2 DESC")
        ),
        "feedback_by_language": dict(
            rows(
                "SELECT coalesce(language, '?'), count(*) FROM feedback GROUP BY 1 ORDER BY 2 DESC"
            )
        ),
        "time_range": [
            str(v) for v in rows("SELECT min(timestamp)::DATE, max(timestamp)::DATE FROM events")[0]
        ],
    }
    cur.close()
    return summary
