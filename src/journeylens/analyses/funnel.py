"""Funnels: how many people go through ordered steps, where they drop off, how long it takes.

Semantics (docs/architecture.md "Funnels"). An **entry** is a person (``count_by="person"``, default) or
a session (``"session"``: the whole funnel must happen within one session, ``sessions.py``);
``users`` then counts entries. The conversion window (default 14 days, ``None`` unlimited)
starts at the entry's **first** step-1 event within the date range; later steps may fall
after ``date_to``. Events at the same instant never follow each other.

* ``sequential`` (default): step k is the **earliest** step-k event strictly after the time
  step k-1 was reached and within the window; other events may happen in between.
* ``strict``: as sequential, but each step's event must be the entry's very **next**
  behavioural event (track/page/screen, ordered by time then message id) after the previous
  step's; any other event in between breaks the run (PostHog's strict order). A run may start
  at any step-1 event from the first one on, inside the window from the first one; the entry
  keeps its furthest run. So strict ≤ sequential at every step.
* ``any``: steps in any order (PostHog's "any order"): row k counts entries that did at least
  k+1 *distinct* steps within the window from one anchor (any step's event in the date range;
  the best anchor counts); an event matching two steps counts for both. Any ≥ sequential.

A step may be any of several events and carry property filters (text form
``"Product Viewed|Product Added where properties.category = shoes and revenue > 10"``).
**Exclusions** (PostHog): an entry with an excluded event strictly after it reached step i
and before it reached step j (or, never reaching j, within the window) leaves the funnel
entirely. Per step: users, overall rate (÷ step 1), step rate (÷ previous), drop-off, median
and mean seconds from the previous step. Optionally the person ids that reached or dropped
at a step (``persons``), also as an Ibis expression (``person_ids``) to save as a segment.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journeylens.analyses import dialect, funnel_steps
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
from journeylens.analyses.expr import Filter, event_text, property_parts, split_event_text

DEFAULT_WINDOW = timedelta(days=14)
FunnelError = AnalysisError
Order = Literal["sequential", "strict", "any"]
_BETWEEN = re.compile(r"^(?P<step>.*?)\s*:\s*(?P<first>\d+)\s*-\s*(?P<last>\d+)\s*$", re.DOTALL)


def _step_fields(text: str) -> dict[str, Any]:
    events, filters = split_event_text(text)
    return {"events": events, "filters": filters}


class Step(BaseModel):
    """A step: any of ``events``, narrowed by ``filters`` (all must hold).

    Text form: ``"A|B"`` or ``"A|B where properties.category = shoes and revenue > 10"``
    (split at the first `` where ``, filters joined by `` and ``; use the JSON form
    ``{"events": [...], "filters": [...]}`` for names or values containing those words)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: tuple[str, ...]
    filters: tuple[Filter, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _step_fields(data) if isinstance(data, str) else data

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
        return event_text(self.events, self.filters, joiner=" | ")


class Exclusion(Step):
    """Events that remove an entry from the funnel when done between steps ``from_step`` and
    ``to_step`` (1-based; default the first and the last step).

    Text form: a step's text, optionally ending in ``:I-J`` — ``"Support Contacted"``,
    ``"Support Contacted|Refund Requested:2-3"``."""

    from_step: int = Field(1, ge=1)
    to_step: int | None = Field(None, ge=2)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        between = _BETWEEN.match(data)
        if between is None:
            return _step_fields(data)
        fields = _step_fields(between["step"])
        return {**fields, "from_step": int(between["first"]), "to_step": int(between["last"])}


class FunnelQuery(Query, DateRange):
    steps: tuple[Step, ...] = Field(
        description="Events in order; 'A|B' is any of them; 'A|B where properties.KEY = V "
        "and revenue > 10' narrows the step by properties.",
        json_schema_extra={"cli": "--step"},
    )
    order: Order = Field(
        "sequential",
        description="sequential: other events may come between steps; strict: each step is "
        "the very next event; any: steps in any order (row k = did k+1 distinct steps).",
    )
    window: timedelta | None = Field(
        DEFAULT_WINDOW,
        description="Conversion window from the first step-1 event: 14d, 36h, or none.",
    )
    count_by: Literal["person", "session"] = Field(
        "person", description="Count persons, or sessions (the funnel within one session)."
    )
    exclusions: tuple[Exclusion, ...] = Field(
        (),
        description="Remove entries doing these events between two steps: 'Support Contacted' "
        "(between the first and last step) or 'Support Contacted:1-2'.",
        json_schema_extra={"cli": "--exclude", "metavar": "EXCLUSION"},
    )
    breakdown: str | None = Field(
        None,
        description="First-touch breakdown: channel, utm_source, properties.KEY, context.PATH, "
        "person.COLUMN, person.traits.KEY.",
    )
    persons: Literal["none", "reached", "dropped"] = Field(
        "none",
        description="Also list the persons who reached, or dropped at, --persons-step.",
        json_schema_extra={"metavar": "KIND"},
    )
    persons_step: int | None = Field(
        None, ge=1, description="The step (1-based) for --persons; default the last step."
    )
    persons_limit: int = Field(
        100, ge=0, le=100_000, description="At most this many person ids (the count is full)."
    )

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> FunnelQuery:
        n = len(self.steps)
        if n < 2:
            raise ValueError("A funnel needs at least two steps.")
        if self.breakdown is not None:
            property_parts(self.breakdown)
        for exclusion in self.exclusions:
            last = exclusion.to_step or n
            if not exclusion.from_step < last <= n:
                raise ValueError(
                    f"Exclusion {exclusion.name!r} between steps {exclusion.from_step} and "
                    f"{last}: give two steps of 1..{n}, the first before the second (e.g. :1-{n})."
                )
        step = self.persons_step or n
        if step > n:
            raise ValueError(f"persons_step {step}: the funnel has steps 1..{n}.")
        if self.persons == "dropped" and step < 2:
            raise ValueError("Nobody drops at step 1; ask for dropped persons at step 2 or later.")
        return self

    def named_events(self) -> list[tuple[str, str]]:
        steps = [(f"step {k}", e) for k, s in enumerate(self.steps, 1) for e in s.events]
        excluded = [
            (f"exclusion {k}", e) for k, x in enumerate(self.exclusions, 1) for e in x.events
        ]
        return steps + excluded


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


class PersonList(BaseModel):
    """The persons who reached (or dropped at) ``step`` (1-based): all ``count``, the first
    ``len(person_ids)`` by id."""

    kind: Literal["reached", "dropped"]
    step: int
    count: int
    person_ids: list[int]


class FunnelResult(Result):
    steps: list[StepResult]
    breakdown: list[BreakdownResult] | None = None
    persons: PersonList | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for optional in ("breakdown", "persons"):
            if data[optional] is None:
                del data[optional]
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


Formulation = Literal["lists", "joins"]


def formulation_for(tables: Tables, query: FunnelQuery) -> Formulation:
    """Lists (one GROUP BY with list lambdas) for sequential funnels where the engine has
    them fast (``dialect.LIST_FUNNEL_ENGINES``); the portable joins/windows otherwise."""
    if query.order == "sequential" and dialect.list_funnel(tables.engine):
        return "lists"
    return "joins"


def build(
    tables: Tables, query: FunnelQuery, *, formulation: Formulation | None = None
) -> ir.Table:
    """One row per entry: ``unit``, ``person_id``, ``reached_k`` (timestamp or null) per step
    k, and ``breakdown`` / ``window_end`` when asked; excluded entries removed."""
    formulation = formulation or formulation_for(tables, query)
    events = funnel_steps.funnel_events(tables, query)
    if formulation == "lists":
        if query.order != "sequential":
            raise AnalysisError("The list formulation walks sequential funnels only.")
        return funnel_steps.sequential_lists(events, query)
    builders = {
        "sequential": funnel_steps.sequential_joins,
        "strict": funnel_steps.strict,
        "any": funnel_steps.any_order,
    }
    units = builders[query.order](events, query)
    return funnel_steps.without_excluded(units, events, query)


def summarise(people: ir.Table, query: FunnelQuery, *, by_breakdown: bool = False) -> ir.Table:
    """Aggregate the per-entry table into one row of counts and durations (per breakdown)."""
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


def person_ids(
    tables: Tables,
    query: FunnelQuery,
    kind: Literal["reached", "dropped"] | None = None,
    step: int | None = None,
    *,
    people: ir.Table | None = None,
) -> ir.Table:
    """The distinct ``person_id`` of the entries that reached step ``step`` (1-based; default
    the last), or that reached the step before it but not it (``dropped``) — an Ibis
    expression, to run or to save as a segment. Counting per session, a person is listed when
    one of their sessions qualifies (so a person can be both reached and dropped)."""
    kind = kind or ("dropped" if query.persons == "dropped" else "reached")
    step = step or query.persons_step or len(query.steps)
    if not 1 <= step <= len(query.steps) or (kind == "dropped" and step < 2):
        raise AnalysisError(f"No {kind} persons at step {step} of {len(query.steps)}.")
    people = build(tables, query) if people is None else people
    condition = people[f"reached_{step - 1}"].notnull()
    if kind == "dropped":
        condition = people[f"reached_{step - 2}"].notnull() & ~condition
    return people.filter(condition).select("person_id").distinct()


def run(tables: Tables, query: FunnelQuery) -> FunnelResult:
    people = build(tables, query)
    overall = tables.execute(summarise(people, query))
    steps = _steps(overall.iloc[0], query)
    listed = None if query.persons == "none" else _person_list(tables, query, people)
    if query.breakdown is None:
        return FunnelResult(steps=steps, persons=listed)
    table = tables.execute(summarise(people, query, by_breakdown=True))
    groups = [
        BreakdownResult(
            value=None if row["breakdown"] is None else str(row["breakdown"]),
            steps=_steps(row, query),
        )
        for row in table.astype(object).where(table.notna(), None).to_dict("records")
    ]
    groups.sort(key=lambda g: (-g.steps[0].users, g.value or ""))
    return FunnelResult(steps=steps, breakdown=groups, persons=listed)


def _person_list(tables: Tables, query: FunnelQuery, people: ir.Table) -> PersonList:
    ids = person_ids(tables, query, people=people)
    count = int(tables.execute(ids.count()))
    first = tables.execute(ids.order_by("person_id").limit(query.persons_limit))
    return PersonList(
        kind="dropped" if query.persons == "dropped" else "reached",
        step=query.persons_step or len(query.steps),
        count=count,
        person_ids=[int(p) for p in first["person_id"]],
    )


def _steps(row: Any, query: FunnelQuery) -> list[StepResult]:
    steps = []
    first_users = int(row["users_0"] or 0)
    previous_users = first_users
    n = len(query.steps)
    for k, step in enumerate(query.steps):
        users = int(row[f"users_{k}"] or 0)
        steps.append(
            StepResult(
                name=f"any {k + 1} of {n} steps" if query.order == "any" else step.name,
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
