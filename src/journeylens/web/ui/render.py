"""Rendering a page: the signed-in user, the shared date range, and the page's JSON twin.

Every page handler computes plain data and calls :func:`page`, which renders the template
for a browser or returns the same data as JSON for ``?format=json`` (STYLE.md principle 4).
Templates get ``_`` (UI text in the user's language), ``user``, ``csrf_token``, ``period``
(the date range every page shares, kept in the URL as ``from``/``to``) and ``here`` (the
current path and query, for links that keep the range).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.utils import markupsafe

from journeylens.analyses import inputs
from journeylens.analyses.errors import InputError
from journeylens.store.users import User
from journeylens.store.web_sessions import Session
from journeylens.web import runs
from journeylens.web.deps import StateDep, signed_in
from journeylens.web.state import ServerState
from journeylens.web.ui import i18n

_HERE = Path(__file__).parent
env = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
DEFAULT_DAYS = 30


def json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` block (no ``</script>``)."""
    text = orjson.dumps(value, default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


env.filters["json"] = lambda value: markupsafe.Markup(
    to_json(value)
)  # safe: <, > and & are escaped


class SignInRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass(frozen=True)
class Viewer:
    user: User
    session: Session


def current_viewer(request: Request, state: StateDep) -> Viewer:
    found = signed_in(request, state)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return Viewer(*found)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


@dataclass(frozen=True)
class Period:
    """The date range shared by every page: ``from``/``to`` in the URL, inclusive days."""

    start: date
    end: date
    explicit: bool

    @property
    def params(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def analysis_range(self) -> dict[str, str]:
        """The range as an analysis query takes it: ``date_to`` is exclusive (the next day)."""
        return {
            "date_from": self.start.isoformat(),
            "date_to": (self.end + timedelta(days=1)).isoformat(),
        }

    @property
    def previous(self) -> Period:
        days = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=days), self.start - timedelta(days=1), True)


def latest_day(state: ServerState) -> date:
    with state.cursor() as cursor:
        row = cursor.execute("SELECT max(timestamp) FROM events").fetchone()
    return row[0].date() if row and row[0] else date.today()


def _day(value: str | None, state: ServerState, what: str) -> date | None:
    """A ``from``/``to`` of the URL read as the API reads it; a bad one is a 400 page."""
    if not value:
        return None
    try:
        return inputs.parse_day(value, today=runs.today(state), what=what)
    except InputError as error:
        raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None


def period_of(request: Request, state: StateDep) -> Period:
    """The range in the URL; by default the last 30 days that have data."""
    start = _day(request.query_params.get("from"), state, "from")
    end = _day(request.query_params.get("to"), state, "to")
    try:
        inputs.check_range(start, end)
    except InputError as error:
        raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None
    if start and end:
        return Period(start, end, True)
    end = end or latest_day(state)
    return Period(start or end - timedelta(days=DEFAULT_DAYS - 1), end, bool(start))


PeriodDep = Annotated[Period, Depends(period_of)]


def analysis_body(request: Request, analysis: Any, period: Period) -> dict[str, Any]:
    """A builder page's analysis query: its query string (as ``/api/<path>`` reads it) with
    the page's date range; ``format`` and the range's own ``from``/``to`` are the page's."""
    from journeylens.web import runs

    items = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("from", "to", "format")
    ]
    return {**runs.body_from_params(analysis, items), **period.analysis_range}


def language_of(request: Request, viewer: Viewer | None) -> str:
    return viewer.user.language if viewer else i18n.choose(request.headers.get("accept-language"))


def page(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    viewer: Viewer | None,
    period: Period | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The page for a browser, or ``data`` as JSON when the URL asks ``format=json``."""
    if request.query_params.get("format") == "json":
        body = orjson.dumps(data, default=json_default, option=orjson.OPT_NON_STR_KEYS)
        return Response(body, media_type="application/json", status_code=status_code)
    language = language_of(request, viewer)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    html = env.get_template(template).render(
        request=request,
        _=i18n.text(language),
        language=language,
        languages=i18n.LANGUAGES,
        user=viewer.user if viewer else None,
        csrf_token=viewer.session.csrf_token if viewer else "",
        period=period,
        path=request.url.path,
        json_url=request.url.path + "?" + urlencode([*params, ("format", "json")]),
        here=request.url.path + (f"?{urlencode(params)}" if params else ""),
        data=data,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
