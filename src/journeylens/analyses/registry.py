"""The analyses, by name. Adding one is one line here (STYLE.md principle 1).

From this list the CLI gets a command per analysis (options from the query's fields), the
HTTP API gets ``GET``/``POST /api/<path>``, and a workspace gets ``ws.<name>(...)``.
"""

from __future__ import annotations

from importlib import import_module

from journeylens.analyses.base import Analysis

MODULES = (
    "funnel",
    "sessions",
    "measures",
    "trends",
    "kpis",
    "retention",
    "lifecycle",
    "stickiness",
    "paths",
    "paths_graph",
    "stages",
    "rfm",
    "journeylens.models.personas",  # a model, not a query builder, served the same way
)


def analyses() -> dict[str, Analysis]:
    found = {}
    for module in MODULES:
        path = module if "." in module else f"journeylens.analyses.{module}"
        entry: Analysis = import_module(path).ANALYSIS
        found[entry.name] = entry
    return found


def get(name: str) -> Analysis:
    known = analyses()
    if name not in known:
        raise KeyError(f"No analysis named {name!r}; known: {', '.join(sorted(known))}.")
    return known[name]
