"""The behavioural features personas are clustered on: one row per person, built in Ibis.

Persons: the identified persons with customer activity (``behaviour.py``) in the window
``[start, end)``. Per person:

* ``recency_days`` — whole days (24 h) from their last counted order to ``end``; the window's
  length when they have none. Counted orders are RFM's (``rfm.counted_orders``: the workspace
  currency, refunded and cancelled ones left out).
* ``orders``, ``revenue`` — counted orders and their revenue (RFM's frequency and monetary).
* ``sessions`` — sessions started in the window (``sessions.py``: 30 min idle, 24 h, a client
  session id wins).
* ``share_<channel>`` — the share of their activity events on each channel of ``CHANNELS``.
* ``discount_share`` — the share of their counted orders with a coupon or a discount
  (``properties.coupon`` set and not empty, or ``properties.discount`` > 0); 0 without orders.
* ``support_per_session`` — support contacts per session: support events (``kpis.SUPPORT``:
  ``Support Ticket Created``, ``Chat Started``...) plus ``chat`` and ``ticket`` feedback in the
  window, divided by the sessions (at least 1). A rate, not a count: a count grows with every
  visit, so it would mostly repeat ``sessions``.
* ``category_<name>`` — for the ``TOP_CATEGORIES`` categories with the most order lines of
  the window across everyone, the share of the person's lines (of counted orders) in it.
"""

from __future__ import annotations

import re
from datetime import datetime

import ibis
import ibis.expr.types as ir

from journeylens.analyses import dialect, rfm, sessions
from journeylens.analyses.base import Tables
from journeylens.analyses.behaviour import customer_activity
from journeylens.analyses.expr import in_range
from journeylens.analyses.kpis import SUPPORT

CHANNELS = ("web", "app", "store", "email", "chat", "social")
TOP_CATEGORIES = 5
SUPPORT_FEEDBACK = ("chat", "ticket")
# Money is skewed (a few customers spend most of it): log1p before scaling.
SKEWED = ("revenue",)
# Features of one kind share one weight in the distance (personas.py): channel and category shares.
BLOCKS = ("share_", "category_")


def category_column(category: str) -> str:
    """``category_game_consoles`` for "Game Consoles"."""
    return "category_" + re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_")


def top_categories(tables: Tables, start: datetime, end: datetime) -> list[str]:
    """The categories with the most order lines of the window's counted orders (ties by name)."""
    lines = _lines(tables, start, end)
    counts = lines.group_by("category").aggregate(lines=lines.count())
    counts = counts.order_by([ibis.desc("lines"), "category"]).limit(TOP_CATEGORIES)
    return [str(c) for c in tables.execute(counts)["category"]]


def _lines(tables: Tables, start: datetime, end: datetime) -> ir.Table:
    orders = rfm.counted_orders(tables, start, end).select("order_id", "person_id")
    items = tables.order_items
    lines = items.join(orders, items.order_id == orders.order_id)
    return lines.filter(lines.category.notnull()).select("person_id", "category")


def build(tables: Tables, start: datetime, end: datetime, categories: list[str]) -> ir.Table:
    """One row per person (ordered by ``person_id``) with the features in the docstring."""
    events = in_range(tables.events, start, end)
    activity = customer_activity(tables, events)
    identified = tables.persons.filter(tables.persons.is_identified).select("person_id")
    activity = activity.semi_join(identified, "person_id")

    channel_counts = {
        f"n_{channel}": (activity.channel == channel).cast("int64").sum() for channel in CHANNELS
    }
    base = activity.group_by("person_id").aggregate(events=activity.count(), **channel_counts)

    orders = rfm.counted_orders(tables, start, end)
    coupon = dialect.json_text(orders.properties, ("coupon",), tables.engine)
    discount = dialect.json_text(orders.properties, ("discount",), tables.engine)
    discounted = (coupon.notnull() & (coupon != "")) | (
        discount.try_cast("float64").fill_null(0) > 0
    )
    buying = orders.group_by("person_id").aggregate(
        orders=orders.count(),
        revenue=orders.revenue.sum().fill_null(0),
        last_ordered_at=orders.ordered_at.max(),
        discounted=discounted.cast("int64").sum(),
    )

    session_rows = sessions.build(tables, activity)
    per_session = session_rows.group_by("person_id").aggregate(sessions=session_rows.count())

    support_events = events.filter(events.event.isin(list(SUPPORT)).fill_null(False))
    feedback = in_range(tables.feedback, start, end, column="created_at")
    feedback = feedback.filter(feedback.kind.isin(list(SUPPORT_FEEDBACK)).fill_null(False))
    contacts = support_events.select("person_id").union(
        feedback.select("person_id"), distinct=False
    )
    support = contacts.group_by("person_id").aggregate(support_contacts=contacts.count())

    lines = _lines(tables, start, end)
    shares = {
        f"n_{category_column(c)}": (lines.category == c).cast("int64").sum() for c in categories
    }
    per_lines = lines.group_by("person_id").aggregate(lines=lines.count(), **shares)

    joined = base
    for other in (buying, per_session, support, per_lines):
        key = other.person_id.name("_key")
        other = other.mutate(_key=key).drop("person_id")
        joined = joined.left_join(other, joined.person_id == other._key).drop("_key")

    window_days = ibis.literal((end - start).days, "int64")
    end_seconds = ibis.literal(int((end - datetime(1970, 1, 1)).total_seconds()), "int64")
    age = end_seconds - joined.last_ordered_at.epoch_seconds().cast("int64")
    orders_n = joined.orders.fill_null(0)
    features: dict[str, ir.Value] = {
        "recency_days": joined.last_ordered_at.isnull().ifelse(window_days, age // 86400),
        "orders": orders_n,
        "revenue": joined.revenue.fill_null(0).cast("float64"),
        "sessions": joined.sessions.fill_null(0),
    }
    for channel in CHANNELS:
        features[f"share_{channel}"] = joined[f"n_{channel}"] / joined.events
    features["discount_share"] = (orders_n > 0).ifelse(
        joined.discounted.fill_null(0) / orders_n.cast("float64"), 0.0
    )
    sessions_n = ibis.greatest(joined.sessions.fill_null(0), 1).cast("float64")
    features["support_per_session"] = joined.support_contacts.fill_null(0) / sessions_n
    for category in categories:
        column = category_column(category)
        features[column] = (joined.lines.fill_null(0) > 0).ifelse(
            joined[f"n_{column}"].fill_null(0) / joined.lines.cast("float64"), 0.0
        )
    out = {
        name: value.cast("int64" if name in ("recency_days", "orders", "sessions") else "float64")
        for name, value in features.items()
    }  # fmt: skip
    return joined.select("person_id", **out).order_by("person_id")
