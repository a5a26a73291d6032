"""Running an analysis for a request: shared by the JSON API and the web UI's pages.

A page and its JSON twin (``/funnels?step=A`` and ``/api/funnels?step=A``) read the same query
string with :func:`body_from_params` and :func:`parse`, and answer with :func:`run`, so they
cannot disagree.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from datetime import date
from typing import Any

import ibis
from fastapi import HTTPException

from journeylens.analyses import inputs
from journeylens.analyses.base import Analysis, AnalysisError, Tables
from journeylens.web.state import ServerState

# Query-string names that differ from the field names (singular for repeated fields).
ALIASES = {
    "step": "steps",
    "from": "date_from",
    "to": "date_to",
    "where": "filters",
    "event": "events",
    "return": "returns",
    "exclude": "exclusions",
}


def list_fields(analysis: Analysis) -> set[str]:
    return {
        name
        for name, field in analysis.query.model_fields.items()
        if typing.get_origin(field.annotation) in (list, tuple)
        or any(typing.get_origin(a) in (list, tuple) for a in typing.get_args(field.annotation))
    }


def body_from_params(analysis: Analysis, items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A query body from query-string pairs: aliases resolved, list fields repeated.

    Names the query does not know are kept, so the query model refuses them by name; empty
    values are dropped (an empty form field means "not given").
    """
    lists = list_fields(analysis)
    body: dict[str, Any] = {}
    for key, value in items:
        alias = ALIASES.get(key)
        name = alias if alias in analysis.query.model_fields else key
        if value == "" and name in analysis.query.model_fields:
            continue
        if name in lists:
            body.setdefault(name, []).append(value)
        else:
            body[name] = value
    return body


def today(state: ServerState) -> date:
    """Today in the workspace time zone (or the server's fixed ``today``,
    ``JOURNEYLENS_TODAY``): the day relative dates (``-7d``) count from."""
    return state.today or inputs.today(state.workspace.config.timezone)


def parse(analysis: Analysis, body: Any, state: ServerState | None = None) -> Any:
    """The query model, or a 400 saying what is wrong with it; with ``state``, relative dates
    count from today in the workspace time zone (else in UTC)."""
    if isinstance(body, analysis.query):
        return body
    try:
        return analysis.query.parse(body, today=today(state) if state else None)
    except AnalysisError as error:
        raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None


def tables(state: ServerState, cursor: Any) -> Tables:
    config = state.workspace.config
    return Tables(
        ibis.duckdb.from_connection(cursor),
        timezone=config.timezone,
        currency=config.currency,
        path=state.workspace.path,
        not_activity=config.not_activity,
    )


def run(
    state: ServerState, analysis: Analysis, query: Any, *, check_events: bool = True
) -> dict[str, Any]:
    """The analysis's JSON answer, or a 400 with its message for a query it cannot answer
    (event names that no event has included: ``Analysis.check_events``, as the CLI does;
    ``check_events=False`` for a page's own query, whose names nobody typed)."""
    with state.cursor(caught_up=True) as cursor:
        try:
            found = tables(state, cursor)
            if check_events:
                analysis.check_events(found, query)
            return analysis.run(found, query).to_dict()
        except AnalysisError as error:
            raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None
