"""Journey stages (``/api/stages``): where customers are now, how that changed, and how
they move from one stage to the next.

The builder's state is the ``/api/stages`` query string (``period``, and ``mapping`` — the
stages as JSON or YAML — for a mapping other than the workspace's ``stages.yaml`` or the
default one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import builders, i18n
from journeylens.web.ui.i18n import text
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)

Label = Callable[[str], str]


def stage_name(language: str) -> Label:
    """A stage's name in the UI language (the default stages are translated; a workspace's
    own stage names show as written)."""
    label = i18n.labeller(language)
    return lambda name: label("stage", name)


COLORS = ("#b9c8f5", "#7f9de8", "#3056d3", "#17a398", "#f3a712", "#e4572e", "#8e44ad")


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def current_chart(
    stages: list[dict[str, Any]], labels: dict[str, str], name: Label = str
) -> dict[str, Any]:
    names = [builders.plot_text(name(s["name"])) for s in stages]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": labels["current"],
                "y": names,
                "x": [s["current"] for s in stages],
                "text": [f"{s['current_share'] * 100:.1f}%" for s in stages],
                "textposition": "auto",
                "marker": {"color": [color(i) for i in range(len(stages))]},
                "hovertemplate": "%{y}: %{x:,d} (%{text})<extra></extra>",
            },
        ],
        "layout": {
            "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
            "xaxis": {"title": {"text": labels["persons"]}},
            "showlegend": False,
            "height": 300,
            "margin": {"t": 16, "r": 16, "b": 48, "l": 110},
        },
    }


def over_time_chart(
    distribution: list[dict[str, Any]],
    order: list[str],
    labels: dict[str, str],
    name: Label = str,
) -> dict[str, Any]:
    periods = sorted({row["period"] for row in distribution})
    counts = {(row["period"], row["stage"]): row["persons"] for row in distribution}
    return {
        "data": [
            {
                "type": "bar",
                "name": builders.plot_text(name(stage)),
                "x": periods,
                "y": [counts.get((p, stage), 0) for p in periods],
                "marker": {"color": color(i)},
            }
            for i, stage in enumerate(order)
        ],
        "layout": {
            "barmode": "stack",
            "height": 300,
            "hovermode": "x unified",
            "xaxis": {"type": "category"},
            "yaxis": {"title": {"text": labels["persons"]}},
            "legend": {"orientation": "h", "y": -0.15, "traceorder": "normal"},
            "margin": {"t": 16, "r": 16, "b": 70, "l": 56},
        },
    }


def chart_labels(_: Any) -> dict[str, str]:
    return {"current": _("stages.current"), "persons": _("stages.persons")}


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = text(language)
    built = builders.build_from(items, state, "stages", period, {"period": "week"})
    if not built.result:
        return None
    return current_chart(built.result["stages"], chart_labels(_), stage_name(language))


@router.get("/stages")
def stages(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    _ = text(viewer.user.language)
    built = builders.build(request, state, "stages", period, {"period": "week"})
    result = built.result or {"stages": [], "transitions": [], "distribution": [], "persons": 0}
    data = builders.data(
        built, persons=result["persons"], stages=result["stages"],
        transitions=result["transitions"], distribution=result["distribution"],
    )  # fmt: skip
    labels = chart_labels(_)
    order = [s["name"] for s in result["stages"]]
    table: dict[str, dict[str, int]] = {}
    for row in result["distribution"]:
        table.setdefault(row["period"], {})[row["stage"]] = row["persons"]
    return page(
        request,
        "stages.html",
        data,
        viewer=viewer,
        period=period,
        status_code=built.status_code,
        built=built,
        current=current_chart(result["stages"], labels, stage_name(viewer.user.language)),
        over_time=over_time_chart(
            result["distribution"], order, labels, stage_name(viewer.user.language)
        ),
        over_time_rows=sorted(table.items()),
        insight_page="stages",
    )
