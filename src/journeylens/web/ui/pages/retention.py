"""The retention heatmap (``/api/retention``): cohorts × periods, and the average curve.

The builder's state is the ``/api/retention`` query string (``start``, ``return`` repeated,
``period``, ``periods``, ``cohort``, ``retained``). On a first visit the page follows buyers:
start and return are ``Order Completed`` when the workspace has it. Cells of periods that
have not ended yet are drawn grey and starred: their numbers can still grow.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import builders
from journeylens.web.ui.i18n import text
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)

PURCHASE = "Order Completed"
BLUES = [[0, "#eef2fd"], [0.25, "#b9c8f5"], [0.6, "#5b7ee0"], [1, "#1f3fa8"]]
GREYS = [[0, "#f1f2f5"], [1, "#b8bdc9"]]


def defaults(seen: list[str]) -> dict[str, Any]:
    chosen: dict[str, Any] = {"period": "week", "cohort": "first_time", "retained": "on"}
    if PURCHASE in seen:
        chosen.update(start=PURCHASE, returns=[PURCHASE])
    return chosen


def height(cohorts: list[dict[str, Any]]) -> int:
    return max(220, 70 + 34 * len(cohorts))


def heatmap(result: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    cohorts = result["cohorts"]
    width = max((len(c["periods"]) for c in cohorts), default=0)
    x = [labels["period"].format(n=n) for n in range(width)]
    y = [f"{c['cohort']} ({c['size']:,})" for c in cohorts]
    done: list[list[float | None]] = []
    going: list[list[float | None]] = []
    done_text: list[list[str]] = []
    going_text: list[list[str]] = []
    for cohort in cohorts:
        cells = {p["period"]: p for p in cohort["periods"]}
        for row in (done, going, done_text, going_text):
            row.append([])
        for n in range(width):
            cell = cells.get(n) if cohort["size"] else None  # an empty cohort has no rates
            rate = None if cell is None else round(cell["rate"] * 100, 1)
            in_progress = bool(cell and cell["in_progress"])
            done[-1].append(None if in_progress else rate)
            going[-1].append(rate if in_progress else None)
            done_text[-1].append("" if rate is None or in_progress else f"{rate:.1f}%")
            going_text[-1].append(f"{rate:.1f}%*" if in_progress else "")
    common = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "texttemplate": "%{text}",
        "xgap": 2,
        "ygap": 2,
        "zmin": 0,
        "zmax": 100,
        "hoverongaps": False,
    }
    return {
        "data": [
            {
                **common,
                "z": done,
                "text": done_text,
                "colorscale": BLUES,
                "colorbar": {"title": {"text": "%"}, "thickness": 12},
                "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
            },
            {
                **common,
                "z": going,
                "text": going_text,
                "textfont": {"color": "#5b6475"},
                "colorscale": GREYS,
                "showscale": False,
                "hovertemplate": "%{y}<br>%{x}: %{text} "
                + labels["in_progress"]
                + "<extra></extra>",
            },
        ],
        "layout": {
            "yaxis": {"autorange": "reversed", "type": "category", "automargin": True},
            "xaxis": {"side": "top", "type": "category"},
            "margin": {"t": 40, "r": 16, "b": 16, "l": 130},
            "height": height(cohorts),
        },
    }


def curve(result: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    average = list(result["average"])
    while average and average[-1]["rate"] is None:
        average.pop()
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels["average"],
                "x": [labels["period"].format(n=a["period"]) for a in average],
                "y": [None if a["rate"] is None else round(a["rate"] * 100, 2) for a in average],
                "line": {"color": "#3056d3", "width": 2},
                "hovertemplate": "%{x}: %{y:.1f}%<extra></extra>",
            }
        ],
        "layout": {
            "yaxis": {
                "title": {"text": labels["retained"]},
                "ticksuffix": "%",
                "rangemode": "tozero",
            },
            "xaxis": {"type": "category"},
            "height": 280,
        },
    }


def chart_labels(_: Any, unit: str) -> dict[str, str]:
    return {
        "period": {
            "day": _("retention.period_day"),
            "month": _("retention.period_month"),
        }.get(unit, _("retention.period_week")),
        "in_progress": _("retention.in_progress"),
        "average": _("retention.average"),
        "retained": _("retention.retained"),
    }


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = text(language)
    seen = builders.event_names(state)
    built = builders.build_from(items, state, "retention", period, defaults(seen))
    if not built.result:
        return None
    return curve(built.result, chart_labels(_, str(built.body.get("period", "week"))))


@router.get("/retention")
def retention(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    _ = text(viewer.user.language)
    seen = builders.event_names(state)
    built = builders.build(request, state, "retention", period, defaults(seen))
    result = built.result or {"cohorts": [], "average": []}
    data = builders.data(
        built, period=result.get("period"), now=result.get("now"), cohorts=result["cohorts"],
        average=result["average"],
    )  # fmt: skip
    unit = str(built.body.get("period", "week"))
    labels = chart_labels(_, unit)
    return page(
        request,
        "retention.html",
        data,
        viewer=viewer,
        period=period,
        status_code=built.status_code,
        built=built,
        seen=seen,
        returns=builders.values(built.body, "returns"),
        heatmap=heatmap(result, labels),
        curve=curve(result, labels),
        period_label=labels["period"],
        height=height(result["cohorts"]),
        width=max((len(c["periods"]) for c in result["cohorts"]), default=0),
        insight_page="retention",
    )
