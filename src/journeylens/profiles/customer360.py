"""One customer's 360° profile, and finding customers: plain data, no web layer.

``search`` finds persons by id (person id, or any distinct id / user id, exactly), email or
name (case-insensitive substring) or phone (its digits, as a substring of the stored
number's digits). ``profile`` gathers one person: traits, linked identities, events per
channel, a page of the timeline (newest first), orders with their items and their totals
(``analyses/money.py``: revenue net of refunds, gross and refunds per currency), feedback with
its text and the segments they are in. Every query takes bound parameters only.

Times are stored as UTC wall-clock time; here they come back as aware datetimes in the
workspace's time zone, so the page and its JSON twin show the shop's own clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import ibis
import orjson

from journeylens.analyses import money
from journeylens.analyses.base import Tables
from journeylens.store.sql import dicts

SEARCH_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 50
MAX_ROWS = 100  # orders and feedback shown on a profile (the newest)
KEY_PROPERTIES = 6
MAX_VALUE_CHARS = 160
# Shown first when an event has them; the rest follow in their stored order.
PREFERRED_PROPERTIES = (
    "name",
    "title",
    "product_id",
    "category",
    "price",
    "quantity",
    "order_id",
    "revenue",
    "total",
    "currency",
    "rating",
    "nps",
    "text",
    "review_body",
    "comment",
    "query",
    "email_subject",
    "campaign_name",
    "path",
    "url",
)
HIDDEN_PROPERTIES = frozenset({"channel", "sku", "search", "referrer"})
_PHONE_LIKE = re.compile(r"^[\d\s+().\-/]+$")
_NOT_DIGIT = re.compile(r"\D+")

Cursor = duckdb.DuckDBPyConnection


def local_time(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC wall-clock time in the workspace's time zone."""
    return value.replace(tzinfo=UTC).astimezone(zone) if value is not None else None


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def display_name(name: str | None, first_name: str | None, last_name: str | None) -> str | None:
    """The customer's name as it is written: a Chinese name in characters family name first
    with no space (董建华, not "建华 董" as first + last reads), others as stored."""
    derived = name is None or name == f"{first_name} {last_name}"
    if first_name and last_name and derived and _HAN.search(first_name + last_name):
        return f"{last_name}{first_name}"
    return name


def shown_value(value: Any) -> str:
    """A property value as one short line of text (nested values as JSON)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = f"{value:g}" if isinstance(value, float) else str(value)
    else:
        text = orjson.dumps(value).decode()
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def key_properties(properties: dict[str, Any]) -> list[tuple[str, str]]:
    """The few properties worth a glance in a timeline row, most telling first."""
    names = [n for n in PREFERRED_PROPERTIES if n in properties]
    names += [n for n in properties if n not in names and n not in HIDDEN_PROPERTIES]
    out = []
    for name in names:
        value = properties[name]
        if value is None or value == "" or (isinstance(value, (list, dict)) and not value):
            continue
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            out.append((name, f"{len(value)} ×"))
        else:
            out.append((name, shown_value(value)))
        if len(out) == KEY_PROPERTIES:
            break
    return out


# ---- search ------------------------------------------------------------------------------
def search_terms(query: str) -> dict[str, Any]:
    """The bound values a search uses: exact id, lower-cased text, phone digits."""
    text = query.strip()
    digits = _NOT_DIGIT.sub("", text) if _PHONE_LIKE.match(text) else ""
    person_id = int(text) if text.isdigit() and len(text) < 19 else None
    return {
        "exact": text.lower(),
        "text": text.lower(),
        "digits": digits if len(digits) >= 3 else None,
        "person_id": person_id,
    }


_MATCHED = """
    SELECT p.person_id,
           CASE WHEN p.person_id = $person_id OR p.person_id IN (
                    SELECT person_id FROM identities WHERE lower(distinct_id) = $exact) THEN 0
                WHEN lower(p.email) = $exact THEN 1
                ELSE 2 END AS match_rank
    FROM persons p
    WHERE $text = ''
       OR p.person_id = $person_id
       OR contains(lower(p.email), $text)
       OR contains(lower(p.name), $text)
       OR contains(lower(coalesce(p.last_name, '') || coalesce(p.first_name, '')), $text)
       OR ($digits IS NOT NULL
           AND contains(regexp_replace(coalesce(p.phone, ''), '[^0-9]', '', 'g'), $digits))
       OR p.person_id IN (
            SELECT person_id FROM identities
            WHERE lower(distinct_id) = $exact
               OR (kind = 'email' AND contains(distinct_id, $text))
               OR ($digits IS NOT NULL AND kind = 'phone' AND contains(distinct_id, $digits)))
