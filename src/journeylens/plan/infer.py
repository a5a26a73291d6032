"""``plan infer``: draft a plan from the events already stored.

For each event name (up to ``sample`` events each), every property seen gets the
JSON type(s) it had; a property present in every sampled event is required. The
draft is a starting point to edit, not a verdict.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import duckdb
import orjson

from journeylens.plan.model import TrackingPlan


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def infer_plan(
    con: duckdb.DuckDBPyConnection, sample: int = 1000, mode: str = "flag"
) -> TrackingPlan:
    rows = con.execute(
        """
        SELECT event, properties FROM (
            SELECT event, properties,
                   row_number() OVER (PARTITION BY event ORDER BY timestamp DESC, message_id) AS n
            FROM events WHERE event IS NOT NULL AND type IN ('track', 'page', 'screen')
        ) WHERE n <= ? ORDER BY event
        """,
        [sample],
    ).fetchall()
    seen: dict[str, int] = Counter()
    types: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for event, properties in rows:
        seen[event] += 1
        for name, value in (orjson.loads(properties) if properties else {}).items():
            types[event][name][_json_type(value)] += 1
    events: dict[str, dict[str, Any]] = {}
    for event in sorted(seen):
        props: dict[str, Any] = {}
        required = []
        for name, counts in sorted(types[event].items()):
            kinds = set(counts)
            if kinds <= {"integer", "number"} and "number" in kinds:
                kinds = {"number"}
            if {"integer", "number"} & kinds and len(kinds) > 1:
                kinds = (kinds - {"integer"}) | {"number"}
            props[name] = {"type": sorted(kinds)[0] if len(kinds) == 1 else sorted(kinds)}
            if sum(counts.values()) == seen[event] and "null" not in kinds:
                required.append(name)
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        events[event] = {
            "description": f"Inferred from {seen[event]:,} stored events.",
            "properties": schema,
        }
    return TrackingPlan.from_dict({"mode": mode, "allow_unplanned": True, "events": events})
