"""Which days hold data, and how much: the default date range of every surface.

A web page, ``journeylens kpis`` and ``/api/kpis`` given no range show the ``DEFAULT_DAYS``
(30) days up to the last **busy day**: the last day whose customer activity reaches
``BUSY_SHARE`` (a tenth) of a typical day's — the median over the days with any activity. So
a stray event (a test event sent today, one late order, a device whose clock runs a month
ahead) cannot move every default view to a range where almost nothing happened; the days
after the busy one are still there to ask for, and pages say that they exist.

Days are calendar days as a range's ``from``/``to`` dates are read (UTC midnights), counted
over the customer activity (``behaviour.customer_activity``): a newsletter sent to everyone
on a quiet day does not make it busy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from journeylens.analyses.base import Tables
from journeylens.analyses.behaviour import customer_activity

DEFAULT_DAYS = 30
BUSY_SHARE = 0.1


@dataclass(frozen=True)
class DataDays:
    """Customer activity events per day (days without any are absent)."""

    counts: dict[date, int] = field(default_factory=dict)

    @property
    def first(self) -> date | None:
        return min(self.counts) if self.counts else None

    @property
    def last(self) -> date | None:
        return max(self.counts) if self.counts else None

    @property
    def busy_last(self) -> date | None:
        """The last day with at least ``BUSY_SHARE`` of the median day's activity."""
        if not self.counts:
            return None
        typical = median(self.counts.values())
        return max(day for day, n in self.counts.items() if n >= BUSY_SHARE * typical)

    def default_range(self, days: int = DEFAULT_DAYS, *, today: date) -> tuple[date, date]:
        """The inclusive days ``(start, end)`` shown when none are asked for: ``days`` days up
        to the last busy day (``today`` when there is no activity at all)."""
        end = self.busy_last or today
        return end - timedelta(days=days - 1), end

    def events_between(self, start: date, end: date) -> int:
        """Activity events on the inclusive days ``start..end``."""
        return sum(n for day, n in self.counts.items() if start <= day <= end)

    def after(self, end: date) -> int:
        """Activity events on the days after ``end``."""
        return sum(n for day, n in self.counts.items() if day > end)


def data_days(tables: Tables) -> DataDays:
    """One ``GROUP BY`` day over the customer activity."""
    events = customer_activity(tables)
    day = events.timestamp.truncate("D").name("day")
    frame = tables.execute(events.group_by(day).aggregate(n=events.count()))
    return DataDays({_date(row.day): int(row.n) for row in frame.itertuples(index=False)})


def _date(value: object) -> date:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time())
