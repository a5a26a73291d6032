"""Declarative measures: what to count over which events, per day/week/month, with a breakdown.

A measure is one of

* ``count(EVENTS)`` — the number of events;
* ``persons(EVENTS)`` — the number of distinct persons with such an event;
* ``sum|avg|min|max|median(PROPERTY of EVENTS)`` and ``pNN(PROPERTY of EVENTS)`` (``p90``:
  the 90th percentile, interpolated) — of a numeric column (``revenue``) or a property read
  as a number (``properties.value``); events whose value is missing or not a number are left
  out of these aggregates;
* ``ratio(MEASURE, MEASURE)`` — the first ÷ the second, per period and breakdown (null where
  the second is 0 or missing); the parts may not be ratios themselves.

``EVENTS`` is ``*`` (any behaviour: track, page, screen), one name, or several joined by
``|`` (``Product Viewed|Product Added``), optionally followed by ``where FILTER and FILTER``
in the filter text form (``count(Order Completed where properties.coupon is set)``). The text
form is for the command line; names containing ``|``, ``,``, parentheses or the words
`` where `` / `` of `` / `` and `` need the JSON form::

    {"kind": "sum", "property": "revenue", "events": ["Order Completed"],
     "filters": ["currency = EUR"], "name": "EUR revenue"}
    {"kind": "ratio", "numerator": "persons(Order Completed)", "denominator": "persons(*)"}

Events are counted in the period (``expr.period_start``, the workspace time zone) of their
timestamp; the breakdown is each event's own value of an event property, a person property
(``person.country``) or ``channel``. Periods without events give 0 for counts and persons
and nothing for the other aggregates; with a date range every period in it is listed. A period
the range or ``now`` (default: the latest event) cuts is ``in_progress`` (``activity.Seen``):
its numbers cover only part of it.
"""

from __future__ import annotations

import builtins
import re
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from journeylens.analyses import activity
from journeylens.analyses.base import (
    Analysis,
    AnalysisError,
    AsOf,
    DateRange,
    Query,
    Result,
    Tables,
)
from journeylens.analyses.behaviour import behaviour, is_activity
from journeylens.analyses.expr import (
    AND,
    WHERE,
    Filter,
    Interval,
    apply_filters,
    event_text,
    in_range,
    needs_person,
    period_start,
    property_parts,
    property_text,
    property_value,
    with_person,
)

Kind = Literal["count", "persons", "sum", "avg", "min", "max", "median", "percentile", "ratio"]
ALL_EVENTS = "*"
PROPERTY_KINDS = ("sum", "avg", "min", "max", "median", "percentile")
ZERO_WHEN_EMPTY = ("count", "persons", "sum")

_CALL = re.compile(r"^\s*(?P<function>[A-Za-z]\w*)\s*\((?P<inside>.*)\)\s*$", re.DOTALL)
_PERCENTILE = re.compile(r"^p(?P<number>\d{1,2}(\.\d+)?)$")
_OF = re.compile(r"\s+of\s+", re.IGNORECASE)
GRAMMAR = (
    "write count(EVENTS), persons(EVENTS), sum|avg|min|max|median|p90(PROPERTY of EVENTS) or "
    "ratio(MEASURE, MEASURE); EVENTS is *, a name or A|B, optionally 'where FILTER and FILTER'"
)


