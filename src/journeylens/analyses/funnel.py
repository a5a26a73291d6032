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

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

DEFAULT_WINDOW = timedelta(days=14)


class FunnelError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    events: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Step:
        events = tuple(part.strip() for part in text.split("|") if part.strip())
        if not events:
            raise FunnelError(
                f"Step {text!r} names no event; write e.g. 'Product Viewed|Product Added'."
            )
        return cls(events)

    @property
    def name(self) -> str:
        return " | ".join(self.events)


@dataclass(frozen=True)
class FunnelQuery:
    steps: tuple[Step, ...]
    window: timedelta | None = DEFAULT_WINDOW  # None: unlimited
    date_from: datetime | None = None  # entry: the first step-1 event on or after this...
    date_to: datetime | None = None  # ...and before this (later steps may fall after it)
    breakdown: str | None = None  # a column, properties.KEY or context.PATH (first touch)

    def __post_init__(self) -> None:
        if len(self.steps) < 2:
            raise FunnelError("A funnel needs at least two steps.")
        if self.breakdown is not None:
            breakdown_parts(self.breakdown)  # fails early with a clear message


@dataclass(frozen=True)
class StepResult:
    name: str
    users: int
    overall_rate: float
    step_rate: float
    drop_off: int
    median_seconds_to_convert: float | None
    mean_seconds_to_convert: float | None


@dataclass(frozen=True)
class BreakdownResult:
    value: str | None
    steps: list[StepResult]


@dataclass(frozen=True)
class FunnelResult:
    steps: list[StepResult]
    breakdown: list[BreakdownResult] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"steps": [asdict(step) for step in self.steps]}
        if self.breakdown is not None:
            data["breakdown"] = [
                {"value": b.value, "steps": [asdict(step) for step in b.steps]}
                for b in self.breakdown
            ]
        return data

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(step) for step in self.steps])


def parse_window(text: str | None) -> timedelta | None:
    """``14d``, ``36h``, ``90m``, ``none``."""
    if text is None or text.strip().lower() in ("none", "unlimited", ""):
        return None
    value, unit = text.strip()[:-1], text.strip()[-1:].lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    try:
        amount = float(value)
    except ValueError:
        amount = -1
    if unit not in units or amount <= 0:
        raise FunnelError(f"Window {text!r}: write a number and d/h/m/s (e.g. 14d), or none.")
    return timedelta(**{units[unit]: amount})


BREAKDOWN_COLUMNS = (
    "channel", "source", "type", "url", "path", "referrer", "utm_source", "utm_medium",
    "utm_campaign", "product_id", "currency", "session_id",
)  # fmt: skip


def breakdown_parts(spec: str) -> tuple[str, tuple[str, ...]]:
    """``channel`` → (channel, ()); ``properties.plan`` → (properties, (plan,)); ``context.library.name``."""
    head, _, rest = spec.partition(".")
    keys = tuple(k for k in rest.split(".") if k) if rest else ()
    if head in ("properties", "context", "traits"):
        if not keys:
            raise FunnelError(f"Breakdown {spec!r}: name a key, e.g. {head}.plan.")
        return head, keys
    if head in BREAKDOWN_COLUMNS and not keys:
        return head, ()
    raise FunnelError(
        f"Cannot break down by {spec!r}; use one of {', '.join(BREAKDOWN_COLUMNS)}, "
        "properties.KEY or context.PATH (e.g. context.library.name)."
    )


def breakdown_value(events: ir.Table, spec: str) -> ir.StringValue:
    """The breakdown as a string expression; keys are values in the query, never SQL text."""
    column, keys = breakdown_parts(spec)
    value = events[column]
    if not keys:
        return value.cast("string")
    for key in keys:
        value = value[key]
    return value.unwrap_as("string")


def build(events: ir.Table, query: FunnelQuery) -> ir.Table:
    """One row per person: ``reached_k`` (timestamp or null) for every step k."""
    wanted = sorted({name for step in query.steps for name in step.events})
    filtered = events.filter(events.event.isin(wanted))
    base = filtered.select("person_id", "event", "timestamp")

    first = filtered.filter(filtered.event.isin(query.steps[0].events))
    # The date range picks who enters: their first step-1 event *within* the range.
    if query.date_from is not None:
        first = first.filter(first.timestamp >= query.date_from)
    if query.date_to is not None:
        first = first.filter(first.timestamp < query.date_to)
    first_touch: dict[str, ir.Value] = {}
    if query.breakdown is not None:
        # First touch: the breakdown value of the person's first step-1 event.
        first_touch["breakdown"] = breakdown_value(first, query.breakdown).argmin(first.timestamp)
    people = first.group_by("person_id").agg(reached_0=first.timestamp.min(), **first_touch)
    if query.window is not None:
        people = people.mutate(
            window_end=people.reached_0 + ibis.interval(seconds=int(query.window.total_seconds()))
        )

    for k, step in enumerate(query.steps[1:], start=1):
        previous = people[f"reached_{k - 1}"]
        candidates = base.filter(base.event.isin(step.events))
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


def summarise(people: ir.Table, query: FunnelQuery) -> ir.Table:
    """Aggregate the per-person table into one row of counts and durations."""
    metrics: dict[str, ir.Value] = {}
    for k in range(len(query.steps)):
        reached = people[f"reached_{k}"]
        metrics[f"users_{k}"] = reached.notnull().sum()
        if k:
            seconds = reached.epoch_seconds() - people[f"reached_{k - 1}"].epoch_seconds()
            metrics[f"median_{k}"] = seconds.median()
            metrics[f"mean_{k}"] = seconds.mean()
    if query.breakdown is not None:
        return people.group_by("breakdown").aggregate(**metrics)
    return people.aggregate(**metrics)


def run(backend: ibis.BaseBackend, events: ir.Table, query: FunnelQuery) -> FunnelResult:
    people = build(events, query)
    overall = backend.execute(
        summarise(people.drop("breakdown") if query.breakdown else people, _plain(query))
    )
    steps = _steps(overall.iloc[0], query)
    if query.breakdown is None:
        return FunnelResult(steps)
    table = backend.execute(summarise(people, query))
    groups = [
        BreakdownResult(
            None if pd.isna(row["breakdown"]) else str(row["breakdown"]), _steps(row, query)
        )
        for _, row in table.iterrows()
    ]
    groups.sort(key=lambda g: (-g.steps[0].users, g.value or ""))
    return FunnelResult(steps, groups)


def _plain(query: FunnelQuery) -> FunnelQuery:
    return FunnelQuery(query.steps, query.window, query.date_from, query.date_to)


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
                median_seconds_to_convert=_number(row.get(f"median_{k}")) if k else None,
                mean_seconds_to_convert=_number(row.get(f"mean_{k}")) if k else None,
            )
        )
        previous_users = users
    return steps


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)
