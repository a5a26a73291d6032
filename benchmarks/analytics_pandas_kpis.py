"""The KPI dashboard in pandas, for ``analytics.py``: the baseline for the ``kpis`` analysis.

``kpis(path)`` reads the events from Parquet and computes, for the default query
(``KpisQuery()``: the range R = the 30 days up to the end of the last day with events, and
the previous range P = the 30 days before), the KPIs an analyst can compute from the events
alone, each for R and for P, as ``src/journeylens/analyses/kpis.py`` defines them:

* an *active* event is a behaviour event (track, page or screen) whose name is not one of
  the query's ``ignore_events`` (the messages the business sends itself, ``Email Sent`` …);
* ``dau`` / ``wau`` / ``mau``: distinct active persons per day / ISO week / month, averaged
  over every period the range touches (a period cut by the range counts only its part
  inside it; a period without activity counts as 0), and ``*_last``, the last period's;
* ``active_persons``; ``conversion_rate``: persons with a behaviour event named
  ``conversion_event`` (``Order Completed``) in the range ÷ active persons;
* ``retention_rate``: active persons of the range of the same length just before (for P,
  the range before P) also active in the range ÷ the former;
* ``bounce_rate``, ``average_session_duration``, ``pages_per_session``: over the sessions
  *started* in the range, sessions being cut from the active events of all time (a client
  ``session_id`` wins, else 30 min idle and 24 h cuts: ``analytics_pandas.sessionize``);
  pages per session and bounce rate are over the sessions with at least one page view
  (``page``/``screen`` calls or ``$pageview``/``$screen`` events), a bounce being a session
  of exactly one event, a page view; duration is last event − first event;
* ``support_contacts_per_customer``: behaviour events named one of ``support_events`` in the
  range ÷ active persons.

Rates are fractions; a ratio with nothing to divide by is None. Days, weeks and months are
cut in UTC, the benchmark workspace's time zone (the Parquet file does not carry one).

Left out, on both sides: the KPIs of the ``orders`` table (``orders``, ``buyers``,
``revenue``, ``average_order_value``, ``purchase_frequency``, ``repeat_purchase_rate``),
``churn_rate`` (its customers are persons with an order in that table) and ``nps`` (the
``feedback`` table). Those tables are not in the events Parquet (and are empty in the
benchmark workspace, so journeylens reports 0 orders and no rates); counting ``Order
Completed`` events instead would be a different KPI, and writing 0 would be no computation.

``answer(result)`` extracts the same shape from the journeylens ``KpisResult``:
``{"range": [from, to, previous from], kpi: [value in R, value in P], ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from analytics_pandas import day_index, read, sessionize, week_index

from journeylens.analyses.kpis import DEFAULT_DAYS, KpisQuery

QUERY = KpisQuery()  # the default query: its event lists are the definition being compared
BEHAVIOUR_TYPES = ["track", "page", "screen"]
PAGE_VIEW_EVENTS = ["$pageview", "$screen"]
COLUMNS = ["person_id", "type", "event", "timestamp", "session_id", "message_id"]
COMPARED = (
    "dau",
    "dau_last",
    "wau",
    "wau_last",
    "mau",
    "mau_last",
    "active_persons",
    "conversion_rate",
    "retention_rate",
    "bounce_rate",
    "average_session_duration",
    "pages_per_session",
    "support_contacts_per_customer",
)


def month_index(ts: pd.Series) -> pd.Series:
    return pd.Series(ts.values.astype("datetime64[M]").astype("int64"), index=ts.index)


PERIODS = {"dau": day_index, "wau": week_index, "mau": month_index}


def ratio(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def within(
    frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, column: str = "timestamp"
) -> pd.DataFrame:
    """The rows of ``frame`` with ``column`` in ``[start, end)``."""
    return frame[(frame[column] >= start) & (frame[column] < end)]


def default_range(events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The 30 days up to the end of the (UTC) day of the last event of any type."""
    date_to = events["timestamp"].max().normalize() + pd.Timedelta(days=1)
    return date_to - pd.Timedelta(days=DEFAULT_DAYS), date_to


def active_users(active: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """DAU/WAU/MAU over ``active`` (already cut to the range): mean and last period."""
    last_day = (end - pd.Timedelta(microseconds=1)).normalize()
    days = pd.Series(pd.date_range(start.normalize(), last_day, freq="D"))
    values = {}
    for name, period_of in PERIODS.items():
        touched = period_of(days).unique()
        per_period = active.groupby(period_of(active["timestamp"]))["person_id"].nunique()
        series = per_period.reindex(touched, fill_value=0)
        values[name] = float(series.mean())
        values[f"{name}_last"] = float(series.iloc[-1])
    return values


def session_table(activity: pd.DataFrame) -> pd.DataFrame:
    """One row per session of the active events: start, events, page views, duration."""
    events = sessionize(activity)
    events["page"] = events["type"].isin(["page", "screen"]) | events["event"].isin(
        PAGE_VIEW_EVENTS
    )
    sessions = events.groupby("session").agg(
        started_at=("timestamp", "min"),
        ended_at=("timestamp", "max"),
        events=("page", "size"),
        page_views=("page", "sum"),
    )
    sessions["duration"] = (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds()
    sessions["bounced"] = (sessions["page_views"] == 1) & (sessions["events"] == 1)
    return sessions


def visits(sessions: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    started = within(sessions, start, end, column="started_at")
    with_pages = int((started["page_views"] > 0).sum())
    return {
        "bounce_rate": ratio(started["bounced"].sum(), with_pages),
        "average_session_duration": float(started["duration"].mean()) if len(started) else None,
        "pages_per_session": ratio(started["page_views"].sum(), with_pages),
    }


def range_kpis(
    behaviour: pd.DataFrame,
    activity: pd.DataFrame,
    sessions: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> dict:
    """Every compared KPI of the range ``[start, end)``."""
    active = within(activity, start, end)
    events = within(behaviour, start, end)
    active_persons = active["person_id"].nunique()
    converted = events.loc[events["event"] == QUERY.conversion_event, "person_id"].nunique()
    contacts = events["event"].isin(QUERY.support_events).sum()
    before = within(activity, start - (end - start), start)["person_id"].drop_duplicates()
    kept = before.isin(active["person_id"]).sum()
    return {
        **active_users(active, start, end),
        "active_persons": float(active_persons),
        "conversion_rate": ratio(converted, active_persons),
        "retention_rate": ratio(kept, len(before)),
        **visits(sessions, start, end),
        "support_contacts_per_customer": ratio(contacts, active_persons),
    }


def kpis(path: Path) -> dict:
    """The compared KPIs of the default query, from the events Parquet at ``path``."""
    events = read(path, COLUMNS)
    date_from, date_to = default_range(events)
    previous_from = date_from - (date_to - date_from)
    behaviour = events[events["type"].isin(BEHAVIOUR_TYPES)]
    activity = behaviour[~behaviour["event"].isin(QUERY.ignore_events)]
    sessions = session_table(activity)
    current = range_kpis(behaviour, activity, sessions, date_from, date_to)
    previous = range_kpis(behaviour, activity, sessions, previous_from, date_from)
    return {
        "range": [date_from.isoformat(), date_to.isoformat(), previous_from.isoformat()],
        **{name: [current[name], previous[name]] for name in COMPARED},
    }


def answer(result: Any) -> dict:
    """The same shape from a journeylens ``KpisResult``."""
    dates = (result.date_from, result.date_to, result.previous_from)
    return {
        "range": [moment.isoformat() for moment in dates],
        **{name: [result.get(name).value, result.get(name).previous] for name in COMPARED},
    }
