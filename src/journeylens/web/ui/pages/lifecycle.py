"""Lifecycle (``/api/lifecycle``): new, returning and resurrecting persons per period as
stacked bars above zero, and the ones who went dormant below it.

The builder's state is the ``/api/lifecycle`` query string (``event`` repeated, ``period``).
The period still in progress is drawn paler and starred: its dormant persons may come back.
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

COLORS = {"new": "#3056d3", "returning": "#17a398", "resurrecting": "#f3a712", "dormant": "#e4572e"}


def chart(periods: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    x = [p["period_start"] + ("*" if p["in_progress"] else "") for p in periods]
    opacity = [0.45 if p["in_progress"] else 1 for p in periods]
    data = []
    for status, sign in (("new", 1), ("returning", 1), ("resurrecting", 1), ("dormant", -1)):
        data.append(
            {
                "type": "bar",
                "name": labels[status],
                "x": x,
                "y": [sign * p[status] for p in periods],
                "customdata": [p[status] for p in periods],
                "marker": {"color": COLORS[status], "opacity": opacity},
                "hovertemplate": labels[status] + ": %{customdata:,d}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "barmode": "relative",
            "height": 380,
            "hovermode": "x unified",
            "xaxis": {"type": "category"},
            "yaxis": {"title": {"text": labels["persons"]}, "zeroline": True},
            "legend": {"orientation": "h", "y": 1.12},
        },
    }


def chart_labels(_: Any) -> dict[str, str]:
    return {
        "new": _("lifecycle.new"),
        "returning": _("lifecycle.returning"),
        "resurrecting": _("lifecycle.resurrecting"),
        "dormant": _("lifecycle.dormant"),
        "persons": _("lifecycle.persons"),
    }


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = text(language)
    built = builders.build_from(items, state, "lifecycle", period, {"period": "week"})
    return chart(built.result.get("periods", []), chart_labels(_)) if built.result else None


@router.get("/lifecycle")
def lifecycle(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    _ = text(viewer.user.language)
    built = builders.build(request, state, "lifecycle", period, {"period": "week"})
    periods = (built.result or {}).get("periods", [])
    data = builders.data(
        built, period=(built.result or {}).get("period"), now=(built.result or {}).get("now"),
        periods=periods,
    )  # fmt: skip
    labels = chart_labels(_)
    return page(
        request,
        "lifecycle.html",
        data,
        viewer=viewer,
        period=period,
        status_code=built.status_code,
        built=built,
        seen=builders.event_names(state),
        events=builders.values(built.body, "events"),
        spec=chart(periods, labels),
        has_data=any(p["active"] or p["dormant"] for p in periods),
        insight_page="lifecycle",
    )
