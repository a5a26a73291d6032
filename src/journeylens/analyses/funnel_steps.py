"""How a funnel's entries reach their steps: one function per order mode (see ``funnel.py``).

Each builder returns one row per **entry** — column ``unit``: the person, or the session when
counting per session — with ``person_id``, ``breakdown`` (when asked), ``reached_0`` …
``reached_{n-1}`` (when the entry reached each step; null if it did not) and ``window_end``
(when the window is limited). ``without_excluded`` then drops the entries that did an
exclusion event between two steps.

The builders are plain Ibis and run on every engine, except ``sequential_lists``: the DuckDB
fast path (``dialect.LIST_FUNNEL_ENGINES``), one ``GROUP BY`` per entry walking lists of
times with list lambdas (docs/architecture.md "Performance notes"). It gives the same rows as
``sequential_joins``; ``tests/analyses/test_funnel.py`` checks that on random journeys.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from journeylens.analyses import dialect
from journeylens.analyses.behaviour import customer_activity
from journeylens.analyses.expr import needs_person, property_text, with_person
from journeylens.analyses.sessions import sessionize

if TYPE_CHECKING:
    from journeylens.analyses.base import Tables
    from journeylens.analyses.funnel import Exclusion, FunnelQuery, Step

UNIT = "unit"


def _null_time() -> ir.TimestampScalar:
    return ibis.null("timestamp")


def _interval(query: FunnelQuery) -> ir.IntervalScalar:
    assert query.window is not None
    return ibis.interval(seconds=int(query.window.total_seconds()))


def _any(flags: list[ir.BooleanValue]) -> ir.BooleanValue:
    return reduce(or_, flags)


def matches(events: ir.Table, step: Step) -> ir.BooleanValue:
    """True for the events of ``step``: one of its event names, passing all its filters."""
    predicates = [events.event.isin(step.events)]
    predicates += [item.predicate(events).fill_null(False) for item in step.filters]
    return reduce(and_, predicates)


def funnel_events(tables: Tables, query: FunnelQuery) -> ir.Table:
    """The events the funnel looks at, with ``unit``, ``step_k``/``excluded_e`` flags and the
    ``breakdown`` text. Counting per session or in strict order, the customer activity and the
    events the funnel names: sessions are made of activity, and in strict order any other
    activity counts as "another event in between" (an ``Email Sent`` does not)."""
    events = tables.events
    filters = [f.property for s in (*query.steps, *query.exclusions) for f in s.filters]
    if needs_person(query.breakdown, *filters):
        events = with_person(tables, events)
    names = sorted({n for s in (*query.steps, *query.exclusions) for n in s.events})
    if query.count_by == "session" or query.order == "strict":
        events = customer_activity(tables, events, named=tuple(names))
    if query.count_by == "session":
        events = sessionize(events)  # every activity event counts for the idle gaps
        unit = events.session_key
    else:
        unit = events.person_id
    if query.order != "strict":
        events = events.filter(dialect.is_one_of(events.event, names))
    flags = {f"step_{k}": matches(events, step) for k, step in enumerate(query.steps)}
    flags |= {f"excluded_{e}": matches(events, ex) for e, ex in enumerate(query.exclusions)}
    extra = {"breakdown": property_text(events, query.breakdown)} if query.breakdown else {}
    selected = events.select(
        "person_id", "timestamp", "message_id", **{UNIT: unit}, **flags, **extra
    )
    if query.order != "strict" and filters:
        selected = selected.filter(_any([selected[name] for name in flags]))
    return selected


def in_range(query: FunnelQuery, timestamp: ir.TimestampValue) -> ir.BooleanValue:
    condition = ibis.literal(True)
    if query.date_from is not None:
        condition &= timestamp >= query.date_from
    if query.date_to is not None:
        condition &= timestamp < query.date_to
    return condition


def entries(events: ir.Table, query: FunnelQuery, first: ir.BooleanValue) -> ir.Table:
    """Per unit whose ``first`` event happens in the date range: ``entered_at`` (the earliest
    such event), ``person_id`` and the ``breakdown`` value of that event (first touch)."""
    entering = events.filter(first & in_range(query, events.timestamp))
    values: dict[str, ir.Value] = {
        **_person(entering, query),
        "entered_at": entering.timestamp.min(),
    }
    if query.breakdown is not None:
        values["breakdown"] = entering.breakdown.argmin(entering.timestamp)
    return _with_person_id(entering.group_by(UNIT).aggregate(**values), query)


def _person(events: ir.Table, query: FunnelQuery) -> dict[str, ir.Value]:
    """A session's person, aggregated; per person the unit already is the person."""
    return {"person_id": events.person_id.min()} if query.count_by == "session" else {}


