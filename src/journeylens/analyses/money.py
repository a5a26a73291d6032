"""Orders and money, defined once: what every surface that shows revenue or orders reads.

The KPI dashboard (``kpis.py``), the overview's tiles and sparklines, the trends page's KPI
table, the customer 360 (``profiles/customer360.py``) and the demo summary (``demo/load.py``) all count
with the functions below, so the same range gives the same number everywhere
(``tests/ui/test_kpi_surfaces.py``; the definitions are in ``docs/kpis.md``).

* An order is a row of the ``orders`` table (an ``Order Completed`` sent by an SDK or made by
  the orders importer), counted in the range its ``ordered_at`` falls in, whatever its status.
* ``orders`` — orders placed in the range, refunded ones included; ``refunded_orders`` — those
  of them refunded since.
* ``gross_revenue`` — the sum of the revenue of the orders placed in the range.
* ``refunds`` — the revenue of those of them now ``refunded``: a refund is the whole order,
  and it is counted at the **order's** date, not the refund's. The ``orders`` table keeps no
  refund date (an ``Order Refunded`` event only flips the status), so a refund made today
  lowers the net revenue of the range the order was placed in.
* ``revenue`` — net: ``gross_revenue − refunds``.
* ``average_order_value`` — ``gross_revenue`` ÷ the orders with a revenue: what an order is
  worth when placed, over the same orders ``orders`` counts.

Money is kept per currency and never added across currencies; an order without a currency is
in the workspace currency. An order without a revenue counts in ``orders`` and adds nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import ibis.expr.types as ir

from journeylens.analyses.base import Tables, number
from journeylens.analyses.expr import in_range, period_start

REFUNDED = "refunded"  # orders.status once an Order Refunded names the order
# The KPIs in money, one row per currency (kpis.py): pages show them with their currency.
IN_MONEY = ("revenue", "gross_revenue", "refunds", "average_order_value")


@dataclass(frozen=True)
class Money:
    """One currency's orders over some range."""

    orders: int = 0
    refunded_orders: int = 0
    priced_orders: int = 0  # the orders with a revenue
    gross_revenue: float = 0.0
    refunds: float = 0.0

    @property
    def revenue(self) -> float:
        """Net of refunds."""
        return self.gross_revenue - self.refunds

    @property
    def average_order_value(self) -> float | None:
        return self.gross_revenue / self.priced_orders if self.priced_orders else None

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "revenue": self.revenue,
            "average_order_value": self.average_order_value,
        }


def placed(
    tables: Tables, date_from: datetime | None = None, date_to: datetime | None = None
) -> ir.Table:
    """The orders placed in ``[date_from, date_to)`` (either end open when ``None``), with
    ``money`` (the currency, else the workspace's) and ``refunded``."""
    orders = in_range(tables.orders, date_from, date_to, column="ordered_at")
    return orders.mutate(
        money=orders.currency.fill_null(tables.currency), refunded=orders.status == REFUNDED
    )


def summed(orders: ir.Table, *by: str) -> ir.Table:
    """Per ``by`` and currency (``money``): the columns of :class:`Money`."""
    revenue = orders.revenue
    return orders.group_by([*by, "money"]).aggregate(
        orders=orders.count(),
        refunded_orders=orders.refunded.cast("int64").sum(),
        priced_orders=revenue.notnull().cast("int64").sum(),
        gross_revenue=revenue.sum(),
        refunds=revenue.sum(where=orders.refunded),
    )


def _money(row: dict[str, Any]) -> Money:
    return Money(
        orders=int(number(row["orders"]) or 0),
        refunded_orders=int(number(row["refunded_orders"]) or 0),
        priced_orders=int(number(row["priced_orders"]) or 0),
        gross_revenue=number(row["gross_revenue"]) or 0.0,
        refunds=number(row["refunds"]) or 0.0,
    )


def _rows(tables: Tables, expr: ir.Table) -> list[dict[str, Any]]:
    frame = tables.execute(expr)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def totals(
    tables: Tables,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    *,
    person_id: int | None = None,
) -> dict[str, Money]:
    """Per currency (sorted), the orders placed in the range (of one person, if given)."""
    orders = placed(tables, date_from, date_to)
    if person_id is not None:
        orders = orders.filter(orders.person_id == person_id)
    found = {str(row["money"]): _money(row) for row in _rows(tables, summed(orders))}
    return dict(sorted(found.items()))


def daily(tables: Tables, date_from: datetime, date_to: datetime) -> dict[date, dict[str, Money]]:
    """Per local day (in the workspace time zone) of the range, per currency: the same
    numbers as :func:`totals`, so a range's days add up to the range."""
    orders = placed(tables, date_from, date_to)
    orders = orders.mutate(day=period_start(tables, orders.ordered_at, "day"))
    out: dict[date, dict[str, Money]] = {}
    for row in _rows(tables, summed(orders, "day")):
        out.setdefault(row["day"].date(), {})[str(row["money"])] = _money(row)
    return out
