"""One transaction that stores a batch: events, failed events, persons, identities, merges.

:func:`store_batch` is called by the writer thread (group commit; the importers, the demo
loader and the server's journal loader all go through it) and by the ingest benchmark's
in-process ceiling. Everything happens in one DuckDB transaction, so a batch is stored whole
or not at all; the writer resolves its producers' futures only after it returns. (The
collector has acknowledged its requests earlier, once their journal line was fsync'd: ADR
0004.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from journeylens.ingest.batch import Rejection
from journeylens.ingest.normalize import utc_now
from journeylens.store.contact_keys import contact_keys
from journeylens.store.derive import Derived, derive
from journeylens.store.identity import GraphChanges, IdentityGraph
from journeylens.store.schema import EVENT_COLUMNS, PERSON_TRAIT_COLUMNS
from journeylens.store.sql import batch_view
from journeylens.store.traits import apply_traits, promoted

_TS = pa.timestamp("us")
EVENT_SCHEMA = pa.schema(
    [
        (
            name,
            _TS
            if name in ("timestamp", "original_timestamp", "sent_at", "received_at")
            else pa.int64()
            if name == "person_id"
            else pa.float64()
            if name == "revenue"
            else pa.string(),
        )
        for name in EVENT_COLUMNS
    ]
)


@dataclass(slots=True)
class FailedEvent:
    received_at: Any
    source: str
    route: str | None
    rejection: Rejection


@dataclass(slots=True)
class StoreResult:
    inserted: int
    duplicates: int
    failed: int


def _arrow(rows: Sequence[dict[str, Any]]) -> pa.Table:
    # from_pylist walks the dicts in C++: 2.5× faster than building 27 Python column lists.
    return pa.Table.from_pylist(list(rows), schema=EVENT_SCHEMA)


def store_batch(
    con: duckdb.DuckDBPyConnection,
    graph: IdentityGraph,
    rows: list[dict[str, Any]],
    failed: Sequence[FailedEvent] = (),
    after: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> StoreResult:
    """Resolve persons and store everything in one transaction.

    On any exception the transaction is rolled back and the caller must reload the
    graph (its in-memory state has moved ahead of the database).
    """
    now = utc_now()
    # Dedupe within the batch: the first copy of a message id wins.
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["message_id"], row)
    batch = list(unique.values())

    # Persons for every row, in order (links and merges happen as events arrive).
    persons = []
    for row in batch:
        person_id = graph.resolve(row)
        if row["_set"]:
            for distinct_id, kind in contact_keys(row["_set"]):
                graph.attach(person_id, distinct_id, kind)
        persons.append(person_id)
    changes = graph.take_changes()
    trait_updates: dict[int, list[tuple[dict | None, dict | None]]] = {}
    for row, person_id in zip(batch, persons, strict=True):
        final = changes.final(person_id)
        row["person_id"] = final
        if row.get("_set") or row.get("_set_once"):
            trait_updates.setdefault(final, []).append((row.get("_set"), row.get("_set_once")))

    con.execute("BEGIN TRANSACTION")
    try:
        inserted = _insert_events(con, batch)
        _insert_derived(con, derive(batch))
        merged = _persist_graph(con, changes, batch, now)
        _persist_traits(con, changes, trait_updates, now)
        if merged:
            con.execute(
                "DELETE FROM persons WHERE person_id IN (SELECT unnest($ids))",
                {"ids": sorted(merged)},
            )
        _insert_failed(con, failed)
        _insert_violations(con, batch, now)
        if after is not None:
            after(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return StoreResult(inserted=inserted, duplicates=len(rows) - inserted, failed=len(failed))


@dataclass(slots=True)
class Contact:
    """One CRM record: its ids in priority order and the traits it sets."""

    keys: list[tuple[str, str]]
    traits: dict[str, Any]
    record_id: str


def store_contacts(
    con: duckdb.DuckDBPyConnection, graph: IdentityGraph, contacts: Sequence[Contact]
) -> StoreResult:
    """Attach CRM records to persons (by user id, else email, else phone) and set their traits."""
    now = utc_now()
    trait_updates: dict[int, list[tuple[dict | None, dict | None]]] = {}
    resolved = [(graph.link_contact(c.keys, c.record_id), c) for c in contacts]
    changes = graph.take_changes()
    for person_id, contact in resolved:
        trait_updates.setdefault(changes.final(person_id), []).append((contact.traits, None))
    con.execute("BEGIN TRANSACTION")
    try:
        merged = _persist_graph(con, changes, [], now)
        _persist_traits(con, changes, trait_updates, now)
        if merged:
            con.execute(
                "DELETE FROM persons WHERE person_id IN (SELECT unnest($ids))",
                {"ids": sorted(merged)},
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return StoreResult(inserted=len(contacts), duplicates=0, failed=0)


def _insert_events(con: duckdb.DuckDBPyConnection, batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    with batch_view(con, "events_batch", _arrow(batch)):
        result = con.execute("INSERT OR IGNORE INTO events SELECT * FROM events_batch").fetchone()
    return int(result[0]) if result else 0


def _persist_graph(
    con: duckdb.DuckDBPyConnection, changes: GraphChanges, batch: list[dict[str, Any]], now: Any
) -> dict[int, int]:
    """Persons, identities and merge records; returns the merged (source → target) map."""
    # Merges of persons already in the database: re-point their events and ids.
    merged = {
        source: changes.final(source)
        for source in changes.forward
        if source not in changes.new_persons
    }
    merge_map = pa.table(
        {
            "source": pa.array(list(merged), pa.int64()),
            "target": pa.array(merged.values(), pa.int64()),
        }
    )
    with batch_view(con, "merge_map", merge_map):
        _persist_persons(con, changes, batch, now, merged)
    return merged


def _persist_persons(
    con: duckdb.DuckDBPyConnection,
    changes: GraphChanges,
    batch: list[dict[str, Any]],
    now: Any,
    merged: dict[int, int],
) -> None:
    """The rows of :func:`_persist_graph`, with its ``merge_map`` readable by name."""
    if merged:
        con.execute(
            "UPDATE events SET person_id = m.target FROM merge_map m WHERE events.person_id = m.source"
        )
        for table in ("identities", "orders", "feedback"):
            con.execute(
                f"UPDATE {table} SET person_id = m.target FROM merge_map m"
                f" WHERE {table}.person_id = m.source"
            )
        # Static segments keep the person under the surviving id (once, if both were in).
        con.execute(
            "INSERT INTO segment_members SELECT DISTINCT s.segment_id, m.target"
            " FROM segment_members s JOIN merge_map m ON s.person_id = m.source"
            " ON CONFLICT DO NOTHING"
        )
        con.execute("DELETE FROM segment_members WHERE person_id IN (SELECT source FROM merge_map)")
        # Saved per-person results (ADR 0012) were computed for the person merged away: its
        # rows go, the survivor keeps its own until the next save recomputes both.
        for table in ("person_rfm", "person_personas"):
            con.execute(f"DELETE FROM {table} WHERE person_id IN (SELECT source FROM merge_map)")

    # Every person seen in this batch: first/last seen and identification.
    seen: dict[int, list[Any]] = {}
    for row in batch:
        span = seen.get(row["person_id"])
        ts = row["timestamp"]
        if span is None:
            seen[row["person_id"]] = [ts, ts]
        else:
            span[0] = min(span[0], ts)
            span[1] = max(span[1], ts)
    for target in merged.values():
        seen.setdefault(target, [None, None])
    touched = set(seen) | {changes.final(p) for p in changes.identified}
    if touched:
        ids = sorted(touched)
        identified = _identified_final(changes)
        persons_batch = pa.table(
            {
                "person_id": pa.array(ids, pa.int64()),
                "is_identified": [p in identified for p in ids],
                "first_seen_at": pa.array([seen.get(p, [None])[0] for p in ids], _TS),
                "last_seen_at": pa.array([seen.get(p, [None, None])[1] for p in ids], _TS),
            }
        )
        with batch_view(con, "persons_batch", persons_batch):
            con.execute(
                """
                INSERT INTO persons (person_id, is_identified, first_seen_at, last_seen_at, created_at, updated_at)
                SELECT person_id, is_identified, first_seen_at, last_seen_at, $now, $now FROM persons_batch
                ON CONFLICT (person_id) DO UPDATE SET
                    is_identified = persons.is_identified OR excluded.is_identified,
                    first_seen_at = least(persons.first_seen_at, excluded.first_seen_at),
                    last_seen_at = greatest(persons.last_seen_at, excluded.last_seen_at),
                    updated_at = excluded.updated_at
                """,
                {"now": now},
            )
    if merged:
        con.execute(
            """
            UPDATE persons SET
                first_seen_at = least(persons.first_seen_at, s.first_seen_at),
                last_seen_at = greatest(persons.last_seen_at, s.last_seen_at)
            FROM (
                SELECT m.target, min(p.first_seen_at) AS first_seen_at, max(p.last_seen_at) AS last_seen_at
                FROM persons p JOIN merge_map m ON p.person_id = m.source GROUP BY m.target
            ) s
            WHERE persons.person_id = s.target
            """
        )

    new_ids = [
        (distinct_id, changes.final(person_id), kind)
        for distinct_id, (person_id, kind) in changes.new_ids.items()
    ]
    if new_ids:
        ids_batch = pa.table(
            {
                "distinct_id": [i[0] for i in new_ids],
                "person_id": pa.array([i[1] for i in new_ids], pa.int64()),
                "kind": [i[2] for i in new_ids],
            }
        )
        with batch_view(con, "ids_batch", ids_batch):
            con.execute(
                "INSERT INTO identities SELECT distinct_id, person_id, kind, $now FROM ids_batch",
                {"now": now},
            )
    if changes.upgraded_ids:
        con.execute(
            "UPDATE identities SET kind = 'user' WHERE distinct_id IN (SELECT unnest($ids))",
            {"ids": sorted(changes.upgraded_ids)},
        )
    if changes.records:
        con.executemany(
            "INSERT INTO person_merges VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    now,
                    r.status,
                    r.source,
                    changes.final(r.target),
                    r.distinct_id,
                    r.other_id,
                    r.message_id,
                    r.reason,
                )
                for r in changes.records
            ],
        )


def _identified_final(changes: GraphChanges) -> set[int]:
    return {changes.final(p) for p in changes.identified}


def _persist_traits(
    con: duckdb.DuckDBPyConnection,
    changes: GraphChanges,
    updates: dict[int, list[tuple[dict | None, dict | None]]],
    now: Any,
) -> None:
    """Apply $set/$set_once in event order; a merged person's traits fill gaps in the target's."""
    merged_into: dict[int, list[int]] = {}
    for source in changes.forward:
        if source not in changes.new_persons:
            merged_into.setdefault(changes.final(source), []).append(source)
    targets = set(updates) | set(merged_into)
    if not targets:
        return
    wanted = sorted(targets | {s for sources in merged_into.values() for s in sources})
    current = {
        person_id: orjson.loads(traits) if traits else {}
        for person_id, traits in con.execute(
            "SELECT person_id, traits FROM persons WHERE person_id IN (SELECT unnest($ids))",
            {"ids": wanted},
        ).fetchall()
    }
    rows = []
    for person_id in sorted(targets):
        traits = dict(current.get(person_id, {}))
        for source in merged_into.get(person_id, []):
            for key, value in current.get(source, {}).items():
                traits.setdefault(key, value)
        for set_traits, set_once in updates.get(person_id, []):
            traits = apply_traits(traits, set_traits, set_once)
        rows.append(
            {"person_id": person_id, "traits": orjson.dumps(traits).decode(), **promoted(traits)}
        )
    assignments = ", ".join(f"{c} = t.{c}" for c in ("traits", *PERSON_TRAIT_COLUMNS))
    with batch_view(con, "traits_batch", pa.Table.from_pylist(rows)):
        con.execute(
            f"UPDATE persons SET {assignments}, updated_at = $now FROM traits_batch t"
            " WHERE persons.person_id = t.person_id",
            {"now": now},
        )


_ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("person_id", pa.int64()),
        ("user_id", pa.string()),
        ("ordered_at", _TS),
        ("revenue", pa.float64()),
        ("currency", pa.string()),
        ("channel", pa.string()),
        ("status", pa.string()),
        ("source", pa.string()),
        ("message_id", pa.string()),
        ("properties", pa.string()),
    ]
)
_ITEM_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("line", pa.int32()),
        ("product_id", pa.string()),
        ("name", pa.string()),
        ("category", pa.string()),
        ("price", pa.float64()),
        ("quantity", pa.float64()),
    ]
)
_FEEDBACK_SCHEMA = pa.schema(
    [
        ("feedback_id", pa.string()),
        ("person_id", pa.int64()),
        ("user_id", pa.string()),
        ("created_at", _TS),
        ("channel", pa.string()),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("rating", pa.float64()),
        ("nps", pa.int32()),
        ("language", pa.string()),
        ("product_id", pa.string()),
        ("order_id", pa.string()),
        ("source", pa.string()),
        ("properties", pa.string()),
    ]
)


def _insert_derived(con: duckdb.DuckDBPyConnection, derived: Derived) -> None:
    if not derived:
        return
    for table, rows, schema in (
        ("orders", derived.orders, _ORDER_SCHEMA),
        ("order_items", derived.items, _ITEM_SCHEMA),
        ("feedback", derived.feedback, _FEEDBACK_SCHEMA),
    ):
        if rows:
            columns = ", ".join(schema.names)
            with batch_view(con, "derived_rows", pa.Table.from_pylist(rows, schema=schema)):
                con.execute(
                    f"INSERT OR IGNORE INTO {table} ({columns}) SELECT {columns} FROM derived_rows"
                )
    if derived.refunds:
        con.execute(
            "UPDATE orders SET status = 'refunded' WHERE order_id IN (SELECT unnest($ids))",
            {"ids": sorted(set(derived.refunds))},
        )


def _insert_violations(
    con: duckdb.DuckDBPyConnection, batch: list[dict[str, Any]], now: Any
) -> None:
    """Flag mode: the events are stored and what they broke is recorded beside them."""
    found = [
        (now, row["message_id"], v.event, v.property, v.code, v.message, "flag")
        for row in batch
        for v in row.get("_violations") or ()
    ]
    if found:
        con.executemany("INSERT INTO plan_violations VALUES (?, ?, ?, ?, ?, ?, ?)", found)


def _insert_failed(con: duckdb.DuckDBPyConnection, failed: Sequence[FailedEvent]) -> None:
    if not failed:
        return
    con.executemany(
        "INSERT INTO failed_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f.received_at,
                f.source,
                f.route,
                f.rejection.index,
                f.rejection.code,
                f.rejection.message,
                f.rejection.message_id,
                f.rejection.raw,
            )
            for f in failed
        ],
    )
