"""Journey stages: where each customer is between awareness and advocacy.

Semantics:

* **Mapping.** Stages are listed in order, lowest first (default: awareness → education →
  evaluation → purchase → advocacy, ``DEFAULT_MAPPING``). A stage matches an event by
  ``events`` (event names), ``pages`` (regexes searched in the path of a page or screen view)
  or a ``when`` rule that adds property filters (``Product Reviewed`` with
  ``properties.rating >= 4``). An event counts for every stage it matches. The mapping comes
  from the query (JSON or YAML text, or an object), else from ``stages.yaml`` in the
  workspace, else the default.
* **Reaching a stage.** A person reaches a stage at their first matching behavioural event
  before ``date_to``; stages are cumulative, so history before ``date_from`` counts.
* **Stages are not nested.** Each stage is reached by its own events only, so a person can
  reach evaluation (a product view) without ever reading the blog (education): ``reached``
  may grow from one stage to the next. ``skipped_previous`` counts, per stage, the persons
  who reached it without ever reaching the stage before it.
* **Current stage** is the *highest* stage reached (not the latest event's stage: every
  page view is awareness, so "latest" would send buyers back to awareness on each visit).
* **Distribution over time.** Per period (day/week/month in the workspace time zone, from
  ``date_from`` or the first stage event to ``date_to`` or the last), the persons per stage
  as of the period's end: each person in the highest stage reached by then.
* **Transitions** between neighbouring stages s → s+1: of the persons who reached s, those
  who reached s+1 at the same time or later (``converted``), ``conversion`` = converted ÷
  reached s, and the median and mean seconds between first reaching s and s+1.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journeylens.analyses import dialect
from journeylens.analyses.base import Analysis, AnalysisError, DateRange, Query, Result, Tables
from journeylens.analyses.base import number as optional_number
from journeylens.analyses.behaviour import behaviour
from journeylens.analyses.expr import Filter, Period, period_start
from journeylens.analyses.sessions import is_page_view

STAGES_FILE = "stages.yaml"


class Rule(BaseModel):
    """Events named in ``events`` or page views whose path matches one of ``pages``, narrowed
    by every filter in ``filters``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()

    @field_validator("pages")
    @classmethod
    def _portable(cls, pages: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dialect.check_portable_regex(p) for p in pages)

    def predicate(self, events: ir.Table) -> ir.BooleanValue:
        matched = ibis.literal(False)
        if self.events:
            matched |= events.event.isin(self.events)
        if self.pages:
            matched |= is_page_view(events) & pages_match(events.path, self.pages)
        for item in self.filters:
            matched &= item.predicate(events)
        return matched.fill_null(False)


# Patterns that every path (and the empty one) matches: no regex to run.
EVERY_PATH = frozenset({"", ".*", "^.*", ".*$", "^.*$", "^", "$"})


def pages_match(path: ir.StringValue, patterns: tuple[str, ...]) -> ir.BooleanValue:
    """Whether ``path`` (NULL as "") matches any of ``patterns``, searched anywhere: one
    regex of the alternatives (each in a non-capturing group), evaluated once per event —
    on 6.7M page views of the benchmark the regexes cost more than the stage GROUP BY."""
    if EVERY_PATH.intersection(patterns):
        return ibis.literal(True)
    either = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
    return path.fill_null("").re_search(either)


class Stage(Rule):
    """A stage: its own ``events``/``pages`` (no filters) or any of its ``when`` rules."""

    name: str
    when: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _matches_something(self) -> Stage:
        if not (self.events or self.pages or self.when):
            raise ValueError(f"Stage {self.name!r} names no events, pages or when-rules.")
        if self.filters:
            raise ValueError(f"Stage {self.name!r}: put filters inside a 'when' rule.")
        return self

    def predicate(self, events: ir.Table) -> ir.BooleanValue:
        matched = super().predicate(events) if (self.events or self.pages) else ibis.literal(False)
        for rule in self.when:
            matched |= rule.predicate(events)
        return matched


class Mapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[Stage, ...]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = yaml.safe_load(data)  # JSON is YAML too
            except yaml.YAMLError as error:
                raise ValueError(f"The stage mapping is neither JSON nor YAML: {error}") from None
        return {"stages": data} if isinstance(data, list) else data

    @field_validator("stages")
    @classmethod
    def _distinct(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        names = [s.name for s in stages]
        if len(stages) < 2 or len(set(names)) != len(names):
            raise ValueError("List at least two stages with distinct names, lowest first.")
        return stages


DEFAULT_MAPPING = Mapping.model_validate(
    [
        # Any visit makes a person aware; so does a click in an e-mail or a liked post.
        {"name": "awareness", "pages": [".*"], "events": ["Email Link Clicked",
                                                          "Social Post Liked"]},
        {"name": "education", "pages": ["^/blog/", "^/guides/"]},
        {
            "name": "evaluation",
            "events": ["Products Searched", "Product List Viewed", "Product Viewed",
                       "Product Added", "Cart Viewed", "Checkout Started"],
            "pages": ["^/compare/", "^/products/[^/]+/reviews$"],
            "when": [{"events": ["Chat Started"], "filters": ["properties.topic = presale"]}],
        },
        {"name": "purchase", "events": ["Order Completed"]},
        {
            "name": "advocacy",
            "events": ["Product Shared", "Referral Sent"],
            "when": [{"events": ["Product Reviewed"], "filters": ["properties.rating >= 4"]}],
        },
    ]
)  # fmt: skip


class StagesQuery(Query, DateRange):
    mapping: Mapping | None = Field(
        None,
        description=f"Stages as JSON/YAML, lowest first (default: {STAGES_FILE} in the "
        "workspace, else awareness, education, evaluation, purchase, advocacy).",
    )
    period: Period = Field("month", description="Periods of the distribution over time.")


class StageResult(BaseModel):
    name: str
    reached: int  # persons who ever reached it (by its own events: stages are not nested)
    skipped_previous: int = 0  # of those, the persons who never reached the stage before
    current: int  # persons for whom it is the highest stage reached
    current_share: float


class StageTransition(BaseModel):
    source: str
    target: str
    reached_source: int
    converted: int  # reached the target at the same time or later
    conversion: float
    median_seconds: float | None = None
    mean_seconds: float | None = None


class StageCount(BaseModel):
    period: str  # the period's first day, in the workspace time zone
    stage: str
    persons: int


class StagesResult(Result):
    stages: list[StageResult]
    transitions: list[StageTransition]
    distribution: list[StageCount]
    persons: int


def mapping_of(tables: Tables, query: StagesQuery) -> Mapping:
    if query.mapping is not None:
        return query.mapping
    if tables.path is not None and (tables.path / STAGES_FILE).is_file():
        try:
            return Mapping.model_validate((tables.path / STAGES_FILE).read_text())
        except ValueError as error:
            raise AnalysisError(f"{STAGES_FILE} in the workspace: {error}") from None
    return DEFAULT_MAPPING


def build(tables: Tables, query: StagesQuery, mapping: Mapping | None = None) -> ir.Table:
    """One row per person who reached a stage: ``reached_<i>`` (first time in stage i, or
    null), ``current`` (the highest i reached) and ``last_seen`` (last stage event)."""
    mapping = mapping or mapping_of(tables, query)
    events = behaviour(tables.events)
    if query.date_to is not None:
        events = events.filter(events.timestamp < query.date_to)
    events = events.mutate(
        **{f"_in_{i}": s.predicate(events) for i, s in enumerate(mapping.stages)}
    )
    flags = [events[f"_in_{i}"] for i in range(len(mapping.stages))]
    events = events.filter(ibis.or_(*flags))
    people = events.group_by("person_id").aggregate(
        last_seen=events.timestamp.max(),
        **{f"reached_{i}": events.timestamp.min(where=flag) for i, flag in enumerate(flags)},
    )
    highest = [(people[f"reached_{i}"].notnull(), i) for i in reversed(range(len(flags)))]
    return people.mutate(current=ibis.cases(*highest, else_=ibis.null().cast("int64")))


def summarise(people: ir.Table, count: int) -> ir.Table:
    """One row: reached, current, converted and seconds to convert per stage."""
    metrics: dict[str, ir.Value] = {"persons": people.count(), "last_seen": people.last_seen.max()}
    for i in range(count):
        reached = people[f"reached_{i}"]
        metrics[f"reached_{i}"] = reached.notnull().cast("int64").sum()
        metrics[f"current_{i}"] = (people.current == i).cast("int64").sum()
        if i > 0:
            skipped = reached.notnull() & people[f"reached_{i - 1}"].isnull()
            metrics[f"skipped_{i}"] = skipped.cast("int64").sum()
        if i + 1 < count:
            following = people[f"reached_{i + 1}"]
            converted = (following >= reached).fill_null(False)
            seconds = following.epoch_seconds() - reached.epoch_seconds()
            metrics[f"converted_{i}"] = converted.cast("int64").sum()
            # median of the converted only (not median(where=): Spark refuses its compilation)
            metrics[f"median_{i}"] = converted.ifelse(seconds, ibis.null()).median()
            metrics[f"mean_{i}"] = seconds.mean(where=converted)
    return people.aggregate(**metrics)


def changes(tables: Tables, people: ir.Table, count: int, period: Period) -> ir.Table:
    """``stage, period, change``: +1 where a person enters a stage as their highest, -1 where
    they leave it for a higher one (the distribution is the running sum per stage)."""
    starts = [period_start(tables, people[f"reached_{i}"], period) for i in range(count)]
    parts = []
    for i in range(count):
        until = ibis.null().cast(starts[i].type())  # the first period of any higher stage
        for later in starts[i + 1 :]:
            until = ibis.ifelse(later.notnull() & (until.isnull() | (later < until)), later, until)
        held = starts[i].notnull() & (until.isnull() | (until > starts[i]))
        spans = people.select(stage=ibis.literal(i).cast("int64"), since=starts[i], until=until)
        spans = spans.filter(held)
        parts.append(spans.select("stage", period=spans.since, change=ibis.literal(1)))
        if i + 1 < count:
            left = spans.filter(spans.until.notnull())
            parts.append(left.select("stage", period=left.until, change=ibis.literal(-1)))
    moves = ibis.union(*parts, distinct=False)
    return moves.group_by(["stage", "period"]).aggregate(change=moves.change.sum())


def run(tables: Tables, query: StagesQuery) -> StagesResult:
    mapping = mapping_of(tables, query)
    names = [s.name for s in mapping.stages]
    people = build(tables, query, mapping)
    # One query, so the per-person GROUP BY runs once for both: the summary (one row) beside
    # every change of the distribution (none when nobody reached a stage).
    moves = changes(tables, people, len(names), query.period)
    both = tables.execute(summarise(people, len(names)).left_join(moves, ibis.literal(True)))
    row = both.iloc[0]
    moves = both.loc[both["stage"].notna(), ["stage", "period", "change"]]
    moves = moves.astype({"stage": "int64", "change": "int64"})
    persons = int(row["persons"] or 0)
    stages = [
        StageResult(
            name=name,
            reached=int(row[f"reached_{i}"] or 0),
            skipped_previous=int(row[f"skipped_{i}"] or 0) if i else 0,
            current=int(row[f"current_{i}"] or 0),
            current_share=int(row[f"current_{i}"] or 0) / persons if persons else 0.0,
        )
        for i, name in enumerate(names)
    ]
    transitions = []
    for i in range(len(names) - 1):
        reached, converted = stages[i].reached, int(row[f"converted_{i}"] or 0)
        transitions.append(
            StageTransition(
                source=names[i],
                target=names[i + 1],
                reached_source=reached,
                converted=converted,
                conversion=converted / reached if reached else 0.0,
                median_seconds=optional_number(row[f"median_{i}"]),
                mean_seconds=optional_number(row[f"mean_{i}"]),
            )
        )
    last_seen = None if pd.isna(row["last_seen"]) else row["last_seen"]
    return StagesResult(
        stages=stages,
        transitions=transitions,
        distribution=_distribution(moves, names, tables, query, last_seen),
        persons=persons,
    )


def _distribution(
    moves: pd.DataFrame,
    names: list[str],
    tables: Tables,
    query: StagesQuery,
    last_seen: datetime | None,
) -> list[StageCount]:
    if moves.empty:
        return []
    moves = moves.assign(period=pd.to_datetime(moves["period"]).dt.tz_localize(None))
    first = moves["period"].min().to_pydatetime()
    if query.date_from is not None:
        first = _period_of(query.date_from, tables.timezone, query.period)
    end = query.date_to - timedelta(microseconds=1) if query.date_to else last_seen
    last = _period_of(pd.Timestamp(end).to_pydatetime(), tables.timezone, query.period)
    table = moves.pivot_table(index="period", columns="stage", values="change", aggfunc="sum")
    table = table.reindex(columns=range(len(names)), fill_value=0).fillna(0).sort_index().cumsum()
    out = []
    for start in _periods(first, last, query.period):
        before = table[table.index <= pd.Timestamp(start)]
        counts = before.iloc[-1] if len(before) else None
        for i, name in enumerate(names):
            persons = int(counts[i]) if counts is not None else 0
            out.append(StageCount(period=start.date().isoformat(), stage=name, persons=persons))
    return out


def _period_of(moment: datetime, zone: str, period: Period) -> datetime:
    """The first instant (local wall clock) of the period holding the naive-UTC ``moment``."""
    local = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _periods(first: datetime, last: datetime, period: Period) -> list[datetime]:
    out, current = [], first
    while current <= last:
        out.append(current)
        if period == "month":
            year, month = divmod(current.month, 12)
            current = current.replace(year=current.year + year, month=month + 1)
        else:
            current += timedelta(days=7 if period == "week" else 1)
    return out


ANALYSIS = Analysis(
    name="stages",
    path="stages",
    summary="Journey stages: each person's stage, the distribution over time, stage conversion.",
    query=StagesQuery,
    result=StagesResult,
    run=run,
)
