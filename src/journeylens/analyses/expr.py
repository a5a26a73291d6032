"""Expression helpers shared by the analyses: properties, filters, periods, date ranges.

User-supplied property names and values only ever become Ibis *values* (literals bound into
the query), never SQL text, so a hostile name is just a key that matches nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, model_validator

from journeylens.analyses import dialect
from journeylens.analyses.base import AnalysisError, Tables

EVENT_COLUMNS = (
    "event", "type", "channel", "source", "url", "path", "referrer", "utm_source", "utm_medium",
    "utm_campaign", "product_id", "currency", "revenue", "session_id", "user_id", "anonymous_id",
    "person_id",
)  # fmt: skip
JSON_COLUMNS = ("properties", "context", "traits")
PERSON_COLUMNS = (
    "email", "phone", "name", "gender", "birth_year", "country", "city", "signup_date",
    "is_identified",
)  # fmt: skip

Period = Literal["day", "week", "month"]
Interval = Literal["day", "week", "month", "total"]  # "total": one value for the whole range
PERIOD_UNITS = {"day": "D", "week": "W", "month": "M"}


def property_parts(spec: str) -> tuple[str, tuple[str, ...]]:
    """``channel`` → (channel, ()); ``properties.plan`` → (properties, (plan,));
    ``context.library.name``; ``person.country``; ``person.traits.plan``."""
    head, _, rest = spec.strip().partition(".")
    keys = tuple(k for k in rest.split(".") if k) if rest else ()
    if head in JSON_COLUMNS:
        if not keys:
            raise AnalysisError(f"Property {spec!r}: name a key, e.g. {head}.plan.")
        return head, keys
    if head in EVENT_COLUMNS and not keys:
        return head, ()
    if head == "person" and keys:
        if keys[0] == "traits" and len(keys) > 1:
            return "person_traits", keys[1:]
        if keys[0] in PERSON_COLUMNS and len(keys) == 1:
            return f"person_{keys[0]}", ()
    raise AnalysisError(
        f"Unknown property {spec!r}; use an event column ({', '.join(EVENT_COLUMNS)}), "
        "properties.KEY, context.PATH (e.g. context.library.name), person.COLUMN "
        f"({', '.join(PERSON_COLUMNS)}) or person.traits.KEY."
    )


def needs_person(*specs: str | None) -> bool:
    return any(s is not None and property_parts(s)[0].startswith("person_") for s in specs)


def with_person(tables: Tables, events: ir.Table) -> ir.Table:
    """The events with the person's promoted traits as ``person_<column>`` (left join)."""
    persons = tables.persons
    columns = {f"person_{c}": persons[c] for c in PERSON_COLUMNS if c in persons.columns}
    people = persons.select(person_key=persons.person_id, person_traits=persons.traits, **columns)
    return events.left_join(people, events.person_id == people.person_key).drop("person_key")


def property_value(table: ir.Table, spec: str) -> ir.Value:
    """The property as an expression: a column as it is, a JSON key as text."""
    column, keys = property_parts(spec)
    if column not in table.columns:
        raise AnalysisError(f"Property {spec!r} is not available here.")
    value = table[column]
    if not keys:
        return value
    return dialect.json_text(value, keys, dialect.engine_of(table))


def property_text(table: ir.Table, spec: str) -> ir.StringValue:
    return property_value(table, spec).cast("string")


Operator = Literal[
    "=", "!=", ">", ">=", "<", "<=", "contains", "not contains", "is set", "is not set"
]
_FILTER_TEXT = re.compile(
    r"^\s*(?P<property>.+?)\s*(?P<op>!=|>=|<=|=|>|<|\bnot contains\b|\bcontains\b|\bis not set\b|\bis set\b)\s*(?P<value>.*?)\s*$",
    re.DOTALL,
)