"""


def search(cursor: Cursor, query: str, *, page: int = 1, zone: ZoneInfo) -> dict[str, Any]:
    """Customers matching ``query`` (all of them, most recently seen first, when empty):
    exact id matches first, then an exact email, then the rest by last seen."""
    terms = search_terms(query)
    total = cursor.execute(f"SELECT count(*) FROM ({_MATCHED})", terms).fetchone()
    total = int(total[0]) if total else 0
    pages = max(1, -(-total // SEARCH_PAGE_SIZE))
    page = min(max(1, page), pages)
    found = dicts(
        cursor.execute(
            f"""
            WITH matched AS ({_MATCHED}),
            chosen AS (
                SELECT m.match_rank, p.*
                FROM matched m JOIN persons p USING (person_id)
                ORDER BY m.match_rank, p.last_seen_at DESC NULLS LAST, p.person_id
                LIMIT $limit OFFSET $offset)
            SELECT c.person_id, c.name, c.first_name, c.last_name, c.email, c.phone, c.country, c.city, c.is_identified,
                   c.first_seen_at, c.last_seen_at, c.match_rank,
                   (SELECT count(*) FROM events e WHERE e.person_id = c.person_id) AS events
            FROM chosen c
            ORDER BY c.match_rank, c.last_seen_at DESC NULLS LAST, c.person_id
            """,
            {
                **terms,
                "limit": SEARCH_PAGE_SIZE,
                "offset": (page - 1) * SEARCH_PAGE_SIZE,
            },
        )
    )
    for row in found:
        row["first_seen_at"] = local_time(row["first_seen_at"], zone)
        row["last_seen_at"] = local_time(row["last_seen_at"], zone)
        row["exact_match"] = row.pop("match_rank") < 2
        row["display_name"] = display_name(row["name"], row["first_name"], row["last_name"])
    return {
        "query": query.strip(),
        "page": page,
        "pages": pages,
        "per_page": SEARCH_PAGE_SIZE,
        "total": total,
        "customers": found,
    }


# ---- one person --------------------------------------------------------------------------
def person_of_distinct_id(cursor: Cursor, distinct_id: str) -> int | None:
    row = cursor.execute(
        "SELECT person_id FROM identities WHERE distinct_id = ?", [distinct_id]
    ).fetchone()
    return int(row[0]) if row else None


def merged_into(cursor: Cursor, person_id: int) -> int | None:
    """The person a merged-away ``person_id`` now lives on, following merges to the end."""
    seen = {person_id}
    current = person_id
    while True:
        row = cursor.execute(
            "SELECT target_person_id FROM person_merges"
            " WHERE status = 'merged' AND source_person_id = ? ORDER BY merged_at DESC LIMIT 1",
            [current],
        ).fetchone()
        if not row or row[0] is None or int(row[0]) in seen:
            return current if current != person_id else None
        current = int(row[0])
        seen.add(current)
        if cursor.execute("SELECT 1 FROM persons WHERE person_id = ?", [current]).fetchone():
            return current


def person(cursor: Cursor, person_id: int, zone: ZoneInfo) -> dict[str, Any] | None:
    found = dicts(cursor.execute("SELECT * FROM persons WHERE person_id = ?", [person_id]))
    if not found:
        return None
    row = found[0]
    row["traits"] = _json(row["traits"])
    row["display_name"] = display_name(row["name"], row["first_name"], row["last_name"])
    for column in ("first_seen_at", "last_seen_at", "created_at", "updated_at"):
        row[column] = local_time(row[column], zone)
    return row


_LINKED = """
    WITH mine AS (
        SELECT timestamp, user_id, anonymous_id,
               json_extract_string(traits, '$.email') AS email,
               json_extract_string(traits, '$.phone') AS phone
        FROM events WHERE person_id = $person_id),
    evidence AS (
        SELECT user_id AS distinct_id, timestamp FROM mine WHERE user_id IS NOT NULL
        UNION ALL
        SELECT anonymous_id, timestamp FROM mine
        WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL
        UNION ALL
        SELECT 'email:' || lower(trim(email)), timestamp FROM mine WHERE email IS NOT NULL
        UNION ALL
        SELECT 'phone:' || regexp_replace(phone, '[^0-9]', '', 'g'), timestamp FROM mine
        WHERE phone IS NOT NULL),
    linked AS (SELECT distinct_id, min(timestamp) AS at FROM evidence GROUP BY ALL),
    seen AS (
        SELECT anonymous_id AS distinct_id, min(timestamp) AS at FROM mine
        WHERE anonymous_id IS NOT NULL GROUP BY ALL)
    SELECT i.distinct_id, i.kind, coalesce(l.at, s.at, i.created_at) AS linked_at,
           CASE WHEN l.at IS NOT NULL THEN 'event' WHEN s.at IS NOT NULL THEN 'first_seen'
                ELSE 'recorded' END AS linked_by,
           i.created_at AS recorded_at
    FROM identities i
    LEFT JOIN linked l USING (distinct_id) LEFT JOIN seen s USING (distinct_id)
    WHERE i.person_id = $person_id
    ORDER BY CASE i.kind WHEN 'user' THEN 0 WHEN 'email' THEN 1 WHEN 'phone' THEN 2
             WHEN 'crm' THEN 3 ELSE 4 END, linked_at, i.distinct_id
