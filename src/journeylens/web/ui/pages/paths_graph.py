"""The transition graph (``/api/paths/graph``) as a node-and-edge chart, beside the Paths Sankey.

The builder's state is the ``/api/paths/graph`` query string (``per``, ``include``,
``endpoints``, ``min_transitions``, ``min_persons``, ``exclude`` repeated). To stay readable
the chart keeps the ``NODES_SHOWN`` busiest steps (by events) plus ``path_start`` and
``path_end``, and the ``EDGES_SHOWN`` heaviest edges between them (by transitions); a repeat
(``A → A``) is told in its node's hover, not drawn. The JSON twin lists exactly what is
drawn (``drawn``) beside every edge of the answer (``edges``), which the table shows.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.analyses.paths_graph import PATH_END, PATH_START
from journeylens.web.deps import StateDep
from journeylens.web.ui import builders
from journeylens.web.ui.i18n import text
from journeylens.web.ui.render import PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)

NODES_SHOWN = 12
EDGES_SHOWN = 40
EDGE_ROWS = 100
STEP_COLOR = "#3056d3"
ENDPOINT_COLOR = "#9aa3b5"


def shown(result: dict[str, Any]) -> dict[str, Any]:
    """The nodes and edges the chart draws (see the module docstring)."""
    endpoints = {PATH_START, PATH_END}
    steps = [n for n in result["nodes"] if n["name"] not in endpoints]  # busiest first
    kept = {n["name"] for n in steps[:NODES_SHOWN]} | endpoints
    edges = [
        e
        for e in result["edges"]  # heaviest first
        if e["source"] in kept and e["target"] in kept and e["source"] != e["target"]
    ][:EDGES_SHOWN]
    used = {e["source"] for e in edges} | {e["target"] for e in edges}
    nodes = [n for n in result["nodes"] if n["name"] in used]
    repeats = {e["source"]: e["transitions"] for e in result["edges"] if e["source"] == e["target"]}
    return {
        "nodes": nodes,
        "edges": edges,
        "repeats": {name: n for name, n in repeats.items() if name in used},
        "hidden_nodes": len(result["nodes"]) - len(nodes),
        "hidden_edges": len(result["edges"]) - len(edges),
    }


def positions(nodes: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """``path_start`` on the left, ``path_end`` on the right, the steps evenly around a
    circle between them, the busiest at the top, then clockwise."""
    steps = [n["name"] for n in nodes if n["name"] not in (PATH_START, PATH_END)]
    placed = {PATH_START: (-1.35, 0.0), PATH_END: (1.35, 0.0)}
    for k, name in enumerate(steps):
        angle = math.pi / 2 - 2 * math.pi * k / len(steps)
        placed[name] = (round(math.cos(angle), 4), round(math.sin(angle), 4))
    return placed


def chart(drawn: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """A plotly.js spec: nodes as markers, edges as arrows (width by transitions, opacity
    by probability), a hover point in the middle of each edge."""
    nodes, edges = drawn["nodes"], drawn["edges"]
    at = positions(nodes)
    heaviest = max((e["transitions"] for e in edges), default=1)
    busiest = max((n["events"] for n in nodes), default=1)
    loops = drawn["repeats"]  # step → transitions to itself, for the hover
    arrows, middles = [], {"x": [], "y": [], "text": []}

    def name(node: str) -> str:
        if node in (PATH_START, PATH_END):
            return labels["start"] if node == PATH_START else labels["end"]
        return builders.plot_text(node)

    for edge in edges:
        (x0, y0), (x1, y1) = at[edge["source"]], at[edge["target"]]
        # A → B and B → A side by side: each shifted a little to its own right.
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        dx, dy = (y1 - y0) / length * 0.025, -(x1 - x0) / length * 0.025
        arrows.append(
            {
                "x": x1 + dx, "y": y1 + dy, "ax": x0 + dx, "ay": y0 + dy,
                "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
                "showarrow": True, "arrowhead": 2, "arrowsize": 1, "standoff": 12,
                "startstandoff": 12, "arrowwidth": round(1 + 5 * edge["transitions"] / heaviest, 2),
                "arrowcolor": f"rgba(48, 86, 211, {0.15 + 0.7 * edge['probability']:.2f})",
            }
        )  # fmt: skip
        middles["x"].append((x0 + x1) / 2 + dx)
        middles["y"].append((y0 + y1) / 2 + dy)
        middles["text"].append(
            f"{name(edge['source'])} → {name(edge['target'])}<br>"
            f"{edge['transitions']:,} {labels['transitions']} · {edge['persons']:,} "
            f"{labels['persons']} · {edge['probability']:.1%}"
        )
    hover = []
    for node in nodes:
        line = f"{name(node['name'])}<br>{node['events']:,} {labels['events']} · "
        line += f"{node['persons']:,} {labels['persons']}"
        if node["name"] in loops:
            line += f"<br>{labels['repeats']}: {loops[node['name']]:,}"
        hover.append(line)
    return {
        "data": [
            {
                "type": "scatter", "mode": "markers", "x": middles["x"], "y": middles["y"],
                "hovertext": middles["text"], "hoverinfo": "text",
                "marker": {"size": 10, "color": "rgba(48, 86, 211, 0.08)"},
            },
            {
                "type": "scatter", "mode": "markers+text", "textposition": "top center",
                "x": [at[n["name"]][0] for n in nodes], "y": [at[n["name"]][1] for n in nodes],
                "text": [name(n["name"]) for n in nodes], "hovertext": hover, "hoverinfo": "text",
                "marker": {
                    "size": [round(12 + 26 * math.sqrt(n["events"] / busiest), 1) for n in nodes],
                    "color": [
                        ENDPOINT_COLOR if n["name"] in (PATH_START, PATH_END) else STEP_COLOR
                        for n in nodes
                    ],
                    "line": {"width": 1, "color": "#fff"},
                },
            },
        ],
        "layout": {
            "height": 560, "showlegend": False, "hovermode": "closest", "annotations": arrows,
            "margin": {"t": 24, "r": 24, "b": 24, "l": 24},
            "xaxis": {"visible": False, "range": [-1.6, 1.6]},
            "yaxis": {"visible": False, "range": [-1.2, 1.25]},
        },
    }  # fmt: skip


@router.get("/paths/graph")
def paths_graph(
    request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep
) -> Response:
    _ = text(viewer.user.language)
    built = builders.build(request, state, "paths_graph", period)
    result = built.result or {}
    drawn = shown(result) if built.result else shown({"nodes": [], "edges": []})
    edges = result.get("edges", [])
    data = builders.data(
        built,
        paths=result.get("paths", 0),
        persons=result.get("persons", 0),
        drawn=drawn,
        edges=edges,
        nodes=result.get("nodes", []),
    )
    labels = {
        key: _(f"paths.graph_{key}")
        for key in ("start", "end", "transitions", "persons", "events", "repeats")
    }
    steps = builders.event_names(state) + builders.page_paths(state)
    return page(
        request,
        "paths_graph.html",
        data,
        viewer=viewer,
        period=period,
        main_table="edges",
        status_code=built.status_code,
        built=built,
        spec=chart(drawn, labels),
        rows=edges[:EDGE_ROWS],
        steps=steps,
        exclude=builders.values(built.body, "exclude"),
        nodes_shown=NODES_SHOWN,
        edges_shown=EDGES_SHOWN,
        edge_rows=EDGE_ROWS,
    )
