"""The KPI dashboard: the built-in business numbers for a date range, beside the previous one.

The range R is ``[date_from, date_to)`` (default: the 30 days up to the end of the last busy
day, ``data_days.py``: a stray late event does not move it); the previous range P is the same length just before it. Every KPI is computed
for both; ``change`` is R's value minus P's. The result names both ranges (``date_from`` …
``date_to``, ``previous_from`` … ``previous_to``).

Changes compare like with like, or say why not (``change_reason``, ``change`` null):

* ``no_earlier_data`` on every KPI when P has neither customer activity nor an order (a
  workspace whose data starts inside R): "+30,648 orders" against nothing is not a change.
* ``in_progress`` on ``dau_last`` / ``wau_last`` / ``mau_last`` when the last period of R or
  of P is partial — cut by its range or not over at ``now`` (default: the latest event;
  ``activity.Seen``). Such a KPI is itself flagged ``in_progress`` with its ``period_start``:
  the last period R touches is reported, flagged, rather than silently replaced by an earlier
  complete one, so "4 this month" reads as four days into the month, not a collapse.

Definitions (a *person is active* on customer activity — a track, page or screen call whose
name is not in ``ignore_events``, by default the workspace's ``[activity] not_activity``: what
the business does to a customer, such as ``Email Sent``, ``behaviour.py``):

* ``dau`` / ``wau`` / ``mau`` — distinct active persons per day / ISO week / month (cut in the
  workspace time zone), averaged over every period R touches (periods cut by the range count
  only their part inside it; days without activity count as 0); ``*_last`` is the last one.
* ``active_persons`` — distinct active persons in R.
* ``conversion_rate`` — persons with a ``conversion_event`` (``Order Completed``) in R ÷ active
  persons in R.
* ``orders``, ``refunded_orders``, ``buyers`` — orders placed in R (the ``orders`` table:
  online and imported; refunded ones included), those of them refunded since, and the
  distinct persons who placed them.
* ``revenue`` (net), ``gross_revenue``, ``refunds`` and ``average_order_value`` — one row per
  currency, never added across currencies, as ``money.py`` defines them for every surface:
  gross is the revenue of R's orders, refunds the revenue of those of them refunded (counted
  at the order's date: orders keep no refund date), revenue = gross − refunds, average order
  value = gross ÷ the orders with a revenue. Orders without a currency are taken to be in the
  workspace currency.
* ``purchase_frequency`` — orders ÷ buyers; ``repeat_purchase_rate`` — buyers with two or more
  orders in R ÷ buyers.
* ``churn_rate`` — of the *customers* (persons with an order before R starts), the share with
  neither activity nor an order in the last ``churn_days`` (30) days of R, i.e. in
  ``[date_to − churn_days, date_to)``.
* ``retention_rate`` — active persons of P also active in R ÷ active persons of P.
* ``nps`` — from ``feedback`` answers in R with an NPS score: % promoters (9–10) − % detractors
  (0–6), from −100 to 100.
* ``bounce_rate``, ``average_session_duration``, ``pages_per_session`` — of the sessions
  started in R, as the ``sessions`` analysis defines them, made of the activity events only
  (an ``Email Sent`` is not a visit).
* ``support_contacts_per_customer`` — ``support_events`` (tickets opened, chats started) in R ÷
  active persons in R.

Rates are fractions (0.25 = 25 %); a KPI with nothing to divide by is null.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field, field_validator

from journeylens.analyses import money
from journeylens.analyses import sessions as sessions_analysis
from journeylens.analyses.activity import Seen, now_of
from journeylens.analyses.base import (
    Analysis,
    AnalysisError,
    AsOf,
    DateRange,
    Query,
    Result,
    Tables,
    number,
)
from journeylens.analyses.behaviour import behaviour, customer_activity
from journeylens.analyses.data_days import DEFAULT_DAYS, data_days, start_of_day
from journeylens.analyses.expr import in_range, period_start
from journeylens.analyses.measures import periods_in_range

SUPPORT = ("Support Ticket Created", "Chat Started", "Support Contacted", "Ticket Created")


class KpisQuery(Query, DateRange, AsOf):
    conversion_event: str = Field("Order Completed", description="What makes a visitor a buyer.")
    support_events: tuple[str, ...] = Field(
        SUPPORT, description="Events that are support contacts.",
        json_schema_extra={"cli": "--support-event"},
    )  # fmt: skip
    ignore_events: tuple[str, ...] | None = Field(
        None, description="Events that do not make a person active (default: the workspace's "
        "[activity] not_activity, such as Email Sent).",
        json_schema_extra={"cli": "--ignore-event"},
    )  # fmt: skip
    churn_days: int = Field(30, ge=1, description="Inactive this many days at the end: churned.")
    compare: bool = Field(True, description="Also compute the previous period and the change.")

    @field_validator("conversion_event")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Name the conversion event, e.g. 'Order Completed'.")
        return value

    def named_events(self) -> list[tuple[str, str]]:
        """The conversion event when given (the support and ignored events are lists of what
        may be there; the default conversion event may be missing from a new workspace)."""
        if "conversion_event" not in self.model_fields_set:
            return []
        return [("the conversion event", self.conversion_event)]


class Kpi(BaseModel):
    name: str
    value: float | None
    unit: str
    previous: float | None = None
    change: float | None = None
    change_reason: str | None = None  # no_earlier_data | in_progress: why change is null
    period_start: date | None = None  # a *_last KPI's period
    in_progress: bool = False  # a *_last KPI whose period the range or now cuts


class KpisResult(Result):
    date_from: datetime
    date_to: datetime
    previous_from: datetime | None = None
    previous_to: datetime | None = None
    kpis: list[Kpi]

    def get(self, name: str, unit: str | None = None) -> Kpi:
        for kpi in self.kpis:
            if kpi.name == name and unit in (None, kpi.unit):
                return kpi
        raise KeyError(name)


Values = dict[tuple[str, str], float | None]


def _scalar(tables: Tables, expr: ir.Scalar) -> float | None:
    return number(tables.execute(expr))


def _ratio(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def activity(tables: Tables, query: KpisQuery) -> ir.Table:
    """The events that make a person active (all times)."""
    if query.ignore_events is None:
        return customer_activity(tables)
    events = behaviour(tables.events)
    return events.filter(~events.event.isin(list(query.ignore_events)))


def active_users(
    tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime
) -> Values:
    """DAU/WAU/MAU: the mean over the periods the range touches, and the last period."""
    active = in_range(activity(tables, query), date_from, date_to)
    values: Values = {}
    for name, period in (("dau", "day"), ("wau", "week"), ("mau", "month")):
        per = active.group_by(start=period_start(tables, active.timestamp, period)).aggregate(
            persons=active.person_id.nunique()
        )
        frame = tables.execute(per)
        found = {row.start.date(): int(row.persons) for row in frame.itertuples()}
        periods = periods_in_range(tables.timezone, date_from, date_to, period)
        series = [found.get(p, 0) for p in periods]
        values[(name, "persons")] = sum(series) / len(series) if series else None
        values[(f"{name}_last", "persons")] = float(series[-1]) if series else None
    return values


def purchases(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    """Orders, buyers and money as ``money.py`` defines them, one money row per currency."""
    orders = money.placed(tables, date_from, date_to)
    per_buyer = orders.group_by("person_id").aggregate(orders=orders.count())
    summary = tables.execute(
        per_buyer.aggregate(
            buyers=per_buyer.count(),
            repeat_buyers=(per_buyer.orders >= 2).cast("int64").sum(),
        )
    ).iloc[0]
    by_currency = money.totals(tables, date_from, date_to)
    count = float(sum(m.orders for m in by_currency.values()))
    buyers = number(summary["buyers"]) or 0.0
    values: Values = {
        ("orders", "orders"): count,
        ("refunded_orders", "orders"): float(sum(m.refunded_orders for m in by_currency.values())),
        ("buyers", "persons"): buyers,
        ("purchase_frequency", "orders per buyer"): _ratio(count, buyers),
        ("repeat_purchase_rate", "rate"): _ratio(number(summary["repeat_buyers"]), buyers),
    }
    for currency, found in by_currency.items():
        if not found.priced_orders:
            continue
        values[("revenue", currency)] = found.revenue
        values[("gross_revenue", currency)] = found.gross_revenue
        values[("refunds", currency)] = found.refunds
        values[("average_order_value", currency)] = found.average_order_value
    return values


def conversion(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    active = in_range(activity(tables, query), date_from, date_to)
    events = in_range(behaviour(tables.events), date_from, date_to)
    converted = events.filter(events.event == query.conversion_event)
    support = events.filter(events.event.isin(list(query.support_events)))
    active_persons = _scalar(tables, active.person_id.nunique())
    converted_persons = _scalar(tables, converted.person_id.nunique())
    contacts = _scalar(tables, support.count())
    return {
        ("active_persons", "persons"): active_persons,
        ("conversion_rate", "rate"): _ratio(converted_persons, active_persons),
        ("support_contacts_per_customer", "contacts per active person"): _ratio(
            contacts, active_persons
        ),
    }


def churn(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    orders = tables.orders
    customers = orders.filter(orders.ordered_at < date_from).select("person_id").distinct()
    recent_from = date_to - timedelta(days=query.churn_days)
    active = in_range(activity(tables, query), recent_from, date_to).select("person_id")
    bought = in_range(orders, recent_from, date_to, column="ordered_at").select("person_id")
    recent = ibis.union(active, bought).distinct()
    churned = customers.filter(~customers.person_id.isin(recent.person_id))
    total = _scalar(tables, customers.count())
    return {("churn_rate", "rate"): _ratio(_scalar(tables, churned.count()), total)}


def retention(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    everyone = activity(tables, query)
    before = in_range(everyone, date_from - (date_to - date_from), date_from)
    previous = before.select("person_id").distinct()
    now = in_range(everyone, date_from, date_to).select("person_id").distinct()
    kept = previous.filter(previous.person_id.isin(now.person_id))
    return {
        ("retention_rate", "rate"): _ratio(
            _scalar(tables, kept.count()), _scalar(tables, previous.count())
        )
    }


def nps(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    answers = in_range(tables.feedback, date_from, date_to, column="created_at")
    answers = answers.filter(answers.nps.notnull())
    row = tables.execute(
        answers.aggregate(
            answers=answers.count(),
            promoters=(answers.nps >= 9).cast("int64").sum(),
            detractors=(answers.nps <= 6).cast("int64").sum(),
        )
    ).iloc[0]
    total = number(row["answers"]) or 0.0
    score = _ratio((number(row["promoters"]) or 0) - (number(row["detractors"]) or 0), total)
    return {("nps", "score"): None if score is None else 100 * score}


def visits(
    tables: Tables, query: KpisQuery, ranges: list[tuple[datetime, datetime]]
) -> list[Values]:
    """Bounce rate, session duration and pages per session of the sessions started in each
    of ``ranges`` (as the ``sessions`` analysis defines them): one pass over the history
    that decides them all (``sessions.deciding`` for the span of the ranges) finds them."""
    window = sessions_analysis.SessionsQuery(
        period="total",
        date_from=min(start for start, _ in ranges),
        date_to=max(end for _, end in ranges),
    )
    sessions = sessions_analysis.session_table(tables, window, activity(tables, query))
    started = sessions.started_at
    which = ibis.cases(
        *(((started >= start) & (started < end), i) for i, (start, end) in enumerate(ranges))
    )
    sessions = sessions.mutate(_range=which)
    table = tables.execute(
        sessions.group_by("_range").aggregate(**sessions_analysis.session_metrics(sessions))
    )
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    found = {int(row["_range"]): row for row in rows if row["_range"] is not None}
    values = []
    for i in range(len(ranges)):
        summary = (
            sessions_analysis.period_of(found[i]) if i in found else sessions_analysis.NO_SESSIONS
        )
        values.append(
            {
                ("bounce_rate", "rate"): summary.bounce_rate,
                ("average_session_duration", "seconds"): summary.avg_duration_seconds,
                ("pages_per_session", "pages"): summary.pages_per_session,
            }
        )
    return values


LAST_PERIODS = {"dau_last": "day", "wau_last": "week", "mau_last": "month"}


def last_periods(
    tables: Tables, date_from: datetime, date_to: datetime, now: datetime | None
) -> dict[str, tuple[date, bool]]:
    """Per ``*_last`` KPI: the last period the range touches, and whether it is partial."""
    seen = Seen.of(tables.timezone, date_from, date_to, now)
    found = {}
    for name, period in LAST_PERIODS.items():
        last = periods_in_range(tables.timezone, date_from, date_to, period)[-1]
        found[name] = (last, seen.partial(last, period))
    return found


def nothing_in(values: Values) -> bool:
    """A range with neither customer activity nor an order: nothing to compare with."""
    return not values.get(("active_persons", "persons")) and not values.get(("orders", "orders"))


ORDER = ("dau", "dau_last", "wau", "wau_last", "mau", "mau_last", "active_persons",
         "conversion_rate", "orders", "refunded_orders", "buyers", "revenue", "gross_revenue",
         "refunds", "average_order_value",
         "purchase_frequency", "repeat_purchase_rate", "churn_rate", "retention_rate", "nps",
         "bounce_rate", "average_session_duration", "pages_per_session",
         "support_contacts_per_customer")  # fmt: skip


def compute(tables: Tables, query: KpisQuery, date_from: datetime, date_to: datetime) -> Values:
    """Every KPI of one range but the session ones (``visits`` does all ranges at once)."""
    values: Values = {}
    for part in (active_users, conversion, purchases, churn, retention, nps):
        values.update(part(tables, query, date_from, date_to))
    return values


def default_range(tables: Tables, query: KpisQuery) -> tuple[datetime, datetime]:
    date_to = query.date_to
    if date_to is None:
        busy = data_days(tables).busy_last
        if busy is None:
            raise AnalysisError("The workspace has no events yet; load some or give --to.")
        date_to = start_of_day(busy) + timedelta(days=1)
    date_from = query.date_from or date_to - timedelta(days=DEFAULT_DAYS)
    if date_from >= date_to:
        raise AnalysisError("--from must be before --to.")
    return date_from, date_to


def run(tables: Tables, query: KpisQuery) -> KpisResult:
    date_from, date_to = default_range(tables, query)
    current = compute(tables, query, date_from, date_to)
    previous: Values = {}
    previous_from = None
    ranges = [(date_from, date_to)]
    if query.compare:
        previous_from = date_from - (date_to - date_from)
        previous = compute(tables, query, previous_from, date_from)
        ranges.append((previous_from, date_from))
    for values, sessions in zip((current, previous), visits(tables, query, ranges), strict=False):
        values.update(sessions)
    keys = sorted(set(current) | set(previous), key=lambda k: (ORDER.index(k[0]), k[1]))
    now = now_of(tables, query.now)
    last = last_periods(tables, date_from, date_to, now)
    last_before = last_periods(tables, previous_from, date_from, now) if previous_from else {}
    empty_before = query.compare and nothing_in(previous)
    kpis = []
    for name, unit in keys:
        value, before = current.get((name, unit)), previous.get((name, unit))
        if name in ("revenue", "gross_revenue", "refunds", "orders", "refunded_orders") and (
            value is None
        ):
            value = 0.0
        change = value - before if value is not None and before is not None else None
        start, cut = last.get(name, (None, False))
        reason = None
        if empty_before:
            reason = "no_earlier_data"
        elif name in last_before and (cut or last_before[name][1]):
            reason = "in_progress"
        kpi = Kpi(name=name, value=value, unit=unit, previous=before,
                  change=None if reason else change, change_reason=reason,
                  period_start=start, in_progress=cut)  # fmt: skip
        kpis.append(kpi)
    return KpisResult(
        date_from=date_from, date_to=date_to, previous_from=previous_from,
        previous_to=date_from if previous_from else None, kpis=kpis,
    )  # fmt: skip


ANALYSIS = Analysis(
    name="kpis",
    path="kpis",
    summary="The KPI dashboard for a date range (DAU/WAU/MAU, conversion, revenue, churn, NPS...)",
    query=KpisQuery,
    result=KpisResult,
    run=run,
    heading="KPIs",
)
