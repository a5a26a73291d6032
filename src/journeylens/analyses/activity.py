"""What counts as activity, and whole-period arithmetic: shared by retention, lifecycle, stickiness.

* ``EventMatch`` names which events count: any of some event names (none named: any
  customer activity — track, page and screen calls less the workspace's ``not_activity``
  events, ``behaviour.py``), narrowed by property filters. Text form:
  ``Order Completed``, ``Viewed|Added``, ``*`` (any), and filters after `` where `` joined by
  `` and ``: ``Order Completed where revenue > 10 and properties.plan = pro``. A name or value
  that itself contains ``|``, `` where `` or `` and `` needs the object form
  (``{"events": [...], "filters": [...]}``).
* Periods (day / ISO week / month, cut in the workspace time zone) are numbered by an integer
  *period index* — days since 1970-01-01, weeks since the week of 1970-01-01, months since
  January 1970 — computed the same way in the engine (``period_index``) and in Python
  (``index_of``), so "N periods later" is plain integer subtraction on every engine.
* ``now`` — the instant that decides whether a period is still in progress — is the query's
  ``now`` if given, else the time of the latest event in the workspace (the data's end), so
  the same data always gives the same answer; a live workspace's latest event is about now.
* A period is *partial* — flagged ``in_progress`` in every result that has periods — when
  the query's range or ``now`` cuts it (``Seen``): the range ends before it ends, starts after
  it starts, or it ends after ``now``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from journeylens.analyses import dialect
from journeylens.analyses.base import AnalysisError, Tables
from journeylens.analyses.behaviour import behaviour, is_activity
from journeylens.analyses.expr import (
    Filter,
    Period,
    apply_filters,
    event_text,
    needs_person,
    split_event_text,
    with_person,
)

EPOCH = date(1970, 1, 1)
ANY_EVENT = "*"


class EventMatch(BaseModel):
    """Which events count: any of ``events`` (none: any customer activity) passing ``filters``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        events, filters = split_event_text(data)
        return {"events": tuple(e for e in events if e != ANY_EVENT), "filters": filters}

    @field_validator("events")
    @classmethod
    def _no_blank_names(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        if any(not name for name in events):
            raise ValueError("An event name is empty; name the event or write * for any.")
        return events

    @property
    def name(self) -> str:
        return event_text(self.events or (ANY_EVENT,), self.filters, joiner=" | ")

    def needs_person(self) -> bool:
        return needs_person(*(f.property for f in self.filters))


def matching(tables: Tables, matches: tuple[EventMatch, ...], *, person: bool = False) -> ir.Table:
    """The events matching any of ``matches``: named behaviour events, or any customer activity
    for a match that names none (all customer activity when ``matches`` is empty).

    With ``person`` (or a filter on ``person.*``) the person's columns are joined in.
    """
    events = behaviour(tables.events)
    if person or any(m.needs_person() for m in matches):
        events = with_person(tables, events)
    if not matches or any(not m.events and not m.filters for m in matches):
        return events.filter(is_activity(tables, events))
    parts = []
    for match in matches:
        if match.events:
            part = events.filter(events.event.isin(match.events))
        else:
            part = events.filter(is_activity(tables, events))
        parts.append(apply_filters(part, match.filters))
    if len(parts) == 1:
        return parts[0]
    return ibis.union(*parts, distinct=True)


def counted(tables: Tables, table: ir.Table, matches: tuple[EventMatch, ...]) -> ir.BooleanValue:
    """Whether a row of ``table`` (behavioural events) matches any of ``matches`` (any customer
    activity when ``matches`` is empty): the per-row flag form of ``matching``, for one pass
    over the events that tells several kinds of events apart."""
    if not matches or any(not m.events and not m.filters for m in matches):
        return is_activity(tables, table)
    flags = []
    for match in matches:
        flag = table.event.isin(match.events) if match.events else is_activity(tables, table)
        for item in match.filters:
            flag = flag & item.predicate(table).fill_null(False)
        flags.append(flag.fill_null(False))
    return ibis.or_(*flags)


def any_of(tables: Tables, *groups: tuple[EventMatch, ...], person: bool = False) -> ir.Table:
    """The behavioural events that may match one of ``groups`` — the events they name, and the
    customer activity when one names none — with the person's columns joined in when
    ``person`` or a filter needs them. Tell the groups apart with ``counted``."""
    events = behaviour(tables.events)
    matches = [m for group in groups for m in group]
    if person or any(m.needs_person() for m in matches):
        events = with_person(tables, events)
    named = all(group and all(m.events for m in group) for group in groups)
    names = sorted({name for m in matches for name in m.events})
    if named:
        return events.filter(events.event.isin(names))
    keep = is_activity(tables, events)
    if names:
        keep |= events.event.isin(names)
    return events.filter(keep)


# --- period arithmetic: the engine side ------------------------------------------------------


def period_index(tables: Tables, ts: ir.TimestampValue, period: Period) -> ir.IntegerValue:
    """The integer index of the local day / week / month containing ``ts`` (see ``index_of``).

    Plain arithmetic on the local time (no truncation to the period's start): the local day
    number since 1970-01-01; a week is ``(day + 3) // 7`` (Monday 1969-12-29 starts week 0);
    a month is ``year * 12 + month - 1``.
    """
    local = dialect.to_local(ts, tables.timezone, tables.engine)
    if period == "month":
        return (local.year() * 12 + local.month() - 1).cast("int64")
    days = local.delta(ibis.literal(datetime(1970, 1, 1), "timestamp"), unit="day")
    return days.cast("int64") if period == "day" else ((days + 3) // 7).cast("int64")


def int_range(start: int, stop: int) -> ir.ArrayValue:
    """The int64 array ``start, ..., stop - 1`` (typed here: Spark refuses a cast of an unnest)."""
    return ibis.range(ibis.literal(start, "int64"), ibis.literal(stop, "int64"))


def local_hour(tables: Tables, ts: ir.TimestampValue) -> ir.TimestampValue:
    """The local wall-clock hour of ``ts`` (in the workspace time zone)."""
    return dialect.to_local(ts, tables.timezone, tables.engine).truncate("h")


# --- period arithmetic: the Python side ------------------------------------------------------


def to_local(instant: datetime, zone: str) -> datetime:
    """The naive wall-clock time in ``zone`` of a naive-UTC instant."""
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def index_of(day: date, period: Period) -> int:
    """The index of the period containing the local calendar ``day``: the engine's numbering."""
    if period == "month":
        return day.year * 12 + day.month - 1
    days = (day - EPOCH).days
    if period == "day":
        return days
    monday = days - day.weekday()
    return (monday + 3) // 7  # 1969-12-29, the Monday of 1970-01-01's week, is week 0


def start_of(index: int, period: Period) -> date:
    """The first local day of the period ``index``."""
    if period == "month":
        return date(index // 12, index % 12 + 1, 1)
    if period == "day":
        return EPOCH + timedelta(days=index)
    return EPOCH + timedelta(days=index * 7 - 3)


def days_in(index: int, period: Period) -> int:
    if period == "month":
        year, month = index // 12, index % 12 + 1
        return calendar.monthrange(year, month)[1]
    return 1 if period == "day" else 7


def has_started(index: int, period: Period, now_local: datetime) -> bool:
    return local_start(index, period) <= now_local


def in_progress(index: int, period: Period, now_local: datetime) -> bool:
    """The period has not ended yet at ``now_local`` (its end is after now)."""
    return Seen(end=now_local).partial(start_of(index, period), period)


@dataclass(frozen=True)
class Seen:
    """The span of local wall-clock time a result observed, ``[start, end)`` (None: open).

    A period is *partial* (``in_progress`` in results) when it is not wholly inside: the
    query's range starts after the period starts or ends before it ends (a range ending on a
    Wednesday sees part of its week), or the period ends after ``now``. Whatever marks a
    period in progress asks ``partial``, so every analysis draws the line in the same place.
    """

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of(
        cls,
        timezone: str,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        now: datetime | None = None,
    ) -> Seen:
        """From naive-UTC instants: the range ``[date_from, date_to)`` and ``now``."""
        ends = [to_local(moment, timezone) for moment in (date_to, now) if moment is not None]
        start = to_local(date_from, timezone) if date_from is not None else None
        return cls(start=start, end=min(ends) if ends else None)

    def partial(self, period_start: date | None, period: str) -> bool:
        """Whether the local day / week / month starting on ``period_start`` is seen in part
        only (a ``total`` period, ``period_start`` None, never is)."""
        if period_start is None or period not in ("day", "week", "month"):
            return False
        index = index_of(period_start, period)  # type: ignore[arg-type]
        begins, ends = local_start(index, period), local_start(index + 1, period)  # type: ignore[arg-type]
        cut_before = self.start is not None and self.start > begins
        return cut_before or (self.end is not None and self.end < ends)


def now_of(tables: Tables, now: datetime | None) -> datetime | None:
    """The query's ``now`` (naive UTC), else the latest event's time; None for no events."""
    if now is not None:
        return now
    latest = tables.execute(tables.events.timestamp.max())
    if latest is None or latest != latest:  # NULL / NaT: no events at all
        return None
    return latest.to_pydatetime() if hasattr(latest, "to_pydatetime") else latest


def seen(
    tables: Tables,
    period: str,
    date_from: datetime | None,
    date_to: datetime | None,
    now: datetime | None,
) -> Seen:
    """What a per-period result observed: ``[date_from, date_to)`` up to ``now`` (default: the
    latest event, ``now_of``), so the periods those cut are marked ``in_progress``."""
    if period not in ("day", "week", "month"):
        return Seen()
    return Seen.of(tables.timezone, date_from, date_to, now_of(tables, now))


def data_indexes(tables: Tables, period: Period) -> tuple[int, int] | None:
    """The periods of the earliest and the latest event in the workspace (None: no events)."""
    bounds = tables.execute(
        tables.events.aggregate(
            earliest=tables.events.timestamp.min(), latest=tables.events.timestamp.max()
        )
    )
    earliest, latest = bounds["earliest"].iloc[0], bounds["latest"].iloc[0]
    if earliest is None or earliest != earliest or latest is None or latest != latest:
        return None
    zone = tables.timezone
    return tuple(  # type: ignore[return-value]
        index_of(to_local(_python(value), zone).date(), period) for value in (earliest, latest)
    )


def _python(value: Any) -> datetime:
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def range_indexes(
    tables: Tables,
    date_from: datetime | None,
    date_to: datetime | None,
    period: Period,
    *,
    cap: int | None = None,
) -> tuple[int | None, int | None]:
    """The first and last period touched by ``[date_from, date_to)`` (None: open end); the
    last is at most ``cap`` when given (the period of ``now``)."""
    zone = tables.timezone
    first = index_of(to_local(date_from, zone).date(), period) if date_from else None
    last = None
    if date_to is not None:
        last = index_of(to_local(date_to - timedelta(microseconds=1), zone).date(), period)
    if first is not None and last is not None and last < first:
        raise AnalysisError("The date range is empty: date_to must be after date_from.")
    if cap is not None:
        last = cap if last is None else min(last, cap)
    return first, last


def local_start(index: int, period: Period) -> datetime:
    return datetime.combine(start_of(index, period), time())


def between_periods(
    table: ir.Table, column: str, first: int | None, last: int | None, period: Period
) -> ir.Table:
    """Rows whose period index ``column`` is within ``first..last``. A coarse filter on the
    timestamp (a day of margin: time zones are less than a day from UTC) comes first so the
    engine can skip data outside the range."""
    if first is not None:
        table = table.filter(table.timestamp >= local_start(first, period) - timedelta(days=1))
        table = table.filter(table[column] >= first)
    if last is not None:
        table = table.filter(table.timestamp < local_start(last + 1, period) + timedelta(days=1))
        table = table.filter(table[column] <= last)
    return table
