"""Lifecycle: per period, who is new, returning, resurrecting, and who went dormant.

Semantics (docs/architecture.md "Lifecycle"). A person is *active* in a period (day / ISO
week / month, cut in the workspace time zone) if they did a counted event in it — any customer
activity (``behaviour.py``: not ``Email Sent`` and the other ``not_activity`` events), or only
the ``events`` named (each with optional property filters).
Every active person of a period is exactly one of

* **new** — their first-ever active period (all history counts, not only the date range);
* **returning** — also active in the previous period;
* **resurrecting** — not active in the previous period, but in some earlier one;

and **dormant** counts the persons active in the previous period but not in this one (once,
in the first period of their absence). Dormant is reported as a *positive* number of persons
(PostHog charts it as a negative bar; negate it to draw that), so every count here is a count
of persons. ``active`` = new + returning + resurrecting.

The date range picks the periods (every period touched by ``[date_from, date_to)``, each
counted whole); without ``date_from`` they start at the first period anyone was active, and
they never go past the period containing ``now`` (default: the latest event), which is
flagged ``in_progress`` while it has not ended — its "dormant" persons may still come back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field

from journeylens.analyses import activity, dialect
from journeylens.analyses.activity import EventMatch
from journeylens.analyses.base import Analysis, AsOf, DateRange, Query, Result, Tables
from journeylens.analyses.expr import Period

STATUSES = ("new", "returning", "resurrecting", "dormant")


class LifecycleQuery(Query, DateRange, AsOf):
    events: tuple[EventMatch, ...] = Field(
        (),
        description="Events that count as activity, e.g. 'Order Completed' or "
        "'Viewed where channel = web' (default: any customer activity).",
        json_schema_extra={"cli": "--event"},
    )
    period: Period = Field("week", description="Period, cut in the workspace time zone.")

    def named_events(self) -> list[tuple[str, str]]:
        return [(f"event {k}", e) for k, match in enumerate(self.events, 1) for e in match.events]


class LifecyclePeriod(BaseModel):
    period_start: date
    in_progress: bool
    new: int
    returning: int
    resurrecting: int
    dormant: int
    active: int


class LifecycleResult(Result):
    period: Period
    now: datetime | None
    periods: list[LifecyclePeriod]

    def rows(self) -> list[dict[str, Any]]:
        return [p.model_dump(mode="json") for p in self.periods]


def build(tables: Tables, query: LifecycleQuery, *, last: int | None = None) -> ir.Table:
    """Per (period index, status): the persons. ``last`` caps the periods (see ``run``)."""
    first, until = activity.range_indexes(
        tables, query.date_from, query.date_to, query.period, cap=last
    )
    one_pass = _in_one_pass(tables, query, first, until)
    if one_pass is not None:
        return one_pass
    events = activity.matching(tables, query.events)
    events = events.mutate(period=activity.period_index(tables, events.timestamp, query.period))
    # History before the range decides new / returning / resurrecting, so only the end is cut.
    events = activity.between_periods(events, "period", None, until, query.period)
    active = events.select("person_id", "period").distinct()
    by_person = ibis.window(group_by=active.person_id, order_by=active.period)
    active = active.mutate(
        previous=active.period.lag().over(by_person), following=active.period.lead().over(by_person)
    )
    status = (
        ibis.cases(
            (active.previous.isnull(), "new"),
            (active.previous == active.period - 1, "returning"),
            else_="resurrecting",
        )
    )  # fmt: skip
    activities = active.select("period", status=status)
    gone = active.filter(active.following.isnull() | (active.following != active.period + 1))
    dormant = gone.select(period=gone.period + 1, status=ibis.literal("dormant"))
    statuses = activities.union(dormant)
    if first is not None:
        statuses = statuses.filter(statuses.period >= first)
    if until is not None:
        statuses = statuses.filter(statuses.period <= until)
    return statuses.group_by(["period", "status"]).aggregate(persons=statuses.count())


def _in_one_pass(
    tables: Tables, query: LifecycleQuery, first: int | None, until: int | None
) -> ir.Table | None:
    """``build`` from one GROUP BY person: the first active period (periods only grow with time,
    so it is the period of the first counted event) and the active periods from the one before
    the first reported (``base``) to the last, as bits of one BIGINT. Persons with the same
    (first period, bits) are counted together, and each such pattern is expanded to the
    periods in SQL. None when the periods do not fit in ``dialect.TOP_BIT`` bits."""
    bounds = activity.data_indexes(tables, query.period)
    if bounds is None:
        return None
    low = bounds[0] if first is None else first
    high = bounds[1] if until is None else min(bounds[1], until)
    base = low - 1
    if high < low or high - base > dialect.TOP_BIT:
        return None
    events = activity.any_of(tables, query.events)
    events = events.filter(activity.counted(tables, events, query.events))
    events = events.mutate(period=activity.period_index(tables, events.timestamp, query.period))
    counted = (events.period >= base) & (events.period <= high)
    persons = events.group_by("person_id").aggregate(
        first_active=events.timestamp.min(),
        active=dialect.bit_or(
            ibis.ifelse(counted, dialect.bit(events.period - base), ibis.literal(0, "int64"))
        ),
    )
    first_period = activity.period_index(tables, persons.first_active, query.period)
    # A first period before ``base`` is never "new" in the reported periods: one value for all.
    patterns = persons.group_by(
        first_period=ibis.greatest(first_period, ibis.literal(base, "int64")), active=persons.active
    ).aggregate(persons=persons.count())
    patterns = patterns.mutate(period=activity.int_range(low, high + 1).unnest())
    position = patterns.period - base
    now_active = ((patterns.active >> position) & 1) == 1
    before = ((patterns.active >> (position - 1)) & 1) == 1
    status = ibis.cases(
        (now_active & (patterns.period == patterns.first_period), "new"),
        (now_active & before, "returning"),
        (now_active, "resurrecting"),
        (before, "dormant"),
        else_=ibis.null().cast("string"),
    )
    statuses = patterns.mutate(status=status).filter(lambda t: t.status.notnull())
    return statuses.group_by(["period", "status"]).aggregate(persons=statuses.persons.sum())


def run(tables: Tables, query: LifecycleQuery) -> LifecycleResult:
    now = activity.now_of(tables, query.now)
    if now is None:
        return LifecycleResult(period=query.period, now=None, periods=[])
    now_local = activity.to_local(now, tables.timezone)
    now_index = activity.index_of(now_local.date(), query.period)
    frame = tables.execute(build(tables, query, last=now_index))
    counts = {
        (int(period), str(status)): int(persons)
        for period, status, persons in frame.itertuples(index=False, name=None)
    }
    first, last = activity.range_indexes(tables, query.date_from, query.date_to, query.period)
    seen = [period for period, _ in counts]
    low = first if first is not None else min(seen, default=None)
    if low is None:
        return LifecycleResult(period=query.period, now=now, periods=[])
    high = now_index if last is None else min(last, now_index)
    periods = []
    for index in range(low, high + 1):
        new, returning, resurrecting, dormant = (counts.get((index, s), 0) for s in STATUSES)
        periods.append(
            LifecyclePeriod(
                period_start=activity.start_of(index, query.period),
                in_progress=activity.in_progress(index, query.period, now_local),
                new=new,
                returning=returning,
                resurrecting=resurrecting,
                dormant=dormant,
                active=new + returning + resurrecting,
            )
        )
    return LifecycleResult(period=query.period, now=now, periods=periods)


ANALYSIS = Analysis(
    name="lifecycle",
    path="lifecycle",
    summary="Per period: new, returning, resurrecting and dormant persons.",
    query=LifecycleQuery,
    result=LifecycleResult,
    run=run,
)
