"""The overview dashboard: KPI tiles against the previous period, activity by channel, pins.

Tiles come from the ``kpis`` analysis (the same numbers as ``journeylens kpis`` and
``/api/kpis``). Each tile's sparkline is the same KPI per day of the range: revenue, orders
and average order value from the ``orders`` table as ``analyses/money.py`` defines them (so
the days add up to the tile), conversion and active customers from the matching daily
``measures`` line; each tile's label opens its definition (``docs/kpis.md``);
the channel table is ``measures`` over the whole range broken down by channel. A day the
range or the data's end cuts is drawn dashed and hollow; a previous range without data reads
"no earlier data" on every tile (``change_reason``). Each pinned
insight is drawn small with its own page's chart code (``pinned_chart`` in ``pages/<page>``),
for the insight's own dates when its query has them, else for the overview's range.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.analyses import money, registry
from journeylens.analyses.measures import periods_in_range
from journeylens.web import runs
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import saved
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page, period_in

router = APIRouter(include_in_schema=False)

# Active, as the kpis analysis counts it: on customer activity (* leaves out the workspace's
# [activity] not_activity events, the business's own messages such as Email Sent).
ACTIVE = "persons(*)"
# (kpi name, unit or None for the workspace currency, daily series for the sparkline, kind):
# the series is MONEY (the orders table per day, analyses/money.py), a daily measure, or None.
MONEY = "money"
TILES: tuple[tuple[str, str | None, str | None, str], ...] = (
    ("revenue", None, MONEY, "money"),
    ("orders", "orders", MONEY, "count"),
    ("conversion_rate", "rate", f"ratio(persons(Order Completed), {ACTIVE})", "rate"),
    ("average_order_value", None, MONEY, "money"),
    ("active_persons", "persons", ACTIVE, "count"),
    ("churn_rate", "rate", None, "rate"),
    ("nps", "score", None, "score"),
)


def money_series(
    state: ServerState, date_from: datetime, date_to: datetime, currency: str
) -> dict[tuple[str, str], list[float | None]]:
    """For each local day of the range: orders (every currency), and net revenue and average
    order value per currency (``currency`` always, if only as zeros) — the tiles' own numbers,
    day by day. Keyed (kpi name, unit)."""
    with state.cursor(caught_up=True) as cursor:
        days = money.daily(runs.tables(state, cursor), date_from, date_to)
    every_day = periods_in_range(state.workspace.config.timezone, date_from, date_to, "day")
    currencies = sorted({currency, *(c for found in days.values() for c in found)})
    series: dict[tuple[str, str], list[float | None]] = {
        ("orders", "orders"): [
            float(sum(m.orders for m in days.get(day, {}).values())) for day in every_day
        ]
    }
    for unit in currencies:
        mine = [days.get(day, {}).get(unit, money.Money()) for day in every_day]
        series[("revenue", unit)] = [m.revenue for m in mine]
        series[("average_order_value", unit)] = [m.average_order_value for m in mine]
    return series


def tiles(state: ServerState, period: Period) -> list[dict[str, Any]]:
    kpis = registry.get("kpis")
    query = runs.parse(kpis, period.analysis_range)
    answer = runs.run(state, kpis, query)
    currency = state.workspace.config.currency
    measures = registry.get("measures")
    daily = runs.run(
        state,
        measures,
        runs.parse(
            measures,
            {
                **period.analysis_range,
                "period": "day",
                "measures": [m for _, _, m, _ in TILES if m and m != MONEY],
            },
        ),
        check_events=False,  # the tiles' own measures: a shop without orders shows zeros
    )
    series: dict[str, list[float | None]] = {}
    partial: dict[str, list[bool]] = {}  # the days in progress, drawn dashed
    for point in daily["points"]:
        series.setdefault(point["measure"], []).append(point["value"])
        partial.setdefault(point["measure"], []).append(point["in_progress"])
    by_day = money_series(state, query.date_from, query.date_to, currency)
    days_in_progress = next(iter(partial.values()), [])  # one day grid for every tile
    out = []
    for name, unit, measure, kind in TILES:
        wanted = unit or currency
        found = next(
            (k for k in answer["kpis"] if k["name"] == name and k["unit"] == wanted),
            next((k for k in answer["kpis"] if k["name"] == name), None),
        )
        found = found or {"value": None, "previous": None, "change": None, "unit": wanted}
        value, previous = found["value"], found["previous"]
        relative = (value - previous) / abs(previous) if value is not None and previous else None
        out.append(
            {
                "name": name,
                "kind": kind,
                "unit": found["unit"],
                "value": value,
                "previous": previous,
                "change": found["change"],
                "change_reason": found.get("change_reason"),
                "relative_change": relative,
                "daily": by_day.get((name, found["unit"]), [])
                if measure == MONEY
                else series.get(measure or "", []),
                "daily_in_progress": days_in_progress if measure else [],
            }
        )
    return out


def by_channel(state: ServerState, period: Period) -> list[dict[str, Any]]:
    measures = registry.get("measures")
    answer = runs.run(
        state,
        measures,
        runs.parse(
            measures,
            {
                **period.analysis_range,
                "period": "total",
                "breakdown": "channel",
                "measures": ["count(*)", "persons(*)"],
            },
        ),
    )
    rows: dict[str, dict[str, Any]] = {}
    for point in answer["points"]:
        row = rows.setdefault(
            point["breakdown"] or "other", {"channel": point["breakdown"] or "other"}
        )
        row["events" if point["measure"] == "count(*)" else "customers"] = point["value"] or 0
    return sorted(rows.values(), key=lambda r: -(r.get("events") or 0))


def channel_charts(
    rows: list[dict[str, Any]], labels: dict[str, str], channel: Any = str
) -> list[dict[str, Any]]:
    """Events and customers per channel as two small horizontal bar charts side by side,
    one measure each on its own axis (two scales on one chart mislead), channels in the same
    order on both, every bar labelled with its full number."""
    ordered = list(reversed(rows))  # plotly draws horizontal bars bottom-up
    charts = []
    for measure, color in (("events", "#3056d3"), ("customers", "#17a398")):
        values = [r.get(measure, 0) for r in ordered]
        charts.append(
            {
                "measure": measure,
                "data": [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "name": labels[measure],
                        "y": [channel(r["channel"]) for r in ordered],
                        "x": values,
                        "marker": {"color": color},
                        "texttemplate": "%{x:,d}",
                        "textposition": "outside",
                        "cliponaxis": False,
                        "hovertemplate": f"%{{y}}: %{{x:,d}} {labels[measure]}<extra></extra>",
                    }
                ],
                "layout": {
                    "title": {"text": labels[measure], "x": 0, "font": {"size": 13}},
                    "xaxis": {
                        "tickformat": ",d",
                        "rangemode": "tozero",
                        # Room past the longest bar for its label.
                        "range": [0, max(values, default=0) * 1.3 or 1],
                        "automargin": True,
                    },
                    "yaxis": {"automargin": True, "type": "category"},
                    "showlegend": False,
                    "height": 80 + 30 * len(rows),
                    "margin": {"t": 32, "r": 16, "b": 32, "l": 16},
                },
            }
        )
    return charts


PIN_HEIGHT = 200


def small(spec: dict[str, Any]) -> dict[str, Any]:
    """A page's chart as a dashboard thumbnail: short, no legend or title, not interactive."""
    layout = {
        k: v for k, v in spec.get("layout", {}).items() if k not in ("title", "legend", "height")
    }
    margin = {"t": 8, "r": 8, "b": 28, "l": 8}
    for axis in ("xaxis", "yaxis"):
        if axis in layout:
            layout[axis] = {**layout[axis], "automargin": True}
            layout[axis].pop("title", None)
    return {
        "data": spec["data"],
        "layout": {**layout, "height": PIN_HEIGHT, "showlegend": False, "margin": margin},
        "config": {"staticPlot": True},
    }


def pinned(state: ServerState, period: Period, language: str) -> list[dict[str, Any]]:
    """The pinned insights, each with its chart drawn small (``None`` if its query fails)."""
    out = []
    for insight in saved.pinned(state):
        items = parse_qsl(insight["query"], keep_blank_values=True)
        own = period_in(dict(items), state) or period
        module = importlib.import_module(f"journeylens.web.ui.pages.{insight['analysis']}")
        spec = module.pinned_chart(state, items, own, language)
        out.append(
            {
                **insight,
                "period": {"from": own.start, "to": own.end},
                "chart": small(spec) if spec else None,
            }
        )
    return out


@router.get("/")
def overview(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    from journeylens.web.ui.i18n import labeller, text

    _ = text(viewer.user.language)
    channels = by_channel(state, period)
    data = {
        "period": {"from": period.start, "to": period.end},
        "tiles": tiles(state, period),
        "channels": channels,
        "pinned": pinned(state, period, viewer.user.language),
    }
    label = labeller(viewer.user.language)
    charts = channel_charts(
        channels,
        {"events": _("overview.events"), "customers": _("overview.customers")},
        lambda name: label("channel", name),
    )
    return page(request, "overview.html", data, viewer=viewer, period=period, channel_charts=charts)