class Measure(BaseModel):
    """One measure; given as the text form (see the module docstring) or as an object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    events: tuple[str, ...] = (ALL_EVENTS,)
    filters: tuple[Filter, ...] = ()
    property: str | None = None
    percentile: float | None = Field(None, gt=0, lt=1, description="0.9 for p90.")
    numerator: Measure | None = None
    denominator: Measure | None = None
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return parse_text(data) if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if self.kind == "ratio":
            if self.numerator is None or self.denominator is None:
                raise ValueError("A ratio needs a numerator and a denominator.")
            if "ratio" in (self.numerator.kind, self.denominator.kind):
                raise ValueError("A ratio's parts must be measures, not ratios.")
            return self
        if self.numerator is not None or self.denominator is not None:
            raise ValueError(f"Only a ratio has a numerator and a denominator, not {self.kind}.")
        if not self.events or any(not e.strip() for e in self.events):
            raise ValueError("Name the events, or * for any event.")
        if self.kind in PROPERTY_KINDS:
            if self.property is None:
                raise ValueError(f"{self.kind} needs a property, e.g. {self.kind}(revenue).")
            try:
                property_parts(self.property)
            except AnalysisError as error:
                hint = f" Write {self.kind}(PROPERTY of EVENTS), e.g. {self.kind}(revenue of X)."
                raise ValueError(f"{error}{hint}") from None
        elif self.property is not None:
            raise ValueError(f"{self.kind} takes no property.")
        if (self.kind == "percentile") != (self.percentile is not None):
            raise ValueError("A percentile needs its level (p90 or percentile: 0.9), only it.")
        return self

    @builtins.property
    def label(self) -> str:
        """The name given, else the canonical text form (which parses back to this measure)."""
        return self.name or self.text()

    def text(self) -> str:
        if self.kind == "ratio":
            assert self.numerator is not None and self.denominator is not None
            return f"ratio({self.numerator.text()}, {self.denominator.text()})"
        events = event_text(self.events, self.filters)
        if self.kind in ("count", "persons"):
            return f"{self.kind}({events})"
        function = f"p{self.percentile * 100:g}" if self.kind == "percentile" else self.kind
        of = "" if self.events == (ALL_EVENTS,) and not self.filters else f" of {events}"
        return f"{function}({self.property}{of})"

    def parts(self) -> dict[str, Measure]:
        """What is computed: the measure itself, or a ratio's numerator and denominator."""
        if self.kind == "ratio":
            assert self.numerator is not None and self.denominator is not None
            return {"numerator": self.numerator, "denominator": self.denominator}
        return {"value": self}

    def specs(self) -> list[str]:
        """Every property the measure reads (to know whether persons must be joined)."""
        found = [f.property for f in self.filters] + ([self.property] if self.property else [])
        for part in (self.numerator, self.denominator):
            found += part.specs() if part else []
        return found


def parse_text(text: str) -> dict[str, Any]:
    """The object form of a measure's text form; ValueError saying what to write."""
    call = _CALL.match(text)
    if not call:
        raise ValueError(f"Measure {text!r}: {GRAMMAR}.")
    function, inside = call["function"].lower(), call["inside"].strip()
    if function == "ratio":
        parts = _split_top_level(inside)
        if len(parts) != 2:
            raise ValueError(f"Measure {text!r}: a ratio takes two measures, ratio(A, B).")
        return {"kind": "ratio", "numerator": parts[0], "denominator": parts[1]}
    events_text, where = _split_once(WHERE, inside)
    filters = AND.split(where) if where else []
    if function in ("count", "persons"):
        return {"kind": function, "events": _events(events_text), "filters": filters}
    percentile = _PERCENTILE.match(function)
    if function not in PROPERTY_KINDS[:-1] and not percentile:
        raise ValueError(f"Measure {text!r}: unknown function {function!r}; {GRAMMAR}.")
    prop, events = _split_once(_OF, events_text)
    if not prop.strip():
        raise ValueError(f"Measure {text!r}: name the property, e.g. {function}(revenue).")
    data: dict[str, Any] = {
        "kind": "percentile" if percentile else function,
        "property": prop.strip(),
        "events": _events(events),
        "filters": filters,
    }
    if percentile:
        data["percentile"] = float(percentile["number"]) / 100
    return data


def _split_once(separator: re.Pattern[str], text: str) -> tuple[str, str]:
    pieces = separator.split(text, maxsplit=1)
    return pieces[0], (pieces[1] if len(pieces) > 1 else "")


