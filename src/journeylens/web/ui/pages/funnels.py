"""The funnel builder: steps picked from the events seen, drawn with drop-off and time to convert.

The page's state is its query string, read exactly as ``/api/funnels`` reads it (``step``
repeated, ``window``, ``order``, ``count_by``, ``exclude``, ``breakdown``) plus the shared
date range, so ``/funnels?step=A&step=B`` and ``/api/funnels?step=A&step=B`` cannot disagree.
Each step's drop-off can be saved as a static segment: the form posts the query string and
the step to ``/segments`` (``pages/segments.py``), which re-runs the funnel with
:func:`dropped_person_ids`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from journeylens.analyses import funnel, registry
from journeylens.analyses.base import AnalysisError
from journeylens.web import runs
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import builders, i18n
from journeylens.web.ui.render import (
    PAGE_PARAMS,
    Period,
    PeriodDep,
    ViewerDep,
    analysis_body,
    analysis_body_of,
    page,
)

router = APIRouter(include_in_schema=False)

WINDOWS = ("1h", "1d", "7d", "14d", "30d", "90d", "none")
ORDERS = ("sequential", "strict", "any")
COUNT_BY = ("person", "session")
BREAKDOWNS = (
    "channel", "source", "utm_source", "utm_medium", "utm_campaign", "person.country",
    "person.city", "person.gender", "properties.category", "properties.brand",
    "properties.platform", "properties.payment_method",
)  # fmt: skip
MAX_SERIES = 8  # breakdown values drawn; the table lists them all
MARGIN = {"t": 16, "r": 56, "b": 40, "l": 16}  # the labels make their own room (automargin)
MAX_EVENT_NAMES = 500
_STEP_RANGE = re.compile(r"\s*:\s*\d+\s*-\s*\d+\s*$")  # an exclusion's ":1-2"


def _analysis() -> Any:
    return registry.get("funnel")


def builder_state(request: Request) -> dict[str, Any]:
    """What the form shows: the URL's values as typed (defaults where absent)."""
    params = request.query_params
    return {
        "steps": [s for s in params.getlist("step") if s.strip()],
        "exclusions": [e for e in params.getlist("exclude") if e.strip()],
        "window": params.get("window") or "14d",
        "order": params.get("order") or "sequential",
        "count_by": params.get("count_by") or "person",
        "breakdown": params.get("breakdown") or "",
    }


def _message(error: HTTPException) -> str:
    detail = error.detail
    return str(detail.get("message") if isinstance(detail, dict) else detail)


