"""Retention: of the people who did a start event in a period, how many came back N periods later.

Semantics (docs/architecture.md "Retention"):

* **Cohorts.** Periods are days, ISO weeks or months cut in the workspace time zone.
  ``first_time`` (default): a person belongs to the cohort of the period of their first-ever
  start event. ``recurring``: a person belongs to the cohort of every period in which they
  did the start event.
* **Date range** picks the cohort periods: every period touched by ``[date_from, date_to)``,
  each counted whole. A first-time cohort still means the first start event *ever*: someone
  whose first start event was before the range is in no cohort of the range.
* **Return.** ``returns`` names the return events (any of them; none: any customer activity).
  With ``retained = on`` (default) a person is retained in period N if a return event happens
  in the cohort's period + N; with ``on_or_after``, in that period or any later one.
  Period 0 counts return events anywhere in the cohort's own period (before or after the start
  event), so when the return event is the start event period 0 is always 100%.
* **In progress.** ``now`` (default: the latest event in the workspace, see ``activity``)
  decides: period N is ``in_progress`` while it has not ended at ``now``; periods that have not
  started yet are left out (the matrix is a triangle).
* **Average curve**: per N, the retained persons of every cohort whose period N is complete,
  divided by those cohorts' sizes (so weighted by cohort size); None when no cohort has a
  complete period N.
* **Breakdown** by a property of the person's first start event in the cohort period (first
  touch); the overall matrix is the sum of the breakdown groups.

``build`` is one long table: per (cohort, breakdown, period offset) the persons retained, plus
per (cohort, breakdown) the cohort size in a row whose ``offset`` is NULL. It joins distinct
(person, return period) to each person's cohort period (the fastest formulation measured,
docs/architecture.md "Performance notes").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field, model_validator

from journeylens.analyses import activity, dialect
from journeylens.analyses.activity import EventMatch
from journeylens.analyses.base import Analysis, AsOf, DateRange, Query, Result, Tables
from journeylens.analyses.expr import Period, needs_person, property_parts, property_text


class RetentionQuery(Query, DateRange, AsOf):
    start: EventMatch | None = Field(
        None,
        description="The cohort's start event: 'Signed Up', 'A|B', with ' where FILTER' "
        "(default: any customer activity).",
    )
    returns: tuple[EventMatch, ...] = Field(
        (),
        description="Return events, any of them (default: any customer activity).",
        json_schema_extra={"cli": "--return"},
    )
    cohort: Literal["first_time", "recurring"] = Field(
        "first_time", description="first_time: first-ever start event; recurring: every one."
    )
    period: Period = Field("week", description="Cohort and return period.")
    periods: int = Field(8, ge=1, le=400, description="Periods followed after period 0.")
    retained: Literal["on", "on_or_after"] = Field(
        "on", description="Retained in N if a return event happens on N, or on or after N."
    )
    breakdown: str | None = Field(
        None, description="First-touch breakdown: channel, properties.KEY, person.COLUMN..."
    )

    @model_validator(mode="after")
    def _check(self) -> RetentionQuery:
        if self.breakdown is not None:
            property_parts(self.breakdown)
        return self

    def named_events(self) -> list[tuple[str, str]]:
        start = [("the start event", e) for e in (self.start.events if self.start else ())]
        returns = [
            (f"return event {k}", e) for k, r in enumerate(self.returns, 1) for e in r.events
        ]
        return start + returns


class RetentionPeriod(BaseModel):
    period: int
    retained: int
    rate: float
    in_progress: bool


class Cohort(BaseModel):
    cohort: date
    size: int
    periods: list[RetentionPeriod]


class AveragePeriod(BaseModel):
    period: int
    retained: int
    size: int
    rate: float | None


class BreakdownRetention(BaseModel):
    value: str | None
    cohorts: list[Cohort]
    average: list[AveragePeriod]


class RetentionResult(Result):
    period: Period
    now: datetime | None
    cohorts: list[Cohort]
    average: list[AveragePeriod]
    breakdown: list[BreakdownRetention] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if self.breakdown is None:
            del data["breakdown"]
        return data

    def rows(self) -> list[dict[str, Any]]:
        """The matrix: one row per cohort (the average first), the rate per period N, and
        ``in_progress_from``: the first N still in progress (later ones have not started)."""
        groups = [("(all)", self.cohorts, self.average)]
        groups += [(g.value or "(none)", g.cohorts, g.average) for g in self.breakdown or ()]
        rows = []
        for value, cohorts, average in groups:
            label = {} if self.breakdown is None else {"breakdown": value}
            total = {"cohort": "average", "size": sum(c.size for c in cohorts)}
            averages = {f"period_{a.period}": a.rate for a in average}
            rows.append(label | total | averages | {"in_progress_from": None})
            for cohort in cohorts:
                cells = {f"period_{p.period}": p.rate for p in cohort.periods}
                start = {"cohort": cohort.cohort.isoformat(), "size": cohort.size}
                going = [p.period for p in cohort.periods if p.in_progress]
                rows.append(label | start | cells | {"in_progress_from": min(going, default=None)})
        return rows


def build(tables: Tables, query: RetentionQuery) -> ir.Table:
    """Per (cohort, breakdown): the size (``offset`` NULL) and the persons retained per offset."""
    first, last = activity.range_indexes(tables, query.date_from, query.date_to, query.period)
    if query.cohort == "first_time":
        one_pass = _first_time_in_one_pass(tables, query, first, last)
        if one_pass is not None:
            return one_pass
    starts = (query.start,) if query.start is not None else ()
    returns = activity.matching(tables, query.returns)
    returns = returns.mutate(
        return_index=activity.period_index(tables, returns.timestamp, query.period)
    )
    # Returns before the first cohort never count; with ``on`` neither do those after the
    # last cohort's last period.
    until = last + query.periods if last is not None and query.retained == "on" else None
    returns = activity.between_periods(returns, "return_index", first, until, query.period)
    returned = returns.select("person_id", "return_index").distinct()

    same_events = set(starts) == set(query.returns)
    if query.cohort == "first_time" and same_events and first is None and not query.breakdown:
        # Start = return (e.g. any event): each person's first period is the smallest of their
        # distinct (person, period) rows — no second pass over the events.
        cohorts = returned.group_by("person_id").aggregate(
            cohort_index=returned.return_index.min(), breakdown=ibis.null().cast("string")
        )
        if last is not None:
            cohorts = cohorts.filter(cohorts.cohort_index <= last)
        return _count(cohorts, returned, query)

    start = activity.matching(tables, starts, person=needs_person(query.breakdown))
    start = start.mutate(
        cohort_index=activity.period_index(tables, start.timestamp, query.period),
        breakdown=(
            property_text(start, query.breakdown)
            if query.breakdown is not None
            else ibis.null().cast("string")
        ),
    )
    if query.cohort == "first_time":
        cohorts = start.group_by("person_id").aggregate(
            cohort_index=start.cohort_index.min(),
            breakdown=start.breakdown.argmin(start.timestamp),
        )
        if first is not None:
            cohorts = cohorts.filter(cohorts.cohort_index >= first)
        if last is not None:
            cohorts = cohorts.filter(cohorts.cohort_index <= last)
    else:
        start = activity.between_periods(start, "cohort_index", first, last, query.period)
        cohorts = start.group_by(["person_id", "cohort_index"]).aggregate(
            breakdown=start.breakdown.argmin(start.timestamp)
        )
    return _count(cohorts, returned, query)


def _first_time_in_one_pass(
    tables: Tables, query: RetentionQuery, first: int | None, last: int | None
) -> ir.Table | None:
    """First-time cohorts from one GROUP BY person over the start and return events.

    Per person: the first start event's time (its period is the cohort: periods only grow with
    time) and first-touch breakdown, and either (``on``) the set of return periods as bits of one
    BIGINT counted from the first cohort period ``low`` — so only when every period that can
    matter, ``low`` to the last cohort + ``periods``, fits in ``dialect.TOP_BIT`` bits — or
    (``on_or_after``) the last return's time. No second pass over the events, no join, and the
    rows after the GROUP BY are persons, then a few thousand (cohort, return pattern) groups.
    None when the bits do not fit: ``build`` then joins distinct (person, period) rows.
    """
    low = top = 0
    if query.retained == "on":
        bounds = activity.data_indexes(tables, query.period)
        if bounds is None:
            return None
        low = bounds[0] if first is None else max(bounds[0], first)
        top = (bounds[1] if last is None else min(bounds[1], last)) + query.periods
        if top - low > dialect.TOP_BIT:
            return None
    starts = (query.start,) if query.start is not None else ()
    events = activity.any_of(tables, starts, query.returns, person=needs_person(query.breakdown))
    is_start = activity.counted(tables, events, starts)
    is_return = activity.counted(tables, events, query.returns)
    breakdown = ibis.null().cast("string")
    if query.breakdown is not None:
        breakdown = property_text(events, query.breakdown).argmin(events.timestamp, where=is_start)
    per_person: dict[str, ir.Value] = {
        "first_start": events.timestamp.min(where=is_start),
        "breakdown": breakdown,
    }
    if query.retained == "on":
        index = activity.period_index(tables, events.timestamp, query.period)
        counted = is_return
        if first is not None or last is not None:  # else every event is within low..top
            counted = counted & (index >= low) & (index <= top)
        per_person["returns"] = dialect.bit_or(
            ibis.ifelse(counted, dialect.bit(index - low), ibis.literal(0, "int64"))
        )
    else:
        per_person["last_return"] = events.timestamp.max(where=is_return)
    persons = events.group_by("person_id").aggregate(**per_person)
    persons = persons.filter(persons.first_start.notnull())
    persons = persons.mutate(
        cohort_index=activity.period_index(tables, persons.first_start, query.period)
    )
    if first is not None:
        persons = persons.filter(persons.cohort_index >= first)
    if last is not None:
        persons = persons.filter(persons.cohort_index <= last)
    sizes = persons.group_by(["cohort_index", "breakdown"]).aggregate(
        offset=ibis.null().cast("int64"), persons=persons.count()
    )
    if query.retained == "on":
        # The return periods counted from the cohort's own: bit N set = returned in period N.
        window = ibis.literal((1 << (query.periods + 1)) - 1, "int64")
        pattern = (persons.returns >> (persons.cohort_index - low)) & window
        patterns = persons.group_by(["cohort_index", "breakdown", pattern.name("pattern")])
        patterns = patterns.aggregate(persons=persons.count())
        patterns = patterns.mutate(offset=activity.int_range(0, query.periods + 1).unnest())
        hits = patterns.filter(((patterns.pattern >> patterns.offset) & 1) == 1)
        retained = hits.group_by(["cohort_index", "breakdown", "offset"]).aggregate(
            persons=hits.persons.sum()
        )
    else:
        # Retained in every N up to the last return's period (capped at ``periods``).
        offset = (
            activity.period_index(tables, persons.last_return, query.period) - persons.cohort_index
        )
        returned = persons.mutate(offset=offset).filter(lambda t: t.offset >= 0)
        returned = returned.mutate(
            offset=ibis.least(returned.offset, ibis.literal(query.periods, "int64"))
        )
        retained = returned.group_by(["cohort_index", "breakdown", "offset"]).aggregate(
            persons=returned.count()
        )
    columns = ["cohort_index", "breakdown", "offset", "persons"]
    return sizes.select(*columns).union(retained.select(*columns))


def _count(cohorts: ir.Table, returned: ir.Table, query: RetentionQuery) -> ir.Table:
    """Join each (person, cohort) to the person's distinct return periods and count."""
    joined = cohorts.join(returned, "person_id")
    joined = joined.mutate(offset=joined.return_index - joined.cohort_index)
    joined = joined.filter(joined.offset >= 0)
    if query.retained == "on":
        joined = joined.filter(joined.offset <= query.periods)
    else:
        # Retained in every N up to the last period with a return (capped at ``periods``).
        last_return = joined.group_by(["person_id", "cohort_index", "breakdown"]).aggregate(
            offset=joined.offset.max()
        )
        joined = last_return.mutate(
            offset=ibis.least(last_return.offset, ibis.literal(query.periods, "int64"))
        )
    retained = joined.group_by(["cohort_index", "breakdown", "offset"]).aggregate(
        persons=joined.count()
    )
    sizes = cohorts.group_by(["cohort_index", "breakdown"]).aggregate(
        offset=ibis.null().cast("int64"), persons=cohorts.count()
    )
    columns = ["cohort_index", "breakdown", "offset", "persons"]
    return sizes.select(*columns).union(retained.select(*columns))


