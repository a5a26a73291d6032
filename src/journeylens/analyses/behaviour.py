"""Behaviour and customer activity: which events say that a customer did something.

* **Behaviour** is every track, page and screen call; identify, alias and group calls say who
  someone is, not what they did. An analysis that names its events (a funnel step ``Email
  Sent``, paths after ``Order Delivered``) reads the behaviour.
* **Customer activity** is the behaviour less the workspace's ``[activity] not_activity``
  events (``config.toml``; ``Tables.not_activity``): what the business does *to* a customer or
  a system reports about them — ``Email Sent``, ``Order Delivered``, ``Support Ticket
  Resolved``. Whatever says "active", "any event" or "a visit" reads customer activity: KPIs'
  active customers, lifecycle, stickiness, retention's default return, sessions, paths and
  journey stages. A newsletter sent every other week would otherwise make weekly "active"
  customers alternate with it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from journeylens.analyses.base import Tables

# Ingest accepts only track, page, screen and these three (``ingest.normalize.EVENT_TYPES``), so
# "none of these" is the behaviour: on the dictionary-compressed ``type`` column DuckDB runs
# ``NOT IN`` several times faster than ``IN ('track', 'page', 'screen')`` (and skips it from
# column statistics when a workspace has none of these).
NOT_BEHAVIOUR_TYPES = ("identify", "group", "alias")


def behaviour(events: ir.Table) -> ir.Table:
    """The behavioural events (track, page, screen) of ``events``."""
    return events.filter(events.type.notin(NOT_BEHAVIOUR_TYPES))


def is_activity(tables: Tables, events: ir.Table) -> ir.BooleanValue:
    """Whether a behavioural event is customer activity (not one of ``tables.not_activity``)."""
    if not tables.not_activity:
        return ibis.literal(True)
    return events.event.notin(list(tables.not_activity)).fill_null(True)


def customer_activity(
    tables: Tables, events: ir.Table | None = None, *, named: tuple[str, ...] = ()
) -> ir.Table:
    """The customer activity of ``events`` (default: all events), plus the behaviour events
    ``named`` explicitly by the query even when they are not activity (paths after ``Email
    Sent``)."""
    events = behaviour(tables.events if events is None else events)
    keep = is_activity(tables, events)
    if named:
        keep |= events.event.isin(list(named))
    return events.filter(keep)
