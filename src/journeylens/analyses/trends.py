"""Trends: how many times, and by how many people, events happen over time.

For each event named (``Order Completed``; ``A|B`` for any of several; ``*`` for any
behaviour) and each day/week/month (cut in the workspace time zone): the number of events and
the number of distinct persons, optionally broken down by an event property, a person property
(``person.country``) or ``channel``, and narrowed by property filters. Built on ``measures``:
a trend line is ``count(EVENT)`` beside ``persons(EVENT)``; with a date range every period in
it is listed, empty ones as 0. A period the range or ``now`` (default: the latest event) cuts
— the week of a range ending on a Wednesday, the day still going on — is ``in_progress``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis.expr.types as ir
from pydantic import BaseModel, Field, field_validator, model_validator

from journeylens.analyses import measures
from journeylens.analyses.base import Analysis, AsOf, DateRange, Query, Result, Tables
from journeylens.analyses.expr import Filter, Interval, property_parts
from journeylens.analyses.measures import Measure, MeasuresQuery


class TrendsQuery(Query, DateRange, AsOf):
    events: tuple[str, ...] = Field(
        description="Event names; 'A|B' counts any of them as one line, '*' any event.",
        json_schema_extra={"cli": "--event"},
    )
    period: Interval = Field("day", description="Cut in the workspace time zone.")
    breakdown: str | None = Field(
        None, description="channel, properties.KEY, context.PATH, person.country..."
    )
    filters: tuple[Filter, ...] = Field(
        (), description="e.g. 'properties.plan = pro'.", json_schema_extra={"cli": "--filter"}
    )

    @field_validator("events")
    @classmethod
    def _some_events(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(e.strip() for e in events if e.strip())
        if not cleaned:
            raise ValueError("Name at least one event, e.g. --event 'Order Completed'.")
        return cleaned

    @model_validator(mode="after")
    def _check(self) -> TrendsQuery:
        if self.breakdown is not None:
            property_parts(self.breakdown)
        return self

    def named_events(self) -> list[tuple[str, str]]:
        return [
            (f"event {k}", name.strip())
            for k, line in enumerate(self.events, 1)
            for name in line.split("|")
            if name.strip() not in ("", "*")
        ]


class TrendPoint(BaseModel):
    event: str
    period_start: date | None
    breakdown: str | None = None
    count: int
    persons: int
    in_progress: bool = False


class TrendsResult(Result):
    breakdown: str | None = None
    points: list[TrendPoint]

    def rows(self) -> list[dict[str, Any]]:
        drop = {"breakdown"} if self.breakdown is None else set()
        return [
            {k: v for k, v in p.model_dump(mode="json").items() if k not in drop}
            for p in self.points
        ]


def _line(event: str) -> tuple[Measure, Measure]:
    names = tuple(part.strip() for part in event.split("|") if part.strip())
    return (
        Measure(kind="count", events=names, name=f"count:{event}"),
        Measure(kind="persons", events=names, name=f"persons:{event}"),
    )


def measures_query(query: TrendsQuery) -> MeasuresQuery:
    return MeasuresQuery(
        measures=tuple(m for event in query.events for m in _line(event)),
        period=query.period,
        breakdown=query.breakdown,
        filters=query.filters,
        date_from=query.date_from,
        date_to=query.date_to,
        now=query.now,
    )


def build(tables: Tables, query: TrendsQuery) -> ir.Table:
    return measures.build(tables, measures_query(query))


def run(tables: Tables, query: TrendsQuery) -> TrendsResult:
    result = measures.run(tables, measures_query(query))
    values = {(p.measure, p.period_start, p.breakdown): p.value for p in result.points}
    cut = {p.period_start for p in result.points if p.in_progress}
    keys = sorted(
        {(start, group) for _, start, group in values},
        key=lambda k: (k[0] or date.min, k[1] is None, k[1] or ""),
    )
    points = [
        TrendPoint(
            event=event,
            period_start=start,
            breakdown=group,
            count=int(values.get((f"count:{event}", start, group)) or 0),
            persons=int(values.get((f"persons:{event}", start, group)) or 0),
            in_progress=start in cut,
        )
        for event in query.events
        for start, group in keys
    ]
    return TrendsResult(breakdown=query.breakdown, points=points)


ANALYSIS = Analysis(
    name="trends",
    path="trends",
    summary="Events over time: counts and unique persons per period, with breakdowns.",
    query=TrendsQuery,
    result=TrendsResult,
    run=run,
)
