"""Stickiness: per period, how many persons were active on exactly k distinct days (or hours).

Semantics. Periods are days, ISO weeks or months cut in the workspace time zone, and so are
the *units* counted inside them: distinct local days (``unit = day``, default) or distinct
local wall-clock hours (``unit = hour``). For a week k runs 1–7 days (1–168 hours), for a month
1–28…31 days (its own length), for a day 1–24 hours. A person is counted once per period, in
the row of the number of distinct units in which they did a counted event — any customer
activity (``behaviour.py``: not ``Email Sent`` and the other ``not_activity`` events), or only the ``events`` named (each with optional filters).

The date range picks the periods (every period touched by ``[date_from, date_to)``, each
counted whole); without ``date_from`` they start at the first period with activity, and they
never go past the period containing ``now`` (default: the latest event), which is flagged
``in_progress`` — its persons have not had all the period's days yet.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import ibis.expr.types as ir
from pydantic import BaseModel, Field, model_validator

from journeylens.analyses import activity, dialect
from journeylens.analyses.activity import EventMatch
from journeylens.analyses.base import Analysis, AsOf, DateRange, Query, Result, Tables
from journeylens.analyses.expr import Period

Unit = Literal["day", "hour"]


class StickinessQuery(Query, DateRange, AsOf):
    events: tuple[EventMatch, ...] = Field(
        (),
        description="Events that count as activity (default: any customer activity).",
        json_schema_extra={"cli": "--event"},
    )
    period: Period = Field("week", description="The period whose days (or hours) are counted.")
    unit: Unit | None = Field(
        None, description="Count distinct days or hours (default: day; hour for a day period)."
    )

    @model_validator(mode="after")
    def _check(self) -> StickinessQuery:
        if self.period == "day" and self.unit == "day":
            raise ValueError("A day has one day; count hours: --unit hour.")
        return self

    @property
    def counted_unit(self) -> Unit:
        return self.unit or ("hour" if self.period == "day" else "day")

    def named_events(self) -> list[tuple[str, str]]:
        return [(f"event {k}", e) for k, match in enumerate(self.events, 1) for e in match.events]


class StickinessCount(BaseModel):
    k: int
    persons: int
    share: float


class StickinessPeriod(BaseModel):
    period_start: date
    in_progress: bool
    active_persons: int
    counts: list[StickinessCount]


class StickinessResult(Result):
    period: Period
    unit: Unit
    now: datetime | None
    periods: list[StickinessPeriod]

    def rows(self) -> list[dict[str, Any]]:
        """One row per (period, k)."""
        return [
            {
                "period_start": p.period_start.isoformat(),
                "in_progress": p.in_progress,
                "k": c.k,
                "persons": c.persons,
                "share": c.share,
            }
            for p in self.periods
            for c in p.counts
        ]


def build(tables: Tables, query: StickinessQuery, *, last: int | None = None) -> ir.Table:
    """Per (period index, k): the persons active on exactly k distinct units of the period."""
    first, until = activity.range_indexes(
        tables, query.date_from, query.date_to, query.period, cap=last
    )
    one_pass = _in_one_pass(tables, query, first, until)
    if one_pass is not None:
        return one_pass
    events = activity.matching(tables, query.events)
    if query.counted_unit == "hour":
        unit = activity.local_hour(tables, events.timestamp).epoch_seconds() // 3600
    else:
        unit = activity.period_index(tables, events.timestamp, "day")
    events = events.mutate(
        period=activity.period_index(tables, events.timestamp, query.period),
        unit=unit.cast("int64"),
    )
    events = activity.between_periods(events, "period", first, until, query.period)
    units = events.select("person_id", "period", "unit").distinct()
    per_person = units.group_by(["person_id", "period"]).aggregate(k=units.count())
    return per_person.group_by(["period", "k"]).aggregate(persons=per_person.count())


def _unit_in_period(
    tables: Tables, ts: ir.TimestampValue, query: StickinessQuery
) -> ir.IntegerValue | None:
    """The unit's number inside its period, from 0: weekday, day of month, hour of day (None:
    a period with more units than ``dialect.TOP_BIT`` bits, i.e. hours of a week or month)."""
    if query.counted_unit == "hour":
        return (
            activity.local_hour(tables, ts).hour().cast("int64") if query.period == "day" else None
        )
    if query.period == "week":
        return (activity.period_index(tables, ts, "day") + 3) % 7
    local = dialect.to_local(ts, tables.timezone, tables.engine)
    return local.day().cast("int64") - 1


def _in_one_pass(
    tables: Tables, query: StickinessQuery, first: int | None, until: int | None
) -> ir.Table | None:
    """``build`` from one GROUP BY (person, period) collecting the units as bits of one BIGINT,
    then k = the number of bits set, counted on the (period, bits) groups."""
    events = activity.any_of(tables, query.events)
    unit = _unit_in_period(tables, events.timestamp, query)
    if unit is None:
        return None
    events = events.filter(activity.counted(tables, events, query.events))
    events = events.mutate(
        period=activity.period_index(tables, events.timestamp, query.period), unit=unit
    )
    events = activity.between_periods(events, "period", first, until, query.period)
    per_person = events.group_by(["person_id", "period"]).aggregate(
        units=dialect.bit_or(dialect.bit(events.unit))
    )
    patterns = per_person.group_by(["period", "units"]).aggregate(persons=per_person.count())
    most = 24 if query.counted_unit == "hour" else (7 if query.period == "week" else 31)
    k = sum(((patterns.units >> i) & 1) for i in range(most))
    counts = patterns.mutate(k=k.cast("int64"))
    return counts.group_by(["period", "k"]).aggregate(persons=counts.persons.sum())


def run(tables: Tables, query: StickinessQuery) -> StickinessResult:
    unit = query.counted_unit
    now = activity.now_of(tables, query.now)
    if now is None:
        return StickinessResult(period=query.period, unit=unit, now=None, periods=[])
    now_local = activity.to_local(now, tables.timezone)
    now_index = activity.index_of(now_local.date(), query.period)
    frame = tables.execute(build(tables, query, last=now_index))
    counts = {
        (int(period), int(k)): int(persons)
        for period, k, persons in frame.itertuples(index=False, name=None)
    }
    first, last = activity.range_indexes(tables, query.date_from, query.date_to, query.period)
    low = first if first is not None else min((p for p, _ in counts), default=None)
    if low is None:
        return StickinessResult(period=query.period, unit=unit, now=now, periods=[])
    high = now_index if last is None else min(last, now_index)
    periods = []
    for index in range(low, high + 1):
        most = activity.days_in(index, query.period) * (24 if unit == "hour" else 1)
        active = sum(counts.get((index, k), 0) for k in range(1, most + 1))
        periods.append(
            StickinessPeriod(
                period_start=activity.start_of(index, query.period),
                in_progress=activity.in_progress(index, query.period, now_local),
                active_persons=active,
                counts=[
                    StickinessCount(
                        k=k,
                        persons=counts.get((index, k), 0),
                        share=counts.get((index, k), 0) / active if active else 0.0,
                    )
                    for k in range(1, most + 1)
                ],
            )
        )
    return StickinessResult(period=query.period, unit=unit, now=now, periods=periods)


ANALYSIS = Analysis(
    name="stickiness",
    path="stickiness",
    summary="Per week/month: how many persons were active on exactly k distinct days (or hours).",
    query=StickinessQuery,
    result=StickinessResult,
    run=run,
)