def _with_person_id(units: ir.Table, query: FunnelQuery) -> ir.Table:
    return units if query.count_by == "session" else units.mutate(person_id=units[UNIT])


def _with_window_end(units: ir.Table, query: FunnelQuery, start: str) -> ir.Table:
    if query.window is None:
        return units
    return units.mutate(window_end=units[start] + _interval(query))


def sequential_joins(events: ir.Table, query: FunnelQuery) -> ir.Table:
    """Sequential order, portable: per step one join and one ``GROUP BY``. Step k is the
    earliest step-k event strictly after step k-1 and no later than the window's end."""
    units = entries(events, query, events.step_0).rename(reached_0="entered_at")
    units = _with_window_end(units, query, "reached_0")
    for k in range(1, len(query.steps)):
        previous = units[f"reached_{k - 1}"]
        candidates = events.filter(events[f"step_{k}"]).select(UNIT, "timestamp")
        limit = ["window_end"] if query.window is not None else []
        joined = units.select(UNIT, *limit, previous=previous).join(candidates, UNIT)
        condition = joined.timestamp > joined.previous
        if query.window is not None:
            condition &= joined.timestamp <= joined.window_end
        reached = (
            joined.filter(condition)
            .group_by(UNIT)
            .aggregate(**{f"reached_{k}": joined.timestamp.min()})
        )
        units = units.left_join(reached, UNIT).drop(f"{UNIT}_right")
    return units


def sequential_lists(events: ir.Table, query: FunnelQuery) -> ir.Table:
    """Sequential order as one ``GROUP BY`` per entry collecting each step's times, walked with
    list lambdas (the DuckDB fast path); exclusions are checked on the lists too."""
    entering = events.step_0 & in_range(query, events.timestamp)
    values: dict[str, ir.Value] = {
        **_person(events, query),
        "reached_0": events.timestamp.min(where=entering),
    }
    if query.breakdown is not None:
        values["breakdown"] = events.breakdown.argmin(events.timestamp, where=entering)
    # include_null: timestamps are never null, and the null test per row and list is not free.
    for k in range(1, len(query.steps)):
        values[f"_times_{k}"] = events.timestamp.collect(
            where=events[f"step_{k}"], include_null=True
        )
    for e in range(len(query.exclusions)):
        values[f"_excluded_{e}"] = events.timestamp.collect(
            where=events[f"excluded_{e}"], include_null=True
        )
    units = events.group_by(UNIT).aggregate(**values)
    # view(): compute window_end once, not again inside every element's list lambda.
    units = _with_window_end(units.filter(units.reached_0.notnull()), query, "reached_0").view()
    until = (lambda u: u.window_end) if query.window is not None else (lambda u: None)
    for k in range(1, len(query.steps)):
        earliest = dialect.earliest_between(
            units[f"_times_{k}"], units[f"reached_{k - 1}"], until(units)
        )
        # view(): a barrier, else Ibis inlines reached_{k-1}'s list walk into reached_k.
        units = units.mutate(**{f"reached_{k}": earliest}).view()
    for e, exclusion in enumerate(query.exclusions):
        after, before = _exclusion_steps(units, query, exclusion)
        hit = dialect.any_between(units[f"_excluded_{e}"], after, before, until(units))
        units = units.filter(~hit)
    return _with_person_id(units.drop(*[c for c in units.columns if c.startswith("_")]), query)


def strict(events: ir.Table, query: FunnelQuery) -> ir.Table:
    """Strict order: each step's event must be the very next behavioural event of the entry
    (by time, then message id) and strictly later than the previous step's. A run may start
    at any step-1 event from the entry on; the entry keeps its furthest run (earliest first)."""
    entered = entries(events, query, events.step_0)
    events = events.join(entered.select(UNIT, "entered_at"), UNIT)
    ordered = ibis.window(group_by=events[UNIT], order_by=[events.timestamp, events.message_id])
    leads: dict[str, ir.Value] = {}
    for j in range(1, len(query.steps)):
        leads[f"_at_{j}"] = events.timestamp.lead(j).over(ordered)
        leads[f"_is_{j}"] = events[f"step_{j}"].lead(j).over(ordered)
    runs = events.mutate(**leads)
    runs = runs.filter(runs.step_0 & (runs.timestamp >= runs.entered_at))
    reached: dict[str, ir.Value] = {"reached_0": runs.timestamp}
    ok: ir.BooleanValue = ibis.literal(True)
    length: ir.IntegerValue = ibis.literal(1)
    previous = runs.timestamp
    for j in range(1, len(query.steps)):
        at = runs[f"_at_{j}"]
        condition = ok & runs[f"_is_{j}"] & (at > previous)
        if query.window is not None:
            condition &= at <= runs.entered_at + _interval(query)
        ok = condition.fill_null(False)
        reached[f"reached_{j}"] = ok.ifelse(at, _null_time())
        length = length + ok.cast("int64")
        previous = at
    runs = runs.select(UNIT, "message_id", _length=length, **reached)
    best = ibis.window(
        group_by=runs[UNIT], order_by=[runs._length.desc(), runs.reached_0, runs.message_id]
    )
    runs = runs.mutate(_rank=ibis.row_number().over(best))
    runs = runs.filter(runs._rank == 0).drop("_rank", "_length", "message_id")
    units = entered.join(runs, UNIT).drop("entered_at")
    if query.window is not None:
        units = units.join(entered.select(UNIT, "entered_at"), UNIT)
        units = units.mutate(window_end=units.entered_at + _interval(query)).drop("entered_at")
    return units