def run(tables: Tables, query: RetentionQuery) -> RetentionResult:
    now = activity.now_of(tables, query.now)
    if now is None:
        return RetentionResult(period=query.period, now=None, cohorts=[], average=[])
    frame = tables.execute(build(tables, query))
    sizes: dict[str | None, dict[int, int]] = {}
    counts: dict[str | None, dict[tuple[int, int], int]] = {}
    for cohort_index, value, offset, persons in frame.itertuples(index=False, name=None):
        value = None if value is None or value != value else str(value)
        if offset is None or offset != offset:
            sizes.setdefault(value, {})[int(cohort_index)] = int(persons)
        else:
            counts.setdefault(value, {})[(int(cohort_index), int(offset))] = int(persons)

    first, last = activity.range_indexes(tables, query.date_from, query.date_to, query.period)
    now_local = activity.to_local(now, tables.timezone)
    known = [index for group in sizes.values() for index in group]
    if not known and (first is None or last is None):
        return RetentionResult(period=query.period, now=now, cohorts=[], average=[])
    now_index = activity.index_of(now_local.date(), query.period)
    low = first if first is not None else min(known)
    high = min(last if last is not None else max(known), now_index)  # no cohort after now
    indexes = range(low, high + 1)

    def matrix(value_sizes: dict[int, int], value_counts: dict[tuple[int, int], int]) -> Any:
        return _cohorts(indexes, value_sizes, value_counts, query, now_local)

    total_sizes: dict[int, int] = {}
    total_counts: dict[tuple[int, int], int] = {}
    for value, group in sizes.items():
        for index, size in group.items():
            total_sizes[index] = total_sizes.get(index, 0) + size
        for key, persons in counts.get(value, {}).items():
            total_counts[key] = total_counts.get(key, 0) + persons
    cohorts = matrix(total_sizes, total_counts)
    result = RetentionResult(
        period=query.period, now=now, cohorts=cohorts, average=_average(cohorts, query.periods)
    )
    if query.breakdown is None:
        return result
    groups = []
    for value in sorted(sizes, key=lambda v: (-sum(sizes[v].values()), v or "")):
        value_cohorts = matrix(sizes[value], counts.get(value, {}))
        groups.append(
            BreakdownRetention(
                value=value,
                cohorts=value_cohorts,
                average=_average(value_cohorts, query.periods),
            )
        )
    return result.model_copy(update={"breakdown": groups})


