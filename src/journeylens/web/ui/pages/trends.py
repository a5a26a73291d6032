"""The trends and KPI explorer: events over time (``/api/trends``) and every built-in KPI.

The builder's state is the ``/api/trends`` query string (``event`` repeated, ``period``,
``breakdown``, ``where`` repeated); the chart draws each event's count (solid) and unique
persons (dotted) per period; a period in progress (cut by the range or the data's end) is a
hollow point on a dashed segment, "in progress" in the legend, the hover and the table. The KPI
table is ``/api/kpis`` for the shared date range, with the previous range of the same length
and the change, or why there is none.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.analyses import money, registry
from journeylens.web import runs
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import builders
from journeylens.web.ui.i18n import text
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)

PREFERRED = ("Product Viewed", "Order Completed")
MAX_LINES = 8  # breakdown values drawn (by total count); the table lists them all
COLORS = ("#3056d3", "#e4572e", "#17a398", "#f3a712", "#8e44ad", "#2e86ab", "#c0392b", "#6c757d")
BREAKDOWNS = ("channel", "source", "person.country", "properties.category", "utm_source")


def default_events(seen: list[str]) -> list[str]:
    chosen = [name for name in PREFERRED if name in seen]
    return chosen or seen[:1] or ["*"]


def kpi_kind(name: str, unit: str, currency_like: bool) -> str:
    if unit == "rate":
        return "rate"
    if unit == "seconds":
        return "seconds"
    if currency_like:
        return "money"
    if name in ("nps", "purchase_frequency", "pages_per_session") or " per " in unit:
        return "ratio"
    return "count"


def kpis(state: ServerState, period: Period) -> list[dict[str, Any]]:
    analysis = registry.get("kpis")
    answer = runs.run(state, analysis, runs.parse(analysis, period.analysis_range))
    out = []
    for kpi in answer["kpis"]:
        in_money = kpi["name"] in money.IN_MONEY
        out.append({**kpi, "kind": kpi_kind(kpi["name"], kpi["unit"], in_money)})
    return out


def series(points: list[dict[str, Any]], events: list[str]) -> list[dict[str, Any]]:
    """One line pair per (event, breakdown value), the biggest first, at most MAX_LINES."""
    order = list(dict.fromkeys([*events, *(p["event"] for p in points)]))
    totals: dict[tuple[str, str | None], int] = {}
    for point in points:
        key = (point["event"], point.get("breakdown"))
        totals[key] = totals.get(key, 0) + point["count"]
    keys = sorted(totals, key=lambda k: (order.index(k[0]), -totals[k], str(k[1])))
    if any(k[1] is not None for k in keys):
        keys = sorted(keys, key=lambda k: -totals[k])[:MAX_LINES]
    return [
        {
            "event": event,
            "breakdown": group,
            "x": [p["period_start"] for p in points if (p["event"], p.get("breakdown")) == key],
            "count": [p["count"] for p in points if (p["event"], p.get("breakdown")) == key],
            "persons": [p["persons"] for p in points if (p["event"], p.get("breakdown")) == key],
            "in_progress": [
                p.get("in_progress", False)
                for p in points
                if (p["event"], p.get("breakdown")) == key
            ],
        }
        for key in keys
        for event, group in [key]
    ]


def in_progress_part(
    x: list[Any], y: list[Any], partial: list[bool]
) -> tuple[list[Any], list[Any], list[Any]]:
    """A line split where periods are in progress: the y of the complete periods (None
    elsewhere, so the solid line stops there), and the x, y of every segment that touches a
    period in progress, each followed by a gap (None), to draw dashed."""
    solid = [None if cut else value for value, cut in zip(y, partial, strict=True)]
    dashed_x: list[Any] = []
    dashed_y: list[Any] = []
    for i in range(len(x)):
        if not partial[i]:
            continue
        if i > 0 and not partial[i - 1]:
            dashed_x += [x[i - 1]]
            dashed_y += [y[i - 1]]
        dashed_x += [x[i]]
        dashed_y += [y[i]]
        if i + 1 < len(x) and not partial[i + 1]:
            dashed_x += [x[i + 1], x[i + 1]]
            dashed_y += [y[i + 1], None]
    return solid, dashed_x, dashed_y


def chart(lines: list[dict[str, Any]], labels: dict[str, str], breakdown: bool) -> dict[str, Any]:
    data = []
    for i, line in enumerate(lines):
        name = line["event"] if line["breakdown"] is None else f"{line['event']} · "
        if line["breakdown"] is not None:
            name += str(line["breakdown"])
        color = COLORS[i % len(COLORS)]
        partial = line.get("in_progress") or [False] * len(line["x"])
        for measure, style in (("count", {"width": 2}), ("persons", {"width": 1.5, "dash": "dot"})):
            solid, dashed_x, dashed_y = in_progress_part(line["x"], line[measure], partial)
            visible = "legendonly" if breakdown and measure == "persons" else True
            trace_name = f"{name} — {labels[measure]}"
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers" if measure == "count" else "lines",
                    "name": trace_name,
                    "legendgroup": trace_name,
                    "x": line["x"],
                    "y": solid,
                    "line": {"color": color, **style},
                    "marker": {"size": 4},
                    "visible": visible,
                }
            )
            if not dashed_x:
                continue
            cut = {x for x, partial_x in zip(line["x"], partial, strict=True) if partial_x}
            symbols = ["circle-open" if x in cut else "circle" for x in dashed_x]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{trace_name} ({labels['in_progress']})",
                    "legendgroup": trace_name,
                    "x": dashed_x,
                    "y": dashed_y,
                    "line": {"color": color, "width": style["width"], "dash": "dash"},
                    "marker": {"size": 7, "symbol": symbols, "color": color},
                    "hovertemplate": f"%{{y:,d}} ({labels['in_progress']})<extra>{trace_name}</extra>",
                    "connectgaps": False,
                    "meta": "in_progress",
                    "visible": visible,
                }
            )
    return {
        "data": data,
        "layout": {
            "hovermode": "x unified",
            "legend": {"orientation": "h", "y": -0.18},
            "yaxis": {"rangemode": "tozero"},
            "margin": {"t": 16, "r": 16, "b": 90, "l": 56},
            "height": 380,
        },
    }


def chart_labels(_: Any) -> dict[str, str]:
    return {
        "count": _("trends.count"),
        "persons": _("trends.persons"),
        "in_progress": _("trends.in_progress"),
    }


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = text(language)
    seen = builders.event_names(state)
    defaults = {"events": default_events(seen), "period": "day"}
    built = builders.build_from(items, state, "trends", period, defaults, lists=("events",))
    if not built.result:
        return None
    events = builders.values(built.body, "events")
    lines = series(built.result.get("points", []), events)
    return chart(lines, chart_labels(_), bool(built.body.get("breakdown")))


def table(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points pivoted: one row per (period, breakdown value), a column pair per event."""
    rows: dict[tuple[Any, Any], dict[str, Any]] = {}
    for point in points:
        key = (point["period_start"], point.get("breakdown"))
        row = rows.setdefault(
            key,
            {"period_start": key[0], "breakdown": key[1], "values": {}, "in_progress": False},
        )
        row["values"][point["event"]] = {"count": point["count"], "persons": point["persons"]}
        row["in_progress"] = row["in_progress"] or point.get("in_progress", False)
    return list(rows.values())


@router.get("/trends")
def trends(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    _ = text(viewer.user.language)
    seen = builders.event_names(state)
    built = builders.build(
        request,
        state,
        "trends",
        period,
        {"events": default_events(seen), "period": "day"},
        lists=("events",),
    )
    kpi_rows = kpis(state, period)
    events = builders.values(built.body, "events")
    points = (built.result or {}).get("points", [])
    data = {**builders.data(built, points=points), "kpis": kpi_rows}
    lines = series(points, events) if built.result else []
    spec = chart(lines, chart_labels(_), bool(built.body.get("breakdown")))
    return page(
        request,
        "trends.html",
        data,
        viewer=viewer,
        period=period,
        status_code=built.status_code,
        built=built,
        events=events,
        filters=builders.values(built.body, "filters"),
        seen=seen,
        breakdowns=BREAKDOWNS,
        rows=table(points),
        columns=list(dict.fromkeys(p["event"] for p in points)),
        spec=spec,
        has_data=any(p["count"] for p in points),
        insight_page="trends",
    )