def _events(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split("|") if part.strip())
    return names or (ALL_EVENTS,)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def parse_measure(value: str | dict[str, Any] | Measure) -> Measure:
    """A measure from its text or object form; AnalysisError with what to write."""
    if isinstance(value, Measure):
        return value
    try:
        return Measure.model_validate(value)
    except ValidationError as error:
        messages = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        where = f"Measure {value!r}: " if isinstance(value, str) and value not in messages else ""
        raise AnalysisError(where + messages) from None


class MeasuresQuery(Query, DateRange, AsOf):
    measures: tuple[Measure, ...] = Field(
        description="e.g. 'count(Order Completed)', 'persons(*)', 'sum(revenue of Order "
        "Completed)', 'p90(properties.value of Checkout Started)', "
        "'ratio(persons(Order Completed), persons(*))'.",
        json_schema_extra={"cli": "--measure"},
    )
    period: Interval = Field("day", description="Cut in the workspace time zone.")
    breakdown: str | None = Field(
        None, description="channel, properties.KEY, context.PATH, person.country..."
    )
    filters: tuple[Filter, ...] = Field(
        (), description="Applied to every measure's events.", json_schema_extra={"cli": "--filter"}
    )

    @model_validator(mode="after")
    def _check(self) -> MeasuresQuery:
        if not self.measures:
            raise ValueError("Name at least one measure, e.g. --measure 'count(*)'.")
        if self.breakdown is not None:
            property_parts(self.breakdown)
        return self

    def named_events(self) -> list[tuple[str, str]]:
        return [
            (f"measure {k}", name)
            for k, measure in enumerate(self.measures, 1)
            for part in (measure.numerator, measure.denominator, measure)
            if part is not None
            for name in part.events
            if name != ALL_EVENTS
        ]


def _aggregate(events: ir.Table, measure: Measure) -> ir.Value:
    if measure.kind == "count":
        return events.count().cast("float64")
    if measure.kind == "persons":
        return events.person_id.nunique().cast("float64")
    assert measure.property is not None
    value = property_value(events, measure.property)
    if property_parts(measure.property)[1] or not value.type().is_numeric():
        value = value.cast("string").try_cast("float64")
    value = value.cast("float64")
    if measure.kind == "percentile":
        return value.quantile(measure.percentile)
    return getattr(value, {"avg": "mean"}.get(measure.kind, measure.kind))()


def part_table(
    tables: Tables, query: MeasuresQuery, measure: Measure, events: ir.Table
) -> ir.Table:
    """``period_start, breakdown, value`` for one (non-ratio) measure."""
    if measure.events != (ALL_EVENTS,):
        events = events.filter(events.event.isin(list(measure.events)))
    else:
        events = events.filter(is_activity(tables, events))
    events = apply_filters(events, measure.filters)
    keys: dict[str, ir.Value] = {}
    if query.period != "total":
        keys["period_start"] = period_start(tables, events.timestamp, query.period)
    if query.breakdown is not None:
        keys["breakdown"] = property_text(events, query.breakdown)
    value = _aggregate(events, measure).name("value")
    table = events.group_by(**keys).aggregate(value) if keys else events.aggregate(value)
    return table.select(
        period_start=table.period_start if "period_start" in keys else ibis.null("timestamp"),
        breakdown=table.breakdown if "breakdown" in keys else ibis.null("string"),
        value=table.value,
    )


def build(tables: Tables, query: MeasuresQuery) -> ir.Table:
    """Long form: ``measure`` (index), ``part``, ``period_start``, ``breakdown``, ``value``."""
    events = behaviour(tables.events)
    specs = [s for m in query.measures for s in m.specs()] + [f.property for f in query.filters]
    if needs_person(query.breakdown, *specs):
        events = with_person(tables, events)
    events = apply_filters(in_range(events, query.date_from, query.date_to), query.filters)
    pieces = [
        part_table(tables, query, part, events).mutate(
            measure=ibis.literal(index), part=ibis.literal(role)
        )
        for index, measure in enumerate(query.measures)
        for role, part in measure.parts().items()
    ]
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]


