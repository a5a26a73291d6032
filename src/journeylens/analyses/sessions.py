"""Sessions: a person's behaviour split by idle time (DESIGN.md "Sessions").

* A client-sent ``session_id`` wins: those events form the session the client said.
* Other events of a person start a new session after ``idle`` (30 minutes) without an event,
  and a session longer than ``max_length`` (24 hours) is cut every 24 hours from its start.
* Only behaviour counts (track, page, screen); identify/alias/group calls are not visits.

``sessionize`` adds ``session_key`` and ``session_started_at`` to the events; ``build``
gives one row per session with its duration, events, page views and whether it bounced
(exactly one page view and nothing else).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from journeylens.analyses.base import Tables

IDLE = timedelta(minutes=30)
MAX_LENGTH = timedelta(hours=24)
BEHAVIOUR_TYPES = ("track", "page", "screen")
PAGE_VIEW_EVENTS = ("$pageview", "$screen")


def behaviour(events: ir.Table) -> ir.Table:
    return events.filter(events.type.isin(BEHAVIOUR_TYPES))


def is_page_view(events: ir.Table) -> ir.BooleanValue:
    return events.type.isin(("page", "screen")) | events.event.isin(PAGE_VIEW_EVENTS)


def sessionize(
    events: ir.Table, *, idle: timedelta = IDLE, max_length: timedelta = MAX_LENGTH
) -> ir.Table:
    """The behavioural events with ``session_key`` (string) and ``session_started_at``."""
    events = behaviour(events)
    client = events.session_id.notnull() & (events.session_id != "")
    events = events.mutate(_client=client)
    ordered = ibis.window(
        group_by=[events.person_id, events._client], order_by=[events.timestamp, events.message_id]
    )
    seconds = events.timestamp.epoch_seconds()
    events = events.mutate(_gap=seconds - seconds.lag().over(ordered))
    starts = (events._gap.isnull() | (events._gap > idle.total_seconds())).cast("int64")
    events = events.mutate(_idle_run=starts.cumsum().over(ordered))
    run = ibis.window(group_by=[events.person_id, events._client, events._idle_run])
    events = events.mutate(_run_start=events.timestamp.min().over(run))
    chunk = (
        (
            (events.timestamp.epoch_seconds() - events._run_start.epoch_seconds())
            / max_length.total_seconds()
        )
        .floor()
        .cast("int64")
    )
    computed = (
        events.person_id.cast("string")
        + ibis.literal("-")
        + events._idle_run.cast("string")
        + ibis.literal("-")
        + chunk.cast("string")
    )
    sent = events.person_id.cast("string") + ibis.literal(":") + events.session_id
    events = events.mutate(session_key=ibis.ifelse(events._client, sent, computed))
    by_session = ibis.window(group_by=[events.person_id, events.session_key])
    events = events.mutate(session_started_at=events.timestamp.min().over(by_session))
    return events.drop("_client", "_gap", "_idle_run", "_run_start")


def build(tables: Tables, events: ir.Table | None = None) -> ir.Table:
    """One row per session: person, start, end, duration, events, page views, bounced."""
    sessioned = sessionize(tables.events if events is None else events)
    sessioned = sessioned.mutate(_page=is_page_view(sessioned).cast("int64"))
    sessions = sessioned.group_by(["person_id", "session_key"]).aggregate(
        started_at=sessioned.timestamp.min(),
        ended_at=sessioned.timestamp.max(),
        events=sessioned.count(),
        page_views=sessioned._page.sum(),
        channel=sessioned.channel.argmin(sessioned.timestamp),
    )
    return sessions.mutate(
        duration_seconds=sessions.ended_at.epoch_seconds() - sessions.started_at.epoch_seconds(),
        bounced=(sessions.page_views == 1) & (sessions.events == 1),
    )
