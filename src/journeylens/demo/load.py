"""Load the demo business through the public ingestion paths.

Web/app/email/chat/social behaviour goes through the collector's Segment
normalisation and the writer, exactly like SDK traffic; CRM contacts, in-store
orders and feedback are written as files into ``<workspace>/demo-data/`` and
imported with the same importers a user would run. Nothing writes tables directly.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from journeylens.demo.generate import DemoBusiness
from journeylens.importers.run import Importer, ImportSummary
from journeylens.ingest import segment
from journeylens.ingest.normalize import Reject, utc_now
from journeylens.store.writer import Writer

BATCH = 2_000
MARKER = "demo.json"

Progress = Callable[[str, int, int | None], None]  # (stage, done, total)


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
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "catalogue.json").write_text(
        json.dumps(business.catalogue, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (folder / "truths.json").write_text(
        json.dumps(business.truths, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return files


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def _batches(messages: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load(
    business: DemoBusiness, workspace: Path, writer: Writer, progress: Progress | None = None
) -> DemoLoad:
    started = time.perf_counter()
    result = DemoLoad(imports=[])
    files = write_files(business, workspace / "demo-data")

    # What the business knows first: its CRM.
    result.imports.append(_import(writer, "contacts", files["contacts"], progress))

    # What customers do: SDK traffic through the collector's normalisation.
    pending = []
    for batch in _batches(business.messages()):
        received_at = utc_now()
        rows = []
        for message in batch:
            try:
                rows.append(segment.normalize_message(message, received_at=received_at))
            except Reject:
                result.events_rejected += 1
        pending.append(writer.submit(rows))
        result.events_sent += len(batch)
        while len(pending) > 4:
            pending.pop(0).result()
        if progress:
            progress("events", result.events_sent, None)
    for future in pending:
        future.result()

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
    return importer.run((lambda done, total: progress(kind, done, total)) if progress else None)


def loaded_marker(workspace: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads((workspace / MARKER).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def business_summary(con: Any) -> dict[str, Any]:
    """What the demo shop looks like once loaded: the numbers ``journeylens demo`` prints."""
    cur = con.cursor()

    def rows(sql: str) -> list[tuple]:
        return cur.execute(sql).fetchall()

    summary = {
        "customers": rows("SELECT count(*) FROM persons WHERE is_identified")[0][0],
        "anonymous_visitors": rows("SELECT count(*) FROM persons WHERE NOT is_identified")[0][0],
        "events": rows("SELECT count(*) FROM events")[0][0],
        "events_by_channel": dict(
            rows("SELECT channel, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC")
        ),
        "orders": rows("SELECT count(*) FROM orders")[0][0],
        "orders_by_channel": dict(
            rows("SELECT channel, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC")
        ),
        "revenue": {
            c: round(r, 2)
            for c, r in rows(
                "SELECT currency, sum(revenue) FROM orders WHERE status = 'completed' GROUP BY 1"
            )
        },
        "refunded_orders": rows("SELECT count(*) FROM orders WHERE status = 'refunded'")[0][0],
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