def any_order(events: ir.Table, query: FunnelQuery) -> ir.Table:
    """Any order: from an anchor (any step's event in the date range), the steps done within
    the window, each step counted once; ``reached_j`` is when the (j+1)-th distinct step was
    first done. The entry keeps its anchor with the most steps (earliest first)."""
    n = len(query.steps)
    entered = entries(events, query, _any([events[f"step_{k}"] for k in range(n)]))
    moments = events.group_by([UNIT, "timestamp"]).aggregate(
        **{f"_has_{k}": events[f"step_{k}"].any() for k in range(n)}
    )
    following = ibis.window(group_by=moments[UNIT], order_by=moments.timestamp, rows=(0, None))
    moments = moments.mutate(
        **{
            f"_next_{k}": moments[f"_has_{k}"]
            .ifelse(moments.timestamp, _null_time())
            .min()
            .over(following)
            for k in range(n)
        }
    )
    anchors = moments.filter(
        _any([moments[f"_has_{k}"] for k in range(n)]) & in_range(query, moments.timestamp)
    )
    done = []
    for k in range(n):
        following_time = anchors[f"_next_{k}"]
        if query.window is not None:
            inside = following_time <= anchors.timestamp + _interval(query)
            following_time = inside.ifelse(following_time, _null_time())
        done.append(following_time)
    reached = {f"reached_{j}": _order_statistic(done, j) for j in range(n)}
    count = reduce(lambda a, b: a + b, [v.notnull().cast("int64") for v in done])
    anchors = anchors.select(UNIT, _done=count, **reached)
    best = ibis.window(group_by=anchors[UNIT], order_by=[anchors._done.desc(), anchors.reached_0])
    anchors = anchors.mutate(_rank=ibis.row_number().over(best))
    anchors = anchors.filter(anchors._rank == 0).drop("_rank", "_done")
    units = entered.drop("entered_at").join(anchors, UNIT)
    return _with_window_end(units, query, "reached_0")


def _order_statistic(times: list[ir.TimestampValue], j: int) -> ir.TimestampValue:
    """The (j+1)-th smallest non-null of ``times`` (ties broken by position), else null."""
    picks = []
    for k, value in enumerate(times):
        smaller = [
            ((other < value) | ((other == value) & ibis.literal(i < k)))
            .fill_null(False)
            .cast("int64")
            for i, other in enumerate(times)
            if i != k
        ]
        rank = reduce(lambda a, b: a + b, smaller, ibis.literal(0))
        picks.append((value.notnull() & (rank == j)).ifelse(value, _null_time()))
    return ibis.coalesce(*picks)


def _exclusion_steps(
    units: ir.Table, query: FunnelQuery, exclusion: Exclusion
) -> tuple[ir.TimestampValue, ir.TimestampValue]:
    to_step = exclusion.to_step or len(query.steps)
    return units[f"reached_{exclusion.from_step - 1}"], units[f"reached_{to_step - 1}"]


def without_excluded(units: ir.Table, events: ir.Table, query: FunnelQuery) -> ir.Table:
    """Drop every entry with an exclusion event strictly after it reached the exclusion's
    first step and before it reached its last one (if it never did: within the window)."""
    for e, exclusion in enumerate(query.exclusions):
        hits = events.filter(events[f"excluded_{e}"]).select(UNIT, _excluded_at=events.timestamp)
        joined = units.join(hits, UNIT)
        after, before = _exclusion_steps(joined, query, exclusion)
        at = joined._excluded_at
        open_end = at <= joined.window_end if query.window is not None else ibis.literal(True)
        inside = (at > after) & before.notnull().ifelse(at < before, open_end)
        excluded = joined.filter(inside.fill_null(False)).select(UNIT).distinct()
        units = units.anti_join(excluded, UNIT)
    return units
