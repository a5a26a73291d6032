"""What people type, read one way on every surface: dates, date ranges, durations, event names.

The CLI, the HTTP API and the web pages read user input through these functions, so the same
mistake gets the same message everywhere.

* **Dates** (``from``/``to``): ``2026-03-01``; a time ``2026-03-01T09:30`` (UTC, or with its
  offset: ``Z``, ``+08:00``); or a day counted back from today in the workspace time zone:
  ``today``, ``yesterday``, ``-7d`` (7 days ago), ``-2w`` (14 days ago). A relative date is the
  calendar day it names, read exactly as if that day had been typed. "Today" comes from
  :func:`today`, whose clock can be given (``now``), so nothing here needs today's date to be
  tested.
* **Ranges**: ``from`` after ``to`` is refused (:func:`check_range`), never swapped.
* **Durations** (``window``): ``14d``, ``36h``, ``90m``, ``30s``, ``2w``; ``none`` for no limit.
* **Event names**: a name that no event in the workspace has is refused with the closest
  name that exists (:func:`check_events`), on every surface that runs a query for a person.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from journeylens.analyses.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from journeylens.analyses.base import Tables

DATE_FORMS = (
    "write 2026-03-01, 2026-03-01T09:30 (UTC), today, yesterday, -7d (7 days ago) "
    "or -2w (2 weeks ago)"
)
DURATION_FORMS = (
    "write a number above zero and a unit w, d, h, m or s (e.g. 14d, 36h, 2w), or none for no limit"
)
_RELATIVE = re.compile(r"-\s*(\d{1,5})\s*([dw])")
_DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


# ---- dates -------------------------------------------------------------------------------
def today(timezone: str = "UTC", now: datetime | None = None) -> date:
    """Today's date in ``timezone`` at the instant ``now`` (default: the system clock)."""
    instant = now or datetime.now(UTC)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(timezone)).date()


def naive_utc(value: datetime | None) -> datetime | None:
    """Naive UTC (how timestamps are stored) from any datetime; naive values are UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _relative_day(text: str, today: date) -> date | None:
    cleaned = text.strip().lower()
    if cleaned == "today":
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    found = _RELATIVE.fullmatch(cleaned)
    if found is None:
        return None
    amount = int(found[1]) * (7 if found[2] == "w" else 1)
    return today - timedelta(days=amount)


def parse_time(text: str, *, today: date, what: str) -> datetime:
    """The instant (naive UTC) a typed date or time names; a date is its midnight (UTC)."""
    try:
        day = _relative_day(text, today)
        if day is not None:
            return datetime.combine(day, time())
        return naive_utc(datetime.fromisoformat(text.strip()))  # type: ignore[return-value]
    except (ValueError, OverflowError):
        raise InputError(f"The {what} date {text!r} cannot be read: {DATE_FORMS}.") from None


def parse_day(text: str, *, today: date, what: str) -> date:
    """The calendar day a typed date names (a time gives its day): the pages' ``from``/``to``."""
    return parse_time(text, today=today, what=what).date()


def shown(value: date | datetime) -> str:
    """A date as a person typed it: the day alone at midnight, else the time to the second."""
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat()


def check_range(start: date | datetime | None, end: date | datetime | None) -> None:
    """Refuse a range whose start is after its end (the same message on every surface)."""
    if start is not None and end is not None and start > end:
        raise InputError(
            f"The date range is reversed: from {shown(start)} is after to {shown(end)}; "
            "put the earlier date first."
        )


# ---- durations ---------------------------------------------------------------------------
def parse_duration(text: str | timedelta | None, *, what: str = "Window") -> timedelta | None:
    """``14d``, ``36h``, ``90m``, ``30s``, ``2w``; ``none`` (or None) means unlimited."""
    if text is None or isinstance(text, timedelta):
        return text
    cleaned = str(text).strip().lower()
    if cleaned in ("none", "unlimited", ""):
        return None
    value, unit = cleaned[:-1], cleaned[-1:]
    try:
        amount = float(value)
    except ValueError:
        amount = -1
    if unit not in _DURATION_UNITS or not amount > 0 or amount == float("inf"):
        raise InputError(f"{what} {text!r}: {DURATION_FORMS}.")
    try:
        return timedelta(**{_DURATION_UNITS[unit]: amount})
    except OverflowError:
        raise InputError(f"{what} {text!r} is too long: {DURATION_FORMS}.") from None


# ---- event names -------------------------------------------------------------------------
def closest(name: str, known: Sequence[str]) -> str | None:
    """The known name closest to ``name``: the same letters in another case, else the most
    similar spelling (difflib), else None."""
    by_case = {k.casefold(): k for k in known}
    if name.casefold() in by_case:
        return by_case[name.casefold()]
    found = difflib.get_close_matches(name.casefold(), list(by_case), n=1)
    return by_case[found[0]] if found else None


def unknown_event(name: str, where: str, known: Sequence[str]) -> str:
    """``Unknown event 'Order Complete' in step 3; did you mean 'Order Completed'?``"""
    suggestion = closest(name, known)
    if suggestion is not None:
        return f"Unknown event {name!r} in {where}; did you mean {suggestion!r}?"
    return f"Unknown event {name!r} in {where}: no event of that name is in this workspace."


def check_events(
    tables: Tables, named: Sequence[tuple[str, str]], steps: ir.Column | None = None
) -> None:
    """Refuse event names (``(where, name)`` pairs: ``("step 2", "Order Completed")``) that
    no stored event has, each with the closest name that exists. ``steps`` are other names
    that count as there (the paths' page steps: ``/cart``), looked at only for names that
    no event has."""
    if not named:
        return
    names = sorted({name for _, name in named})
    found = _present(tables, tables.events.event, names)
    if steps is not None and set(names) - found:
        found |= _present(tables, steps, sorted(set(names) - found))
    missing = {name: where for where, name in reversed(named) if name not in found}
    if not missing:
        return
    known = _present(tables, tables.events.event, None)
    if steps is not None:
        known |= _present(tables, steps, None)
    first = [(where, name) for where, name in named if missing.get(name) == where]
    raise InputError(" ".join(unknown_event(name, where, sorted(known)) for where, name in first))


def _present(tables: Tables, column: ir.Column, names: Sequence[str] | None) -> set[str]:
    """The distinct values of ``column`` among ``names`` (None: all of them but null)."""
    values = column.name("name").as_table()
    kept = values.filter(values.name.notnull() if names is None else values.name.isin(names))
    return {str(name) for name in tables.execute(kept.distinct())["name"]}