def _cohorts(
    indexes: range,
    sizes: dict[int, int],
    counts: dict[tuple[int, int], int],
    query: RetentionQuery,
    now_local: datetime,
) -> list[Cohort]:
    cohorts = []
    for index in indexes:
        size = sizes.get(index, 0)
        cumulative = 0
        retained_at: dict[int, int] = {}
        for offset in range(query.periods, -1, -1):
            persons = counts.get((index, offset), 0)
            cumulative += persons
            retained_at[offset] = cumulative if query.retained == "on_or_after" else persons
        periods = [
            RetentionPeriod(
                period=offset,
                retained=retained_at[offset],
                rate=retained_at[offset] / size if size else 0.0,
                in_progress=activity.in_progress(index + offset, query.period, now_local),
            )
            for offset in range(query.periods + 1)
            if activity.has_started(index + offset, query.period, now_local)
        ]
        cohorts.append(
            Cohort(cohort=activity.start_of(index, query.period), size=size, periods=periods)
        )
    return cohorts


def _average(cohorts: list[Cohort], periods: int) -> list[AveragePeriod]:
    """Per N, Σ retained ÷ Σ size over the cohorts whose period N is complete."""
    average = []
    for offset in range(periods + 1):
        complete = [
            (cohort.size, cohort.periods[offset].retained)
            for cohort in cohorts
            if offset < len(cohort.periods) and not cohort.periods[offset].in_progress
        ]
        size = sum(s for s, _ in complete)
        retained = sum(r for _, r in complete)
        average.append(
            AveragePeriod(
                period=offset, retained=retained, size=size, rate=retained / size if size else None
            )
        )
    return average


ANALYSIS = Analysis(
    name="retention",
    path="retention",
    summary="Cohorts by a start event per day/week/month: who came back N periods later.",
    query=RetentionQuery,
    result=RetentionResult,
    run=run,
)