"""


def identities(cursor: Cursor, person_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The person's ids and when each was linked to them: the first event that carried it
    with the customer's user id (a device's id from the event that identified it, a user id
    from its first event, an email or phone from the identify call that gave it).
    ``linked_by`` says where the time comes from: ``event``; ``first_seen`` for an id never
    seen with a user id (an anonymous visitor); ``recorded`` for an id no event carries
    (a CRM import's email), whose time is when the workspace stored it."""
    found = dicts(cursor.execute(_LINKED, {"person_id": person_id}))
    for row in found:
        row["linked_at"] = local_time(row["linked_at"], zone)
        row["recorded_at"] = local_time(row["recorded_at"], zone)
    return found


def channel_mix(cursor: Cursor, person_id: int) -> list[dict[str, Any]]:
    found = dicts(
        cursor.execute(
            "SELECT channel, count(*) AS events FROM events WHERE person_id = ?"
            " GROUP BY channel ORDER BY events DESC, channel",
            [person_id],
        )
    )
    total = sum(row["events"] for row in found)
    for row in found:
        row["share"] = row["events"] / total
    return found


def _timeline_event(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    properties = _json(row["properties"])
    shown = _json(row["traits"]) if row["type"] == "identify" else properties
    label = None
    if row["type"] in ("page", "screen"):
        label = properties.get("name") or properties.get("title") or row["path"]
    return {
        "message_id": row["message_id"],
        "timestamp": local_time(row["timestamp"], zone),
        "channel": row["channel"],
        "type": row["type"],
        "event": row["event"],
        "label": label if isinstance(label, str) else None,
        "properties": [
            {"name": name, "value": value}
            for name, value in key_properties(
                {k: v for k, v in shown.items() if not (label and k in ("name", "title"))}
            )
        ],
    }


def timeline(
    cursor: Cursor,
    person_id: int,
    zone: ZoneInfo,
    *,
    page: int = 1,
    channel: str | None = None,
) -> dict[str, Any]:
    """One page of the person's events across channels, newest first."""
    where, params = "person_id = $person_id", {"person_id": person_id}
    if channel:
        where += " AND channel = $channel"
        params["channel"] = channel
    counted = cursor.execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchone()
    total = int(counted[0]) if counted else 0
    pages = max(1, -(-total // TIMELINE_PAGE_SIZE))
    page = min(max(1, page), pages)
    found = dicts(
        cursor.execute(
            "SELECT message_id, timestamp, channel, type, event, properties, traits, path"
            f" FROM events WHERE {where}"
            " ORDER BY timestamp DESC, message_id DESC LIMIT $limit OFFSET $offset",
            {**params, "limit": TIMELINE_PAGE_SIZE, "offset": (page - 1) * TIMELINE_PAGE_SIZE},
        )
    )
    return {
        "page": page,
        "pages": pages,
        "per_page": TIMELINE_PAGE_SIZE,
        "total": total,
        "channel": channel,
        "events": [_timeline_event(row, zone) for row in found],
    }


def orders(cursor: Cursor, person_id: int, zone: ZoneInfo, currency: str = "USD") -> dict[str, Any]:
    counted = cursor.execute(
        "SELECT count(*) FROM orders WHERE person_id = ?", [person_id]
    ).fetchone()
    found = dicts(
        cursor.execute(
            "SELECT order_id, ordered_at, revenue, currency, channel, status, source"
            " FROM orders WHERE person_id = ? ORDER BY ordered_at DESC, order_id LIMIT ?",
            [person_id, MAX_ROWS],
        )
    )
    items: dict[str, list[dict[str, Any]]] = {}
    if found:
        for item in dicts(
            cursor.execute(
                "SELECT order_id, product_id, name, category, price, quantity FROM order_items"
                " WHERE order_id IN (SELECT unnest($ids)) ORDER BY order_id, line",
                {"ids": [row["order_id"] for row in found]},
            )
        ):
            items.setdefault(item.pop("order_id"), []).append(item)
    # The whole history, counted as every surface counts it (analyses/money.py): every order,
    # refunded ones included; revenue net of refunds, beside gross and refunds.
    tables = Tables(ibis.duckdb.from_connection(cursor), currency=currency)
    by_currency = money.totals(tables, person_id=person_id)
    priced = {c: m for c, m in by_currency.items() if m.priced_orders}
    for row in found:
        row["ordered_at"] = local_time(row["ordered_at"], zone)
        row["items"] = items.get(row["order_id"], [])
    return {
        "total": int(counted[0]) if counted else 0,
        "refunded": sum(m.refunded_orders for m in by_currency.values()),
        "revenue": {c: m.revenue for c, m in priced.items()},
        "gross_revenue": {c: m.gross_revenue for c, m in priced.items()},
        "refunds": {c: m.refunds for c, m in priced.items()},
        "orders": found,
    }


def feedback(cursor: Cursor, person_id: int, zone: ZoneInfo) -> dict[str, Any]:
    counted = cursor.execute(
        "SELECT count(*) FROM feedback WHERE person_id = ?", [person_id]
    ).fetchone()
    found = dicts(
        cursor.execute(
            "SELECT feedback_id, created_at, kind, channel, text, rating, nps, language,"
            " product_id, json_extract_string(properties, '$.name') AS product_name, order_id,"
            " source FROM feedback WHERE person_id = ?"
            " ORDER BY created_at DESC, feedback_id LIMIT ?",
            [person_id, MAX_ROWS],
        )
    )
    for row in found:
        row["created_at"] = local_time(row["created_at"], zone)
    return {"total": int(counted[0]) if counted else 0, "items": found}


def segments(cursor: Cursor, person_id: int) -> list[dict[str, Any]]:
    return dicts(
        cursor.execute(
            "SELECT s.segment_id, s.name, s.kind FROM segment_members m"
            " JOIN segments s USING (segment_id) WHERE m.person_id = ? ORDER BY s.name",
            [person_id],
        )
    )


def profile(
    cursor: Cursor,
    person_id: int,
    zone: ZoneInfo,
    *,
    page: int = 1,
    channel: str | None = None,
    currency: str = "USD",
) -> dict[str, Any] | None:
    """Everything the 360° page shows about one person, or ``None`` if there is no such one;
    ``currency`` is the workspace's, for orders that name none."""
    found = person(cursor, person_id, zone)
    if found is None:
        return None
    return {
        "person": found,
        "identities": identities(cursor, person_id, zone),
        "channels": channel_mix(cursor, person_id),
        "timeline": timeline(cursor, person_id, zone, page=page, channel=channel),
        "orders": orders(cursor, person_id, zone, currency),
        "feedback": feedback(cursor, person_id, zone),
        "segments": segments(cursor, person_id),
    }
