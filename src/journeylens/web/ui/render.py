"""Rendering a page: the signed-in user, the shared date range, and the page's JSON twin.

Every page handler computes plain data and calls :func:`page`, which renders the template
for a browser or returns the same data as JSON for ``?format=json`` (STYLE.md principle 4),
or its main table as CSV for ``?format=csv`` (``page_tables``).
Templates get ``_`` (UI text in the user's language), ``user``, ``csrf_token``, ``period``
(the date range every page shares, kept in the URL as ``from``/``to``), ``here`` (the
current path and query, for links that keep the range) and ``csv_link(table)`` (a table's
CSV download link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.utils import markupsafe

from journeylens.analyses import inputs
from journeylens.analyses.data_days import DEFAULT_DAYS
from journeylens.analyses.errors import InputError
from journeylens.store.users import User
from journeylens.store.web_sessions import Session
from journeylens.web import runs
from journeylens.web.deps import StateDep, signed_in
from journeylens.web.ui import i18n, page_tables

if TYPE_CHECKING:
    from journeylens.web.state import ServerState

_HERE = Path(__file__).parent
env = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


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

_BACKTICKED = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> markupsafe.Markup:
    """UI text with its `commands` as ``<code>`` (the catalogues quote them in backticks)."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(_BACKTICKED.sub(r"<code>\1</code>", escaped))


env.filters["code"] = code_spans


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
    """The date range shared by every page: ``from``/``to`` in the URL, inclusive days.

    ``activity`` is the customer activity in it and ``later`` the activity after it (both
    None when not known); ``busy`` is the range shown by default (``data_days``), which
    pages offer when the range holds nothing.
    """

    start: date
    end: date
    explicit: bool
    activity: int | None = None
    later: int | None = None
    busy: tuple[date, date] | None = None

    @property
    def busy_query(self) -> str:
        if self.busy is None:
            return ""
        return urlencode({"from": self.busy[0].isoformat(), "to": self.busy[1].isoformat()})

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


def _day(value: str | None, state: ServerState, what: str) -> date | None:
    """A ``from``/``to`` of the URL read as the API reads it (``InputError`` if it does not)."""
    return inputs.parse_day(value, today=runs.today(state), what=what) if value else None


def period_in(params: dict[str, str], state: ServerState) -> Period | None:
    """The range a saved query string spells out with ``from`` and ``to``, if it does (and
    reads; relative dates such as ``-7d`` count from today)."""
    try:
        start, end = _day(params.get("from"), state, "from"), _day(params.get("to"), state, "to")
    except InputError:
        return None
    return Period(start, end, True) if start and end and start <= end else None


def period_of(request: Request, state: StateDep) -> Period:
    """The range in the URL; by default the 30 days up to the last busy day (``data_days``:
    one stray late event does not empty every default view). A bad one is a 400 page."""
    try:
        start = _day(request.query_params.get("from"), state, "from")
        end = _day(request.query_params.get("to"), state, "to")
        inputs.check_range(start, end)
    except InputError as error:
        raise HTTPException(400, {"code": "invalid_query", "message": str(error)}) from None
    days = state.data_days()
    today = runs.today(state)
    busy = days.default_range(DEFAULT_DAYS, today=today) if days.counts else None
    if not (start and end):
        # A start alone (from=-7d) runs to the last busy day, or to itself if that is before.
        end = end or max(busy[1] if busy else today, start or date.min)
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    return Period(
        start,
        end,
        bool(request.query_params.get("from") or request.query_params.get("to")),
        activity=days.events_between(start, end),
        later=days.after(end),
        busy=busy,
    )


PeriodDep = Annotated[Period, Depends(period_of)]

# The query-string names every page reads itself, never a builder's analysis field.
PAGE_PARAMS = ("from", "to", "format", "table")


def analysis_body(request: Request, analysis: Any, period: Period) -> dict[str, Any]:
    """A builder page's analysis query: its query string (as ``/api/<path>`` reads it) with
    the page's date range; ``format`` and the range's own ``from``/``to`` are the page's."""
    return analysis_body_of(request.query_params.multi_items(), analysis, period)


def analysis_body_of(items: list[tuple[str, str]], analysis: Any, period: Period) -> dict[str, Any]:
    """:func:`analysis_body` of a query string's items (a saved insight's, say)."""
    from journeylens.web import runs

    kept = [(k, v) for k, v in items if k not in PAGE_PARAMS]
    return {**runs.body_from_params(analysis, kept), **period.analysis_range}


def language_of(request: Request, viewer: Viewer | None) -> str:
    return viewer.user.language if viewer else i18n.choose(request.headers.get("accept-language"))


def csv_table(
    request: Request, plain: dict[str, Any], main_table: str | None, status_code: int
) -> Response:
    """The table ``&table=`` names (else ``main_table``, else the first) of a JSON twin read
    back (``plain``), as a CSV download."""
    tables = page_tables.tables_of(plain)
    name = page_tables.chosen(tables, request.query_params.get("table"), main_table)
    download = page_tables.filename(request.url.path, name)
    return Response(
        page_tables.to_csv(tables[name]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{download}"'},
        status_code=status_code,
    )


def page(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    viewer: Viewer | None,
    period: Period | None = None,
    status_code: int = 200,
    main_table: str | None = None,
    **context: Any,
) -> Response:
    """The page for a browser, ``data`` as JSON when the URL asks ``format=json``, or a table
    of it as CSV for ``format=csv`` (``main_table`` by default, else the first: see
    ``page_tables``). An error page is JSON in any format but html."""
    asked = request.query_params.get("format")
    if status_code >= 400 and asked not in (None, "", "html"):
        asked = "json"
    try:
        wanted = page_tables.check_format(asked)
        if wanted != "html":
            body = orjson.dumps(data, default=json_default, option=orjson.OPT_NON_STR_KEYS)
            if wanted == "json":
                return Response(body, media_type="application/json", status_code=status_code)
            return csv_table(request, orjson.loads(body), main_table, status_code)
    except InputError as error:
        raise HTTPException(400, {"code": "invalid_format", "message": str(error)}) from None
    tables = page_tables.tables_of(data)
    language = language_of(request, viewer)
    _ = i18n.text(language)
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "table")]

    def link(**extra: str) -> str:
        return request.url.path + "?" + urlencode([*params, *extra.items()])

    def csv_link(table: str | None = None) -> markupsafe.Markup:
        """The CSV download link of ``table`` (the main one by default), if the page has it."""
        if not tables or (table is not None and table not in tables):
            return markupsafe.Markup("")
        url = link(format="csv", **({"table": table} if table else {}))
        return markupsafe.Markup('<a class="csv-link" href="{}" download title="{}">{}</a>').format(
            url, _("page.csv_help"), _("page.csv")
        )

    html = env.get_template(template).render(
        request=request,
        _=_,
        label=i18n.labeller(language),
        language=language,
        languages=i18n.LANGUAGES,
        user=viewer.user if viewer else None,
        csrf_token=viewer.session.csrf_token if viewer else "",
        period=period,
        path=request.url.path,
        json_url=link(format="json"),
        csv_link=csv_link,
        here=request.url.path + (f"?{urlencode(params)}" if params else ""),
        data=data,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
