"""RFM: recency, frequency and monetary value of each customer, quintile scores, named tiers.

Semantics (docs/rfm.md has them in words, with the segment map's source).

* **Orders.** Every row of ``orders`` — online ``Order Completed`` events and imported
  in-store orders alike — placed in the window ``[date_from, date_to)``. Only orders in the
  workspace currency count (``config.toml`` ``currency``; an order without a currency is in
  it, as ``money.py`` says); those in other currencies are left out and counted in
  ``other_currency_orders``, never added. A refunded (or cancelled) order is a purchase undone:
  it counts in none of R, F and M (``undone_orders`` counts them), so a customer whose only
  order was refunded is not scored. ``monetary`` is therefore ``money.py``'s net revenue of
  the customer's orders in the window (gross − refunds, a refund counted at its order's date);
  an order without a revenue counts in ``frequency`` and adds 0.
* **Window.** Default: the 365 days (``window_days``) up to the end of the UTC day of the
  latest order in the workspace (``now``); ``date_from`` alone runs ``window_days`` from it,
  ``date_to`` alone ends there.
* **Per customer** (a person with at least one counted order in the window):
  ``recency_days`` — whole days (24 h) from the last counted order to the window's end (an
  order on the window's last day: 0); ``frequency`` — counted orders; ``monetary`` — their
  revenue, rounded to cents.
* **Scores 1–5, ties shared.** On each dimension a customer's percent rank ``p`` is the share
  of the *other* customers whose value is strictly worse (more days for recency, fewer orders
  or less money otherwise): ``p = worse / (customers − 1)``, SQL's ``PERCENT_RANK``. The score
  is 1 for ``p < 0.2``, 2 below 0.4, 3 below 0.6, 4 below 0.8 and 5 from 0.8 (computed in
  whole numbers: ``1 + min(4, 5 × worse // (customers − 1))``), so the worst value scores 1
  and a best value held by one customer alone scores 5. Equal values get the same score whatever their ids (no tie-breaker is needed,
  so every engine and thread count agrees); when one value is shared by many customers
  (one-order customers, typically) the scores above it start later and some score may be
  empty. A lone customer scores 1 (percent rank 0). ``rfm_score`` is the three as text:
  ``"545"``.
* **Tiers** are the cells of the recency × frequency grid (``GRID``), the widely used RFM
  segment map with ten segments over R and F (docs/rfm.md gives its source), with its bottom
  cell R = 1, F = 1 named **lost** (Putler's "lowest recency, frequency and monetary"), the
  rest of its bottom corner staying **hibernating**: eleven tiers, every cell exactly one.
* **Movement** compares the window with the one of the same length just before it, each
  scored on its own customers: a count per (tier before, tier now), ``none`` for a person
  not scored in that window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import BaseModel, Field, field_validator

from journeylens.analyses import money
from journeylens.analyses.base import Analysis, DateRange, Query, Result, Tables, number
from journeylens.analyses.inputs import closest

TIERS = (
    "champions",
    "loyal",
    "potential loyalists",
    "new",
    "promising",
    "need attention",
    "about to sleep",
    "at risk",
    "can't lose",
    "hibernating",
    "lost",
)
NONE = "none"  # a person without a counted order in a window (movement)
UNDONE = ("refunded", "cancelled")  # orders.status of a purchase undone


def _grid() -> dict[tuple[int, int], str]:
    """(R score, F score) → tier: the R×F segment map (docs/rfm.md), with cell 11 lost."""
    cells: dict[tuple[int, int], str] = {}
    for r in range(1, 6):
        for f in range(1, 6):
            if r <= 2:
                tier = "hibernating" if f <= 2 else "at risk" if f <= 4 else "can't lose"
            elif r == 3:
                tier = "about to sleep" if f <= 2 else "need attention" if f == 3 else "loyal"
            elif f == 1:
                tier = "promising" if r == 4 else "new"
            elif f <= 3:
                tier = "potential loyalists"
            else:
                tier = "loyal" if r == 4 else "champions"
            cells[(r, f)] = tier
    cells[(1, 1)] = "lost"
    return cells


GRID = _grid()
DIMENSIONS = ("recency", "frequency", "monetary")


class RfmQuery(Query, DateRange):
    window_days: int = Field(
        365,
        ge=1,
        le=3660,
        description="The window's length in days when --from or --to is not given.",
        json_schema_extra={"cli": "--days"},
    )
    persons: bool = Field(False, description="List every customer's scores and tier.")
    tier: str | None = Field(
        None, description="With --persons: only the customers of this tier (e.g. 'at risk')."
    )

    @field_validator("tier")
    @classmethod
    def _known_tier(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in TIERS:
            return value.strip().lower() if value else value
        suggestion = closest(value.strip().lower(), list(TIERS))
        hint = f"; did you mean {suggestion!r}?" if suggestion else f": one of {', '.join(TIERS)}."
        raise ValueError(f"Unknown tier {value!r}{hint}")


class TierRow(BaseModel):
    tier: str
    customers: int
    share: float | None  # of the customers scored
    revenue: float  # their monetary value, summed


class GridCell(BaseModel):
    r_score: int
    f_score: int
    tier: str
    customers: int


class ScoreBand(BaseModel):
    """One score of one dimension: how many customers have it and the values it spans."""

    dimension: str
    score: int
    customers: int
    lowest: float | None
    highest: float | None


class Movement(BaseModel):
    from_tier: str  # in the previous window (``none``: not scored there)
    to_tier: str
    customers: int


class PersonScore(BaseModel):
    person_id: int
    recency_days: int
    frequency: int
    monetary: float
    r_score: int
    f_score: int
    m_score: int
    rfm_score: str
    tier: str


class RfmResult(Result):
    window_start: datetime | None
    window_end: datetime | None
    previous_start: datetime | None
    previous_end: datetime | None
    currency: str
    customers: int
    revenue: float
    tiers: list[TierRow]
    grid: list[GridCell]
    scores: list[ScoreBand]
    movement: list[Movement]
    undone_orders: int  # refunded or cancelled orders in the window, left out
    other_currency_orders: int  # orders in another currency in the window, left out
    persons: list[PersonScore] | None = None

    def rows(self) -> list[dict[str, Any]]:
        chosen = self.persons if self.persons is not None else self.tiers
        return [row.model_dump(mode="json") for row in chosen]


def window(tables: Tables, query: RfmQuery) -> tuple[datetime, datetime] | None:
    """``[start, end)`` of the query's window; None when there is no order to anchor it."""
    length = timedelta(days=query.window_days)
    if query.date_from is not None and query.date_to is not None:
        return query.date_from, query.date_to
    if query.date_from is not None:
        return query.date_from, query.date_from + length
    if query.date_to is not None:
        return query.date_to - length, query.date_to
    latest = tables.execute(tables.orders.ordered_at.max())
    if latest is None or pd.isna(latest):
        return None
    latest = pd.Timestamp(latest).to_pydatetime()
    end = datetime.combine(latest.date(), datetime.min.time()) + timedelta(days=1)
    return end - length, end