class Filter(BaseModel):
    """``property op value``: ``properties.plan = pro``, ``revenue > 100``, ``utm_source is set``.

    Given as an object (``{"property": ..., "op": ..., "value": ...}``) or as that text.
    ``=``/``!=`` compare as text; ``<``/``>`` compare numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    property: str
    op: Operator = "="
    value: str | float | int | bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        match = _FILTER_TEXT.match(data)
        if not match:
            raise ValueError(
                f"Filter {data!r}: write PROPERTY OP VALUE, e.g. 'properties.plan = pro', "
                "'revenue > 100', 'utm_source is set'."
            )
        value = match["value"]
        return {"property": match["property"], "op": match["op"], "value": value or None}

    @model_validator(mode="after")
    def _check(self) -> Filter:
        property_parts(self.property)
        if self.op in ("is set", "is not set"):
            return self
        if self.value is None:
            raise ValueError(f"Filter on {self.property!r} with {self.op!r} needs a value.")
        if self.op in (">", ">=", "<", "<="):
            try:
                float(self.value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Filter {self.property} {self.op} {self.value!r}: compare with a number."
                ) from None
        return self

    def predicate(self, table: ir.Table) -> ir.BooleanValue:
        value = property_value(table, self.property)
        if self.op == "is set":
            return value.notnull()
        if self.op == "is not set":
            return value.isnull()
        if self.op in (">", ">=", "<", "<="):
            number = value.cast("string").try_cast("float64")
            limit = ibis.literal(float(self.value))  # type: ignore[arg-type]
            return {">": number > limit, ">=": number >= limit, "<": number < limit,
                    "<=": number <= limit}[self.op]  # fmt: skip
        text = value.cast("string")
        wanted = ibis.literal(_text(self.value))
        if self.op == "=":
            return text == wanted
        if self.op == "!=":
            return (text != wanted) | text.isnull()
        if self.op == "contains":
            return text.contains(wanted)
        return ~text.contains(wanted) | text.isnull()

    def text(self) -> str:
        """The text form, which parses back to this filter."""
        if self.value is None:
            return f"{self.property} {self.op}"
        return f"{self.property} {self.op} {_text(self.value)}"


# ---- "EVENTS where FILTER and FILTER": the one text form of events narrowed by filters ----------
WHERE = re.compile(r"\s+where\s+", re.IGNORECASE)
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_event_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``"A|B where P OP V and P2 OP V2"`` → ``(("A", "B"), ("P OP V", "P2 OP V2"))``.

    Split at the first `` where `` (any case); the filters are joined by `` and ``. A name or
    value containing ``|``, `` where `` or `` and `` needs the JSON form instead."""
    names, *conditions = WHERE.split(text, maxsplit=1)
    events = tuple(part.strip() for part in names.split("|") if part.strip())
    filters = tuple(c for c in AND.split(conditions[0].strip()) if c) if conditions else ()
    return events, filters


def event_text(events: tuple[str, ...], filters: tuple[Filter, ...], *, joiner: str = "|") -> str:
    """The text form of events narrowed by filters (the inverse of ``split_event_text``)."""
    text = joiner.join(events)
    if filters:
        text += " where " + " and ".join(f.text() for f in filters)
    return text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def apply_filters(table: ir.Table, filters: tuple[Filter, ...] | list[Filter]) -> ir.Table:
    for item in filters:
        table = table.filter(item.predicate(table).fill_null(False))
    return table


def in_range(
    table: ir.Table, date_from: datetime | None, date_to: datetime | None, column: str = "timestamp"
) -> ir.Table:
    if date_from is not None:
        table = table.filter(table[column] >= date_from)
    if date_to is not None:
        table = table.filter(table[column] < date_to)
    return table


def period_start(tables: Tables, ts: ir.TimestampValue, period: Period) -> ir.TimestampValue:
    """The start of the day/week (ISO, Monday)/month of ``ts``, cut in the workspace time zone."""
    local = dialect.to_local(ts, tables.timezone, tables.engine)
    return local.truncate(PERIOD_UNITS[period])