class Point(BaseModel):
    measure: str
    period_start: date | None
    breakdown: str | None = None
    value: float | None
    in_progress: bool = False


class MeasuresResult(Result):
    measures: list[str]
    breakdown: str | None = None
    points: list[Point]

    def rows(self) -> list[dict[str, Any]]:
        """One row per period (and breakdown value), one column per measure."""
        table: dict[tuple[Any, Any], dict[str, Any]] = {}
        for p in self.points:
            key = (p.period_start, p.breakdown)
            row = table.setdefault(
                key,
                {
                    "period_start": p.period_start and p.period_start.isoformat(),
                    "in_progress": p.in_progress,
                },
            )
            if self.breakdown is not None:
                row["breakdown"] = p.breakdown
            row[p.measure] = p.value
        return list(table.values())

    def value(self, measure: str, period_start: date | None = None, breakdown: str | None = None):
        """One number, e.g. ``result.value("persons(*)", date(2025, 3, 3))``."""
        for p in self.points:
            if (p.measure, p.period_start, p.breakdown) == (measure, period_start, breakdown):
                return p.value
        raise KeyError((measure, period_start, breakdown))


def periods_in_range(
    timezone: str, date_from: datetime, date_to: datetime, period: str
) -> list[date]:
    """The local start dates of every day/week/month the UTC range [from, to) touches."""
    zone = ZoneInfo(timezone)

    def local(moment: datetime) -> date:
        return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()

    first, last = local(date_from), local(date_to - timedelta(microseconds=1))
    found = []
    day = first
    while day <= last:
        start = {"day": day, "week": day - timedelta(days=day.weekday()),
                 "month": day.replace(day=1)}[period]  # fmt: skip
        if not found or found[-1] != start:
            found.append(start)
        day += timedelta(days=1)
    return found


def run(tables: Tables, query: MeasuresQuery) -> MeasuresResult:
    frame = tables.execute(build(tables, query))
    cells: dict[tuple[int, str, date | None, str | None], float | None] = {}
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        start = row["period_start"]
        start = pd.Timestamp(start).date() if start is not None else None
        key = (int(row["measure"]), row["part"], start,
               None if row["breakdown"] is None else str(row["breakdown"]))  # fmt: skip
        cells[key] = None if row["value"] is None else float(row["value"])
    if query.period == "total":
        periods: list[date | None] = [None]
    elif query.date_from is not None and query.date_to is not None:
        periods = list(periods_in_range(tables.timezone, query.date_from, query.date_to,
                                        query.period))  # fmt: skip
    else:
        periods = sorted({k[2] for k in cells if k[2] is not None})
    seen = activity.seen(tables, query.period, query.date_from, query.date_to, query.now)
    groups = sorted({k[3] for k in cells}, key=lambda v: (v is None, v or ""))
    if query.breakdown is None or not groups:
        groups = [None]
    points = []
    for index, measure in enumerate(query.measures):
        for start in periods:
            for group in groups:
                parts = {
                    role: cells.get((index, role, start, group),
                                    0.0 if part.kind in ZERO_WHEN_EMPTY else None)
                    for role, part in measure.parts().items()
                }  # fmt: skip
                value = parts.get("value")
                if measure.kind == "ratio":
                    num, den = parts["numerator"], parts["denominator"]
                    value = num / den if num is not None and den else None
                points.append(Point(measure=measure.label, period_start=start, breakdown=group,
                                    value=value,
                                    in_progress=seen.partial(start, query.period)))  # fmt: skip
    return MeasuresResult(
        measures=[m.label for m in query.measures], breakdown=query.breakdown, points=points
    )


ANALYSIS = Analysis(
    name="measures",
    path="measures",
    summary="Declarative measures (count, persons, sum/avg/percentiles, ratios) per period.",
    query=MeasuresQuery,
    result=MeasuresResult,
    run=run,
)