def counted_orders(tables: Tables, start: datetime, end: datetime) -> ir.Table:
    """The orders RFM counts: placed in ``[start, end)``, in the workspace currency, not undone."""
    orders = money.placed(tables, start, end)
    undone = orders.status.isin(list(UNDONE)).fill_null(False)
    return orders.filter((orders.money == tables.currency) & ~undone)


def build(
    tables: Tables, query: RfmQuery, *, span: tuple[datetime, datetime] | None = None
) -> ir.Table:
    """One row per customer of the window: values, scores, ``rfm_score`` and ``tier``."""
    start, end = span or window(tables, query) or (datetime(1970, 1, 1), datetime(1970, 1, 1))
    return scored(counted_orders(tables, start, end), end)


def scored(orders: ir.Table, end: datetime) -> ir.Table:
    """Per person of ``orders``: R, F, M, their scores and tier, recency counted to ``end``."""
    persons = orders.group_by("person_id").aggregate(
        last_ordered_at=orders.ordered_at.max(),
        frequency=orders.count(),
        monetary=orders.revenue.sum().fill_null(0).round(2),
    )
    end_seconds = ibis.literal(int((end - datetime(1970, 1, 1)).total_seconds()), "int64")
    age = end_seconds - persons.last_ordered_at.epoch_seconds().cast("int64")
    persons = persons.mutate(recency_days=(age // 86400).cast("int64"))
    everyone = persons.person_id.count().over(ibis.window())

    others = ibis.greatest(everyone - 1, 1)

    def score(worse_first: ir.Value) -> ir.IntegerValue:
        worse = ibis.rank().over(ibis.window(order_by=worse_first))  # 0-based: strictly worse
        return (ibis.least((worse * 5) // others, 4) + 1).cast("int64")

    persons = persons.mutate(
        r_score=score(ibis.desc(persons.recency_days)),
        f_score=score(persons.frequency),
        m_score=score(persons.monetary),
    )
    tier = ibis.cases(
        *[((persons.r_score == r) & (persons.f_score == f), name) for (r, f), name in GRID.items()]
    )
    rfm_score = persons.r_score.cast("string").concat(
        persons.f_score.cast("string"), persons.m_score.cast("string")
    )
    return persons.select(
        "person_id",
        "recency_days",
        frequency=persons.frequency.cast("int64"),
        monetary=persons.monetary.cast("float64"),
        r_score="r_score",
        f_score="f_score",
        m_score="m_score",
        rfm_score=rfm_score,
        tier=tier,
    )


def run(tables: Tables, query: RfmQuery) -> RfmResult:
    span = window(tables, query)
    if span is None:
        return _empty(tables, query)
    start, end = span
    length = end - start
    current = build(tables, query, span=span)
    previous = build(tables, query, span=(start - length, start))

    by_tier = current.group_by("tier").aggregate(
        customers=current.count(), revenue=current.monetary.sum()
    )
    tier_counts = {
        str(row["tier"]): (int(row["customers"]), number(row["revenue"]) or 0.0)
        for row in _records(tables, by_tier)
    }
    customers = sum(count for count, _ in tier_counts.values())
    revenue = round(sum(amount for _, amount in tier_counts.values()), 2)
    tiers = [
        TierRow(
            tier=tier,
            customers=tier_counts.get(tier, (0, 0.0))[0],
            share=tier_counts.get(tier, (0, 0.0))[0] / customers if customers else None,
            revenue=round(tier_counts.get(tier, (0, 0.0))[1], 2),
        )
        for tier in TIERS
    ]
    cells = current.group_by(["r_score", "f_score"]).aggregate(customers=current.count())
    cell_counts = {
        (int(row["r_score"]), int(row["f_score"])): int(row["customers"])
        for row in _records(tables, cells)
    }
    grid = [
        GridCell(r_score=r, f_score=f, tier=GRID[(r, f)], customers=cell_counts.get((r, f), 0))
        for r in range(5, 0, -1)
        for f in range(1, 6)
    ]
    movement = _movement(tables, current, previous)
    persons = None
    if query.persons:
        listed = current if query.tier is None else current.filter(current.tier == query.tier)
        frame = tables.execute(listed.order_by("person_id"))
        persons = [PersonScore.model_validate(row) for row in frame.to_dict("records")]
    undone, other = _left_out(tables, start, end)
    return RfmResult(
        window_start=start,
        window_end=end,
        previous_start=start - length,
        previous_end=start,
        currency=tables.currency,
        customers=customers,
        revenue=revenue,
        tiers=tiers,
        grid=grid,
        scores=_bands(tables, current),
        movement=movement,
        undone_orders=undone,
        other_currency_orders=other,
        persons=persons,
    )


def _bands(tables: Tables, current: ir.Table) -> list[ScoreBand]:
    values = {"recency": "recency_days", "frequency": "frequency", "monetary": "monetary"}
    parts = [
        current.group_by(score=current[f"{dimension[0]}_score"]).aggregate(
            dimension=ibis.literal(dimension),
            customers=current.count(),
            lowest=current[column].min().cast("float64"),
            highest=current[column].max().cast("float64"),
        )
        for dimension, column in values.items()
    ]
    found = {
        (str(row["dimension"]), int(row["score"])): row
        for row in _records(tables, ibis.union(*parts))
    }
    bands = []
    for dimension in DIMENSIONS:
        for score in range(1, 6):
            row = found.get((dimension, score))
            bands.append(
                ScoreBand(
                    dimension=dimension,
                    score=score,
                    customers=int(row["customers"]) if row else 0,
                    lowest=number(row["lowest"]) if row else None,
                    highest=number(row["highest"]) if row else None,
                )
            )
    return bands


def _movement(tables: Tables, current: ir.Table, previous: ir.Table) -> list[Movement]:
    now = current.select(person_id="person_id", to_tier="tier")
    before = previous.select(earlier_id="person_id", from_tier="tier")
    joined = now.outer_join(before, now.person_id == before.earlier_id)
    pairs = joined.group_by(
        from_tier=joined.from_tier.fill_null(NONE), to_tier=joined.to_tier.fill_null(NONE)
    ).aggregate(customers=joined.count())
    order = {tier: k for k, tier in enumerate((*TIERS, NONE))}
    found = [
        Movement(
            from_tier=str(row["from_tier"]),
            to_tier=str(row["to_tier"]),
            customers=int(row["customers"]),
        )
        for row in _records(tables, pairs)
    ]
    return sorted(found, key=lambda m: (order[m.from_tier], order[m.to_tier]))


def _left_out(tables: Tables, start: datetime, end: datetime) -> tuple[int, int]:
    orders = money.placed(tables, start, end)
    undone = orders.status.isin(list(UNDONE)).fill_null(False)
    ours = orders.money == tables.currency
    counts = orders.aggregate(
        undone=(undone & ours).cast("int64").sum(), other=(~ours).cast("int64").sum()
    )
    row = _records(tables, counts)[0]
    return int(number(row["undone"]) or 0), int(number(row["other"]) or 0)


def _records(tables: Tables, expr: ir.Table) -> list[dict[str, Any]]:
    frame = tables.execute(expr)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _empty(tables: Tables, query: RfmQuery) -> RfmResult:
    return RfmResult(
        window_start=None,
        window_end=None,
        previous_start=None,
        previous_end=None,
        currency=tables.currency,
        customers=0,
        revenue=0.0,
        tiers=[TierRow(tier=t, customers=0, share=None, revenue=0.0) for t in TIERS],
        grid=[
            GridCell(r_score=r, f_score=f, tier=GRID[(r, f)], customers=0)
            for r in range(5, 0, -1)
            for f in range(1, 6)
        ],
        scores=[
            ScoreBand(dimension=d, score=s, customers=0, lowest=None, highest=None)
            for d in DIMENSIONS
            for s in range(1, 6)
        ],
        movement=[],
        undone_orders=0,
        other_currency_orders=0,
        persons=[] if query.persons else None,
    )


ANALYSIS = Analysis(
    name="rfm",
    path="rfm",
    heading="RFM tiers",
    summary="Recency, frequency and monetary scores of every customer, named tiers, the "
    "recency × frequency grid and movement between tiers since the previous window.",
    query=RfmQuery,
    result=RfmResult,
    run=run,
)
