"""What the builder pages (trends, paths, retention, lifecycle, stages) share.

A builder's state is its query string, read with the JSON API's parser
(``render.analysis_body``); on a first visit (no builder field in the URL) the page fills
in its ``defaults`` so it shows something useful, and the form shows what was run. A query
the analysis refuses is an inline error with status 400, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request

from journeylens.analyses import registry
from journeylens.web import runs
from journeylens.web.state import ServerState
from journeylens.web.ui.render import PAGE_PARAMS, Period, analysis_body_of


@dataclass
class Built:
    """One builder run: the query body it ran (or tried), its answer, or the error."""

    body: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None
    defaulted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status_code(self) -> int:
        return 400 if self.error else 200


def message_of(error: HTTPException) -> str:
    detail = error.detail
    return str(detail.get("message", detail)) if isinstance(detail, dict) else str(detail)


def build(
    request: Request,
    state: ServerState,
    name: str,
    period: Period,
    defaults: dict[str, Any] | None = None,
    lists: tuple[str, ...] = (),
) -> Built:
    """Run analysis ``name`` for the page's URL (``defaults`` on a first visit).

    ``lists`` are list fields a submitted form left empty: they are sent as ``[]`` so the
    analysis says what it needs ("Name at least one event") rather than "Field required".
    """
    return build_from(request.query_params.multi_items(), state, name, period, defaults, lists)


def build_from(
    items: list[tuple[str, str]],
    state: ServerState,
    name: str,
    period: Period,
    defaults: dict[str, Any] | None = None,
    lists: tuple[str, ...] = (),
) -> Built:
    """:func:`build` for a query string's items (a pinned insight's, drawn on the overview)."""
    analysis = registry.get(name)
    body = analysis_body_of(items, analysis, period)
    first_visit = not any(key not in PAGE_PARAMS for key, _ in items)  # no builder field
    defaulted = bool(defaults) and first_visit
    before = (defaults or {}) if defaulted else {field: [] for field in lists}
    body = {**before, **body}
    built = Built(body=body, defaulted=defaulted)
    try:
        built.result = runs.run(state, analysis, runs.parse(analysis, body))
    except HTTPException as error:
        if error.status_code != 400:
            raise
        built.error = message_of(error)
    return built


def values(body: dict[str, Any], name: str) -> list[str]:
    """A field of the query body as a list of strings (for repeated form rows)."""
    found = body.get(name)
    if found is None:
        return []
    return [str(v) for v in found] if isinstance(found, list | tuple) else [str(found)]


def event_counts(state: ServerState, limit: int = 200) -> list[dict[str, Any]]:
    """The event names seen in the workspace with their counts, most frequent first."""
    with state.cursor() as cursor:
        rows = cursor.execute(
            "SELECT event, count(*) AS n FROM events WHERE event IS NOT NULL AND event <> ''"
            " GROUP BY event ORDER BY n DESC, event LIMIT ?",
            [limit],
        ).fetchall()
    return [{"event": name, "count": int(n)} for name, n in rows]


def event_names(state: ServerState, limit: int = 200) -> list[str]:
    """The event names seen in the workspace, most frequent first (for pickers)."""
    return [row["event"] for row in event_counts(state, limit)]


def page_paths(state: ServerState, limit: int = 100) -> list[str]:
    """The most visited page paths (page and screen steps for the paths builder)."""
    with state.cursor() as cursor:
        rows = cursor.execute(
            "SELECT path FROM events WHERE type IN ('page', 'screen') AND path IS NOT NULL"
            " GROUP BY path ORDER BY count(*) DESC, path LIMIT ?",
            [limit],
        ).fetchall()
    return [row[0] for row in rows]


def plot_text(value: str) -> str:
    """User text for a plotly label: plotly reads a few HTML tags in labels, so none pass."""
    return value.replace("<", "\u2039").replace(">", "\u203a")


def data(built: Built, **shown: Any) -> dict[str, Any]:
    """The page's JSON twin: the query it ran, and the answer or the error."""
    if built.error:
        return {"query": built.body, "error": {"code": "invalid_query", "message": built.error}}
    return {"query": built.body, **shown}
