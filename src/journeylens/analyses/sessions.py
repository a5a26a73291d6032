"""Sessions: a person's behaviour split by idle time (docs/architecture.md "Sessions").

* A client-sent ``session_id`` wins: those events form the session the client said.
* Other events of a person start a new session after ``idle`` (30 minutes) without an event,
  and a session longer than ``max_length`` (24 hours) is cut every 24 hours from its start.
* Only customer activity counts (``behaviour.py``): identify/alias/group calls are not
  visits, and neither are the workspace's ``not_activity`` events (an ``Email Sent`` is the
  business's doing, not the customer's).

``sessionize`` adds ``session_number`` and ``session_key`` to the events; ``build``
gives one row per session with its duration, events, page views and whether it bounced
(exactly one page view and nothing else).

The ``sessions`` analysis (``journeylens sessions``, ``/api/sessions``) summarises them per
day/week/month of the session start: sessions, persons, mean and median duration (dwell
time: last event − first event, so a one-event session lasts 0 s and counts in both: the
median is 0 s whenever more than half of the sessions had one event, and
``single_event_sessions`` says how many did), pages per session and
bounce rate — both over the sessions with at least one page view, since a session of only
track calls (an e-mail opened, a server-side event) has no pages to count or bounce from. A
period the range or ``now`` (default: the latest event) cuts is ``in_progress``
(``activity.Seen``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field, model_validator

from journeylens.analyses import activity, dialect
from journeylens.analyses.base import (
    Analysis,
    AsOf,
    DateRange,
    Query,
    Result,
    Tables,
    number,
)
from journeylens.analyses.behaviour import behaviour, customer_activity
from journeylens.analyses.expr import (
    Filter,
    Interval,
    needs_person,
    period_start,
    property_parts,
    property_text,
    with_person,
)

IDLE = timedelta(minutes=30)
MAX_LENGTH = timedelta(hours=24)
BEHAVIOUR_TYPES = ("track", "page", "screen")
PAGE_VIEW_EVENTS = ("$pageview", "$screen")
# session_number = run × RUN_STRIDE + the 24-hour chunk of the run (times 1970–2242: fewer
# than 2**17 chunks). Runs are numbered across the whole table on DuckDB, so < 2**43 of them.
RUN_STRIDE = 1 << 20
# Run starts are found as a running max of person_id × PERSON_STRIDE + epoch seconds.
PERSON_STRIDE = 1 << 33
MARK = "decimal(38, 6)"  # exact: person ids up to 10**19, seconds to the microsecond
# The columns ``build`` reads from the events.
NEEDED = ("person_id", "session_id", "timestamp", "type", "event", "channel")


def is_page_view(events: ir.Table) -> ir.BooleanValue:
    return events.type.isin(("page", "screen")) | events.event.isin(PAGE_VIEW_EVENTS)


def sessionize(
    events: ir.Table,
    *,
    idle: timedelta = IDLE,
    max_length: timedelta = MAX_LENGTH,
    ties: tuple[str, ...] = (),
    ahead: Callable[[ir.Table, Any], dict[str, ir.Value]] | None = None,
    bounds: bool = False,
) -> ir.Table:
    """The behavioural events with ``session_number`` and ``session_key``.

    ``session_number`` (BIGINT) tells a person's sessions apart: group by
    ``(person_id, session_number)``. ``session_key`` is the same as one string, unique across
    persons (for callers that need a single unit column; it costs a string per event, so
    group by the two integer columns where you can). The start of a session is its
    ``min(timestamp)``.

    Performance: two window passes over ONE ordering — by
    person, then the events without a client session id, then each client session, then
    time — and integer keys. Pass 1 flags the events that begin a run (the first of a
    person, the first of a client session, or one after more than ``idle``); pass 2
    numbers the runs (a running count of the flags) and finds each run's start: a running
    max of ``person_id × 2**33 + seconds`` (an exact decimal) over the flagged events,
    which only grows along the ordering, so it is the latest flagged event's (valid for
    times 1970–2242; ingest accepts 1970–2200). A run is cut every ``max_length`` from its
    start; a client session is never cut. Ties in time need no tie-breaker: a tied event
    is 0 s after the other, so it is in the same session whichever comes first, and pass 2
    counts over a RANGE frame, so tied events see the same flags whatever order each sort
    puts them in. On DuckDB the ordering spans the whole table (one sort, no partitions:
    faster than partitioning by person); engines that sort a window on one worker
    partition by person instead (``dialect.whole_table_windows``). Client session ids are
    sorted and compared as ``dialect.sort_key`` (a 64-bit hash on DuckDB: text in the sort
    cost ~2× the window).

    For callers that walk each session in order (paths): ``ties`` are columns appended to
    the ordering (e.g. ``("message_id",)``), so a session's events come in one total order;
    ``ahead(table, window)`` gives more window columns over that ordering (e.g. the next
    steps, ``lead``), computed in pass 2 with the same sort; ``bounds`` adds
    ``session_starts`` and ``session_ends`` (the first and last event of each session in
    the ordering). A session's events are adjacent in the ordering (a client session's
    sort together, a run's chunks follow each other), so ``lead(k)`` from its first event
    is its (k+1)-th event while k is less than its length.
    """
    events = behaviour(events)
    whole_table = dialect.whole_table_windows(dialect.engine_of(events))
    # NULL exactly where no client session id was sent; the windows carry no text.
    events = events.mutate(_sent_order=dialect.sort_key(events.session_id.nullif("")))

    def ordered(table: ir.Table, **frame: Any) -> Any:
        order = [table._sent_order.asc(nulls_first=True), table.timestamp]
        order += [table[name] for name in ties]
        if whole_table:
            return ibis.window(order_by=[table.person_id, *order], **frame)
        return ibis.window(group_by=table.person_id, order_by=order, **frame)

    seconds = events.timestamp.epoch_seconds()
    previous_seconds = seconds.lag().over(ordered(events))
    begins = (
        previous_seconds.isnull()
        | ~events.person_id.lag().over(ordered(events)).identical_to(events.person_id)
        | ~events._sent_order.lag().over(ordered(events)).identical_to(events._sent_order)
        | (events._sent_order.isnull() & (seconds - previous_seconds > idle.total_seconds()))
    )
    pass_one: dict[str, ir.Value] = {"_begins": begins, "_previous_seconds": previous_seconds}
    if ties:  # a total order: pass 2 sorts by its row numbers (one integer) instead
        pass_one["_order"] = ibis.row_number().over(ordered(events))
    events = events.mutate(**pass_one)
    if ties:

        def ordered(table: ir.Table, **frame: Any) -> Any:
            if whole_table:
                return ibis.window(order_by=table._order, **frame)
            return ibis.window(group_by=table.person_id, order_by=table._order, **frame)

    so_far = ordered(events, range=(None, 0))
    seconds = events.timestamp.epoch_seconds()
    if whole_table:  # the running max must not carry over from the previous person
        person_mark = events.person_id.cast(MARK) * PERSON_STRIDE
        mark = person_mark + seconds.cast(MARK)
    else:
        person_mark, mark = ibis.literal(0.0), seconds
    latest_mark = ibis.ifelse(events._begins, mark, ibis.null()).max().over(so_far)
    pass_two: dict[str, ir.Value] = {
        "_run": events._begins.cast("int64").sum().over(so_far),
        "_run_start": (latest_mark - person_mark).cast("float64"),
    }
    if bounds:
        pass_two["_next_begins"] = events._begins.lead().over(ordered(events))
        pass_two["_next_seconds"] = seconds.lead().over(ordered(events))
    if ahead is not None:
        pass_two.update(ahead(events, ordered(events)))
    events = events.mutate(**pass_two)

    def chunk_of(at: ir.NumericValue) -> ir.IntegerValue:
        chunk = ((at - events._run_start) / max_length.total_seconds()).floor().cast("int64")
        return ibis.ifelse(events._sent_order.isnull(), chunk, 0)

    chunk = chunk_of(events.timestamp.epoch_seconds())
    number = events._run * RUN_STRIDE + chunk
    events = events.mutate(
        session_number=number,
        session_key=events.person_id.cast("string") + ibis.literal("-") + number.cast("string"),
    )
    helpers = ["_sent_order", "_begins", "_previous_seconds", "_run", "_run_start"]
    helpers += ["_order"] if ties else []
    if bounds:
        # The previous and next events are in the same run unless a run begins between;
        # then the same run start tells whether a 24-hour cut falls between them.
        events = events.mutate(
            session_starts=events._begins | (chunk_of(events._previous_seconds) != chunk),
            session_ends=events._next_begins.fill_null(True)
            | (chunk_of(events._next_seconds) != chunk),
        )
        helpers += ["_next_begins", "_next_seconds"]
    return events.drop(*helpers)


def deciding(
    events: ir.Table,
    date_from: datetime | None,
    date_to: datetime | None,
    *,
    idle: timedelta = IDLE,
    max_length: timedelta = MAX_LENGTH,
) -> ir.Table:
    """The behavioural ``events`` that decide the sessions started in ``[date_from,
    date_to)``: ``sessionize`` gives those sessions the same events from these as from all.

    Sessions follow each other in time, so a person's history matters only up to the run
    that reaches into the range:

    * of the events with a client session id, those of the client sessions whose first
      event is in the range (a client session is never cut, so it is whole or absent);
    * of the others, those from ``date_from`` until ``max_length`` after ``date_to`` (a
      session started before ``date_to`` ends within ``max_length`` of its start; later
      events only ever begin later sessions);
    * and a person's whole history when they have such an event at most ``idle`` before
      ``date_from``: a run may reach into the range from earlier, and its start places the
      24-hour cuts.

    Otherwise a person's first event from ``date_from`` begins a run with or without the
    earlier events, and everything after follows from it. On 10M events over 90 days the
    sessions of the last 7 days take 1.1 s instead of 3.6 s (benchmarks/RESULTS.md); on a
    workspace with years of events a 30-day range sessionizes about 30 days
    (``test_sessionize.py`` checks the sessions are the same).
    """
    if date_from is None and date_to is None:
        return events
    sent_id = events.session_id.nullif("")
    sent, others = events.filter(sent_id.notnull()), events.filter(sent_id.isnull())
    started = sent.group_by(["person_id", "session_id"]).aggregate(_first=sent.timestamp.min())
    window = ibis.literal(True)
    first_in = ibis.literal(True)
    if date_to is not None:
        window &= others.timestamp < date_to + max_length
        first_in &= started._first < date_to
    if date_from is not None:
        window &= others.timestamp >= date_from
        first_in &= started._first >= date_from
        # Whoever has an event in the idle time just before the range may be in a run
        # reaching into it (a superset of those who are: a slice of time, not a GROUP BY of
        # the whole history); the others' first event from ``date_from`` begins a run.
        running = others.filter(
            (others.timestamp >= date_from - idle) & (others.timestamp < date_from)
        )
        window |= others.person_id.isin(running.person_id)
    wanted = started.filter(first_in).select("person_id", "session_id")
    whole = sent.semi_join(wanted, ["person_id", "session_id"])
    kept = others.filter(window)
    # The same columns; Ibis may type them NOT NULL on one side only, which a union refuses.
    return kept.union(whole.cast(kept.schema()))


def build(
    tables: Tables,
    events: ir.Table | None = None,
    *,
    extra: Callable[[ir.Table], dict[str, ir.Value]] | None = None,
) -> ir.Table:
    """One row per session: person, start, end, duration, events, page views, bounced.

    ``extra(sessioned_events)`` may add more per-session aggregates (e.g. a first-touch value).
    """
    sessioned = sessionize(customer_activity(tables) if events is None else events)
    sessioned = sessioned.mutate(_page=is_page_view(sessioned).cast("int64"))
    sessions = sessioned.group_by(["person_id", "session_number"]).aggregate(
        started_at=sessioned.timestamp.min(),
        ended_at=sessioned.timestamp.max(),
        events=sessioned.count(),
        page_views=sessioned._page.sum(),
        channel=sessioned.channel.argmin(sessioned.timestamp),
        **(extra(sessioned) if extra else {}),
    )
    return sessions.mutate(
        duration_seconds=sessions.ended_at.epoch_seconds() - sessions.started_at.epoch_seconds(),
        bounced=(sessions.page_views == 1) & (sessions.events == 1),
    )


# --- the ``sessions`` analysis ----------------------------------------------------------------


class SessionsQuery(Query, DateRange, AsOf):
    """Sessions per period. A session belongs to the period (and the date range) of its start.

    ``filters`` keep the sessions with at least one event matching all of them (the session
    itself stays whole); ``breakdown`` is the value at the session's first event (its entry).
    """

    period: Interval = Field("day", description="Cut by session start, in the workspace zone.")
    filters: tuple[Filter, ...] = Field(
        (),
        description="Keep sessions with an event matching all filters, e.g. 'channel = web'.",
        json_schema_extra={"cli": "--filter"},
    )
    breakdown: str | None = Field(
        None, description="Entry value: channel, utm_source, properties.KEY, person.country."
    )

    @model_validator(mode="after")
    def _check(self) -> SessionsQuery:
        if self.breakdown is not None:
            property_parts(self.breakdown)
        return self


class SessionPeriod(BaseModel):
    period_start: date | None
    breakdown: str | None = None
    sessions: int
    persons: int
    avg_duration_seconds: float | None
    median_duration_seconds: float | None  # one-event sessions count, as 0 s
    single_event_sessions: int = 0
    page_view_sessions: int
    pages_per_session: float | None
    bounces: int
    bounce_rate: float | None
    in_progress: bool = False


class SessionsResult(Result):
    breakdown: str | None = None
    periods: list[SessionPeriod]

    def rows(self) -> list[dict[str, Any]]:
        drop = {"breakdown"} if self.breakdown is None else set()
        return [
            {k: v for k, v in p.model_dump(mode="json").items() if k not in drop}
            for p in self.periods
        ]


def session_table(tables: Tables, query: SessionsQuery, events: ir.Table | None = None) -> ir.Table:
    """One row per session started in the range (and matching the filters), with its period.

    ``events`` (default: all events) lets a caller leave some out; of them, only customer
    activity makes sessions.
    """
    events = tables.events if events is None else events
    if needs_person(query.breakdown, *(f.property for f in query.filters)):
        events = with_person(tables, events)

    # The per-event values first, so the session windows carry a few narrow columns.
    events = customer_activity(tables, events)
    per_event: dict[str, ir.Value] = {}
    if query.filters:
        match = ibis.literal(True)
        for item in query.filters:
            match &= item.predicate(events).fill_null(False)
        per_event["_matched"] = match.cast("int64")
    if query.breakdown is not None:
        per_event["_entry"] = property_text(events, query.breakdown)
    events = events.select(*NEEDED, **per_event)
    events = deciding(events, query.date_from, query.date_to)

    def extra(sessioned: ir.Table) -> dict[str, ir.Value]:
        values: dict[str, ir.Value] = {}
        if query.filters:
            values["matched"] = sessioned._matched.max()
        if query.breakdown is not None:
            values["breakdown"] = sessioned._entry.argmin(sessioned.timestamp)
        return values

    sessions = build(tables, events, extra=extra)
    if query.filters:
        sessions = sessions.filter(sessions.matched == 1)
    if query.date_from is not None:
        sessions = sessions.filter(sessions.started_at >= query.date_from)
    if query.date_to is not None:
        sessions = sessions.filter(sessions.started_at < query.date_to)
    if query.period != "total":
        started = period_start(tables, sessions.started_at, query.period)
        sessions = sessions.mutate(period_start=started)
    return sessions


def summarise(tables: Tables, query: SessionsQuery, events: ir.Table | None = None) -> ir.Table:
    """Per period (and breakdown): sessions, persons, durations, page views and bounces."""
    sessions = session_table(tables, query, events)
    keys = ([] if query.period == "total" else ["period_start"]) + (
        ["breakdown"] if query.breakdown is not None else []
    )
    metrics = session_metrics(sessions)
    return sessions.group_by(keys).aggregate(**metrics) if keys else sessions.aggregate(**metrics)


def session_metrics(sessions: ir.Table) -> dict[str, ir.Value]:
    """The aggregates ``period_of`` reads, over rows of ``build``/``session_table``."""
    return dict(
        sessions=sessions.count(),
        persons=sessions.person_id.nunique(),
        avg_duration_seconds=sessions.duration_seconds.mean(),
        median_duration_seconds=sessions.duration_seconds.cast("float64").median(),
        single_event_sessions=(sessions.events == 1).cast("int64").sum(),
        page_view_sessions=(sessions.page_views > 0).cast("int64").sum(),
        page_views=sessions.page_views.sum(),
        bounces=sessions.bounced.cast("int64").sum(),
    )


def period_of(row: dict[str, Any]) -> SessionPeriod:
    """One row of ``session_metrics`` (NULLs as None) as a ``SessionPeriod``: pages per
    session and bounce rate are over the sessions with a page view."""
    with_pages = int(row["page_view_sessions"] or 0)
    start = row.get("period_start")
    return SessionPeriod(
        period_start=start.date() if isinstance(start, datetime) else start,
        breakdown=None if row.get("breakdown") is None else str(row["breakdown"]),
        sessions=int(row["sessions"] or 0),
        persons=int(row["persons"] or 0),
        avg_duration_seconds=number(row["avg_duration_seconds"]),
        median_duration_seconds=number(row["median_duration_seconds"]),
        single_event_sessions=int(row["single_event_sessions"] or 0),
        page_view_sessions=with_pages,
        pages_per_session=(number(row["page_views"]) or 0) / with_pages if with_pages else None,
        bounces=int(row["bounces"] or 0),
        bounce_rate=int(row["bounces"] or 0) / with_pages if with_pages else None,
    )


NO_SESSIONS = SessionPeriod(
    period_start=None, sessions=0, persons=0, avg_duration_seconds=None,
    median_duration_seconds=None, page_view_sessions=0, pages_per_session=None, bounces=0,
    bounce_rate=None,
)  # fmt: skip


def run_sessions(
    tables: Tables, query: SessionsQuery, events: ir.Table | None = None
) -> SessionsResult:
    table = tables.execute(summarise(tables, query, events))
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    periods = [period_of(row) for row in rows]
    if query.period == "total" and not periods:
        periods = [NO_SESSIONS.model_copy()]
    periods.sort(key=lambda p: (p.period_start or date.min, p.breakdown is None, p.breakdown or ""))
    if query.period != "total" and periods:
        seen = activity.seen(tables, query.period, query.date_from, query.date_to, query.now)
        periods = [
            p.model_copy(update={"in_progress": seen.partial(p.period_start, query.period)})
            for p in periods
        ]
    return SessionsResult(breakdown=query.breakdown, periods=periods)


ANALYSIS = Analysis(
    name="sessions",
    path="sessions",
    summary="Sessions per period: persons, duration (dwell time), pages per session, bounce rate.",
    query=SessionsQuery,
    result=SessionsResult,
    run=run_sessions,
)
