"""Paths as a Sankey diagram (``/api/paths``), with the top paths, entries and exits.

The builder's state is the ``/api/paths`` query string (``per``, ``start_event``,
``end_event``, ``max_steps``, ``collapse_loops``, ``include``, ``exclude`` repeated). The
Sankey draws the analysis's nodes and transitions; to stay readable it keeps the
``NODES_PER_STEP`` biggest nodes of each step (by users) plus ``[start]`` and ``[end]``, and
the transitions between kept nodes — the JSON twin lists exactly what is drawn.
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

NODES_PER_STEP = 8
STEP_COLORS = ("#3056d3", "#17a398", "#e4572e", "#f3a712", "#8e44ad", "#2e86ab", "#6c757d")
ENDPOINT_COLOR = "#9aa3b5"


def shown(result: dict[str, Any], per_step: int = NODES_PER_STEP) -> dict[str, Any]:
    """The nodes and transitions the Sankey draws: the biggest per step and the links
    between them (``users`` is the link's width)."""
    kept: list[dict[str, Any]] = []
    per_position: dict[int | None, int] = {}
    for node in result["nodes"]:  # sorted by position, then users (the analysis's order)
        position = node["position"]
        if position not in (0, None):
            if per_position.get(position, 0) >= per_step:
                continue
            per_position[position] = per_position.get(position, 0) + 1
        kept.append(node)
    names = {node["name"] for node in kept}
    # Only flows from [start]: a kept step whose way in was cut would float on its own.
    reached, links = {node["name"] for node in kept if node["position"] == 0}, []
    for link in result["transitions"]:  # ordered by position
        if link["source"] in reached and link["target"] in names:
            links.append(link)
            reached.add(link["target"])
    used = {t["source"] for t in links} | {t["target"] for t in links}
    kept = [node for node in kept if node["name"] in used]
    return {
        "nodes": kept,
        "transitions": links,
        "hidden_nodes": len(result["nodes"]) - len(kept),
    }


def sankey(drawn: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    nodes = drawn["nodes"]
    index = {node["name"]: i for i, node in enumerate(nodes)}

    def label(node: dict[str, Any]) -> str:
        if node["position"] == 0:
            return labels["start"]
        if node["position"] is None:
            return labels["end"]
        step = builders.plot_text(node["step"])
        return step if len(step) <= 28 else step[:27] + "…"

    def color(node: dict[str, Any]) -> str:
        if node["position"] in (0, None):
            return ENDPOINT_COLOR
        return STEP_COLORS[(node["position"] - 1) % len(STEP_COLORS)]

    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "valueformat": ",d",
                "valuesuffix": " " + labels["users"],
                "node": {
                    "label": [label(n) for n in nodes],
                    "customdata": [builders.plot_text(n["step"]) for n in nodes],
                    "hovertemplate": f"%{{customdata}}<br>%{{value:,d}} {labels['users']}<extra></extra>",
                    "color": [color(n) for n in nodes],
                    "pad": 14,
                    "thickness": 14,
                    "line": {"width": 0},
                },
                "link": {
                    "source": [index[t["source"]] for t in drawn["transitions"]],
                    "target": [index[t["target"]] for t in drawn["transitions"]],
                    "value": [t["users"] for t in drawn["transitions"]],
                    "color": "rgba(48, 86, 211, 0.18)",
                },
            }
        ],
        "layout": {"margin": {"t": 16, "r": 16, "b": 16, "l": 16}, "height": 520},
    }


def chart_labels(_: Any) -> dict[str, str]:
    return {"start": _("paths.start"), "end": _("paths.end"), "users": _("paths.users")}


def pinned_chart(
    state: ServerState, items: list[tuple[str, str]], period: Period, language: str
) -> dict[str, Any] | None:
    """This page's chart for a saved insight's query string (the overview draws it small);
    ``None`` when the query cannot run."""
    _ = text(language)
    built = builders.build_from(items, state, "paths", period)
    return sankey(shown(built.result), chart_labels(_)) if built.result else None


@router.get("/paths")
def paths(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    _ = text(viewer.user.language)
    built = builders.build(request, state, "paths", period)
    result = built.result or {}
    drawn = shown(result) if built.result else {"nodes": [], "transitions": [], "hidden_nodes": 0}
    data = builders.data(
        built,
        paths=result.get("paths", 0),
        users=result.get("users", 0),
        sankey=drawn,
        top_paths=result.get("top_paths", []),
        entries_to_purchase=result.get("entries_to_purchase", []),
        exits=result.get("exits", []),
    )
    spec = sankey(drawn, chart_labels(_))
    steps = builders.event_names(state) + builders.page_paths(state)
    return page(
        request,
        "paths.html",
        data,
        viewer=viewer,
        period=period,
        main_table="top_paths",
        status_code=built.status_code,
        built=built,
        spec=spec,
        steps=steps,
        exclude=builders.values(built.body, "exclude"),
        per_step=NODES_PER_STEP,
        insight_page="paths",
    )
