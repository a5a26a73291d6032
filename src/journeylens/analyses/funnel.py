"""Funnels: how many people go through ordered steps, where they drop off, how long it takes.

Semantics (DESIGN.md "Funnels"), ``sequential`` order, counted per person:

* a person enters with their **first** event of step 1 (the conversion window starts there);
* step k counts the **earliest** event of step k strictly after the time step k-1 was
  reached and no later than the window's end (other events may happen in between);
* so step k+1 never exceeds step k.

A step may be any of several events (``"Product Viewed|Product Added"``). Per step the result
gives users, the overall rate (÷ step 1), the step rate (÷ the previous step), the drop-off
and the median and mean seconds from the previous step.

Each step is one join and one ``GROUP BY person`` (portable to every Ibis backend; a
list-lambda formulation for DuckDB is the known faster alternative, DESIGN.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journeylens.analyses.base import (
    Analysis,
    AnalysisError,
    DateRange,
    Query,
    Result,
    Tables,
    number,
    parse_duration,
)
from journeylens.analyses.expr import Filter, apply_filters, property_parts, property_text

DEFAULT_WINDOW = timedelta(days=14)
FunnelError = AnalysisError


class Step(BaseModel):
    """A step: any of ``events`` (``"A|B"`` as text), optionally narrowed by ``filters``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: tuple[str, ...]
    filters: tuple[Filter, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            events = tuple(part.strip() for part in data.split("|") if part.strip())
            return {"events": events}
        return data

    @field_validator("events")
    @classmethod
    def _some_event(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        if not events:
            raise ValueError("A step names no event; write e.g. 'Product Viewed|Product Added'.")
        return events

    @classmethod
    def parse(cls, text: str) -> Step:
        try:
            return cls.model_validate(text)
        except ValueError as error:
            raise AnalysisError(str(error).splitlines()[-1].strip()) from None

    @property
    def name(self) -> str:
        return " | ".join(self.events)


class FunnelQuery(Query, DateRange):
    steps: tuple[Step, ...] = Field(
        description="Events in order; a step may be 'A|B' (any of them).",
        json_schema_extra={"cli": "--step"},
    )
    window: timedelta | None = Field(
        DEFAULT_WINDOW,
        description="Conversion window from the first step-1 event: 14d, 36h, or none.",
    )
    breakdown: str | None = Field(
        None,
        description="First-touch breakdown: channel, utm_source, properties.KEY, context.PATH.",
    )

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> FunnelQuery:
        if len(self.steps) < 2:
            raise ValueError("A funnel needs at least two steps.")
        if self.breakdown is not None:
            property_parts(self.breakdown)
        return self


class StepResult(BaseModel):
    name: str
    users: int
    overall_rate: float
    step_rate: float
    drop_off: int
    median_seconds_to_convert: float | None = None
    mean_seconds_to_convert: float | None = None


class BreakdownResult(BaseModel):
    value: str | None
    steps: list[StepResult]


class FunnelResult(Result):
    steps: list[StepResult]
    breakdown: list[BreakdownResult] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if self.breakdown is None:
            del data["breakdown"]
        return data

    def rows(self) -> list[dict[str, Any]]:
        if self.breakdown is None:
            return [step.model_dump() for step in self.steps]
        rows = [{"breakdown": "(all)", **step.model_dump()} for step in self.steps]
        for group in self.breakdown:
            rows.extend({"breakdown": group.value, **s.model_dump()} for s in group.steps)
        return rows


def parse_window(text: str | None) -> timedelta | None:
    """``14d``, ``36h``, ``90m``, ``none``."""
    return parse_duration(text)


def build(tables: Tables, query: FunnelQuery) -> ir.Table:
    """One row per person: ``reached_k`` (timestamp or null) for every step k."""
    events = tables.events
    wanted = sorted({name for step in query.steps for name in step.events})
    filtered = events.filter(events.event.isin(wanted))

    def step_events(step: Step) -> ir.Table:
        return apply_filters(filtered.filter(filtered.event.isin(step.events)), step.filters)

    first = step_events(query.steps[0])
    # The date range picks who enters: their first step-1 event *within* the range.
    if query.date_from is not None:
        first = first.filter(first.timestamp >= query.date_from)
    if query.date_to is not None:
        first = first.filter(first.timestamp < query.date_to)
    first_touch: dict[str, ir.Value] = {}
    if query.breakdown is not None:
        # First touch: the breakdown value of the person's first step-1 event.
        first_touch["breakdown"] = property_text(first, query.breakdown).argmin(first.timestamp)
    people = first.group_by("person_id").agg(reached_0=first.timestamp.min(), **first_touch)
    if query.window is not None:
        people = people.mutate(
            window_end=people.reached_0 + ibis.interval(seconds=int(query.window.total_seconds()))
        )

    for k, step in enumerate(query.steps[1:], start=1):
        previous = people[f"reached_{k - 1}"]
        candidates = step_events(step).select("person_id", "timestamp")
        joined = people.select(
            "person_id", previous.name("previous"), *(["window_end"] if query.window else [])
        ).join(candidates, "person_id")
        condition = joined.timestamp > joined.previous
        if query.window is not None:
            condition &= joined.timestamp <= joined.window_end
        reached = (
            joined.filter(condition)
            .group_by("person_id")
            .agg(**{f"reached_{k}": joined.timestamp.min()})
        )
        people = people.left_join(reached, "person_id").drop("person_id_right")
    return people


def summarise(people: ir.Table, query: FunnelQuery, *, by_breakdown: bool = False) -> ir.Table:
    """Aggregate the per-person table into one row of counts and durations (per breakdown)."""
    metrics: dict[str, ir.Value] = {}
    for k in range(len(query.steps)):
        reached = people[f"reached_{k}"]
        metrics[f"users_{k}"] = reached.notnull().sum()
        if k:
            seconds = reached.epoch_seconds() - people[f"reached_{k - 1}"].epoch_seconds()
            metrics[f"median_{k}"] = seconds.median()
            metrics[f"mean_{k}"] = seconds.mean()
    if by_breakdown:
        return people.group_by("breakdown").aggregate(**metrics)
    return people.aggregate(**metrics)


def run(tables: Tables, query: FunnelQuery) -> FunnelResult:
    people = build(tables, query)
    overall = tables.execute(summarise(people, query))
    steps = _steps(overall.iloc[0], query)
    if query.breakdown is None:
        return FunnelResult(steps=steps)
    table = tables.execute(summarise(people, query, by_breakdown=True))
    groups = [
        BreakdownResult(
            value=None if row["breakdown"] is None else str(row["breakdown"]),
            steps=_steps(row, query),
        )
        for row in table.astype(object).where(table.notna(), None).to_dict("records")
    ]
    groups.sort(key=lambda g: (-g.steps[0].users, g.value or ""))
    return FunnelResult(steps=steps, breakdown=groups)


def _steps(row: Any, query: FunnelQuery) -> list[StepResult]:
    steps = []
    first_users = int(row["users_0"] or 0)
    previous_users = first_users
    for k, step in enumerate(query.steps):
        users = int(row[f"users_{k}"] or 0)
        steps.append(
            StepResult(
                name=step.name,
                users=users,
                overall_rate=users / first_users if first_users else 0.0,
                step_rate=(users / previous_users if previous_users else 0.0) if k else 1.0,
                drop_off=(previous_users - users) if k else 0,
                median_seconds_to_convert=number(row.get(f"median_{k}")) if k else None,
                mean_seconds_to_convert=number(row.get(f"mean_{k}")) if k else None,
            )
        )
        previous_users = users
    return steps


ANALYSIS = Analysis(
    name="funnel",
    path="funnels",
    summary="Ordered steps: users per step, conversion, drop-off and time to convert.",
    query=FunnelQuery,
    result=FunnelResult,
    run=run,
)