def funnel_query_string(request: Request, period: Period) -> str:
    """The page's query string with its date range spelled out (what a segment records)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in PAGE_PARAMS]
    return urlencode([*items, *period.params.items()])


def dropped_person_ids(
    state: ServerState, query_string: str, step: int
) -> tuple[list[int], dict[str, Any]]:
    """The persons who dropped at ``step`` (1-based, ≥ 2) of the funnel ``query_string`` (a
    funnel page's query string with ``from``/``to``), and the step's description."""
    analysis = _analysis()
    items = parse_qsl(query_string.lstrip("?"), keep_blank_values=True)
    dates = {k: v for k, v in items if k in ("from", "to")}
    try:
        start, end = date.fromisoformat(dates["from"]), date.fromisoformat(dates["to"])
    except (KeyError, ValueError):
        raise HTTPException(
            400,
            {
                "code": "invalid_query",
                "message": "The funnel query must give its date range as from=YYYY-MM-DD and "
                "to=YYYY-MM-DD.",
            },
        ) from None
    body = runs.body_from_params(analysis, [(k, v) for k, v in items if k not in PAGE_PARAMS])
    body.update(Period(min(start, end), max(start, end), True).analysis_range)
    query = runs.parse(analysis, body)
    if not 2 <= step <= len(query.steps):
        raise HTTPException(
            400,
            {
                "code": "invalid_query",
                "message": f"Step {step}: persons drop off at steps 2..{len(query.steps)} "
                "of this funnel.",
            },
        )
    with state.cursor(caught_up=True) as cursor:
        try:
            tables = runs.tables(state, cursor)
            ids = tables.execute(funnel.person_ids(tables, query, "dropped", step))
        except AnalysisError as error:
            raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None
    described = {
        "analysis": "funnels",
        "query": query_string.lstrip("?"),
        "kind": "dropped",
        "step": step,
        "step_name": query.steps[step - 1].name,
        "count_by": query.count_by,
    }
    return [int(p) for p in ids["person_id"]], described


def _label(index: int, name: str) -> str:
    return f"{index + 1}. {name}"


def funnel_chart(result: dict[str, Any], all_label: str, none_label: str) -> dict[str, Any]:
    """A plotly funnel; with a breakdown, grouped bars with one series per value (the
    largest first), which read better than grouped funnels."""
    labels = [_label(k, s["name"]) for k, s in enumerate(result["steps"])]
    groups = result.get("breakdown")
    series = min(len(groups or [None]), MAX_SERIES)
    height = max(240, 90 + len(labels) * (50 + 16 * series))
    if not groups:
        steps = result["steps"]
        trace = {
            "type": "funnel",
            "name": all_label,
            "y": labels,
            "x": [s["users"] for s in steps],
            "texttemplate": "%{value:,}<br>%{percentInitial:.1%}",
            "hovertemplate": "%{y}<br>%{x:,} (%{percentInitial:.1%})<extra></extra>",
        }
        layout = {"yaxis": {"automargin": True}, "margin": MARGIN, "height": height}
        return {"data": [trace], "layout": layout}
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": none_label if group["value"] is None else group["value"],
            "y": labels,
            "x": [s["users"] for s in group["steps"]],
            "customdata": [s["overall_rate"] for s in group["steps"]],
            "texttemplate": "%{x:,} (%{customdata:.1%})",
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}<br>%{x:,} (%{customdata:.1%})<extra>%{fullData.name}</extra>",
        }
        for group in groups[:MAX_SERIES]
    ]
    layout = {
        "barmode": "group",
        "yaxis": {"automargin": True, "autorange": "reversed"},
        "xaxis": {"rangemode": "tozero"},
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom"},
        "margin": {**MARGIN, "t": 40},
        "height": height,
    }
    return {"data": data, "layout": layout}


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = i18n.text(language)
    analysis = _analysis()
    if not any(key == "step" and value.strip() for key, value in items):
        return None
    try:
        result = runs.run(
            state, analysis, runs.parse(analysis, analysis_body_of(items, analysis, period))
        )
    except HTTPException as error:
        if error.status_code != 400:
            raise
        return None
    return funnel_chart(result, _("funnels.all"), _("funnels.no_value"))


def _segment_names(result: dict[str, Any], period: Period, language: str) -> list[str]:
    _ = i18n.text(language)
    return [
        _(
            "funnels.segment_name",
            step=k + 1,
            name=s["name"],
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        )
        for k, s in enumerate(result["steps"])
    ]


@router.get("/funnels")
def funnels(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    analysis = _analysis()
    form = builder_state(request)
    data: dict[str, Any] = {
        "period": {"from": period.start, "to": period.end},
        "query": form,
        "event_names": builders.event_counts(state, MAX_EVENT_NAMES),
        "result": None,
        "error": None,
    }
    status = 200
    if form["steps"]:
        try:
            body = analysis_body(request, analysis, period)
            data["result"] = runs.run(state, analysis, runs.parse(analysis, body))
        except HTTPException as error:
            if error.status_code != 400:
                raise
            data["error"], status = _message(error), 400
    result = data["result"]
    _ = i18n.text(viewer.user.language)
    extra: dict[str, Any] = {"windows": WINDOWS, "orders": ORDERS, "count_by": COUNT_BY}
    extra["breakdowns"] = BREAKDOWNS
    if result:
        extra["chart"] = funnel_chart(result, _("funnels.all"), _("funnels.no_value"))
        extra["chart_height"] = extra["chart"]["layout"]["height"]
        extra["segment_query"] = funnel_query_string(request, period)
        extra["segment_names"] = _segment_names(result, period, viewer.user.language)
    return page(
        request,
        "funnels.html",
        data,
        viewer=viewer,
        period=period,
        main_table="result.steps",
        status_code=status,
        insight_page="funnels",
        **extra,
    )
