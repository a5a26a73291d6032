"""Customer 360: find a customer, then see everything about them on one page.

``/customers?q=`` searches by id, email, name or phone (``journeylens.profiles.search``);
``/customers/{person_id}`` is the profile (``journeylens.profiles.profile``): traits,
identities, channel mix, the timeline across channels (newest first, ``?page=N``, optionally
one ``?channel=``), orders, feedback and segments. A distinct id or user id in place of the
person id, or the id of a person merged into another, redirects to the person it belongs to.
Neither page is limited to the shared date range, and neither shows its pickers (the top
bar says so): a support agent looks a customer up by who they are, not by when they were
last active, and a profile is the customer's whole history. The range only travels along in
the links, so the other pages keep it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from journeylens import profiles
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import i18n
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _url(request: Request, path: str | None = None, **changes: Any) -> str:
    """This page's URL (or ``path``'s) with some query parameters changed or dropped."""
    params = {k: v for k, v in request.query_params.items() if k != "format"}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return (path or request.url.path) + (f"?{query}" if query else "")


def _pager(request: Request, current: int, pages: int) -> dict[str, str | None]:
    return {
        "previous": _url(request, page=current - 1 if current > 2 else None)
        if current > 1
        else None,
        "next": _url(request, page=current + 1) if current < pages else None,
    }


def _zone(state: ServerState) -> ZoneInfo:
    return ZoneInfo(state.workspace.config.timezone)


@router.get("/customers")
def customers(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    query = request.query_params.get("q", "")
    with state.cursor(caught_up=True) as cursor:
        found = profiles.search(cursor, query, page=_page_number(request), zone=_zone(state))
    return page(
        request,
        "customers.html",
        found,
        viewer=viewer,
        period=period,
        pager=_pager(request, found["page"], found["pages"]),
        timezone=state.workspace.config.timezone,
        ignores_range=True,
    )


def _not_found(request: Request, viewer: Any, period: Period, key: str) -> Response:
    _ = i18n.text(viewer.user.language)
    message = _("customers.not_found", id=key)
    return page(
        request,
        "error.html",
        {"code": 404, "message": message},
        viewer=viewer,
        period=period,
        status_code=404,
        title=_("customers.not_found_title"),
        message=message,
    )


def channel_chart(
    channels: list[dict[str, Any]], events_label: str, channel: Any = str
) -> dict[str, Any]:
    ordered = list(reversed(channels))  # plotly draws horizontal bars bottom-up
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": events_label,
                "x": [row["events"] for row in ordered],
                "y": [channel(row["channel"]) for row in ordered],
                "text": [f"{row['share']:.0%}" for row in ordered],
                "textposition": "auto",
                "hoverinfo": "x+y",
            }
        ],
        "layout": {
            "margin": {"t": 8, "r": 16, "b": 32, "l": 72},
            "xaxis": {
                "title": {"text": events_label},
                "rangemode": "tozero",
                **({"dtick": 1} if max((r["events"] for r in channels), default=0) < 10 else {}),
            },
            "showlegend": False,
        },
    }


@router.get("/customers/{key}")
def customer(
    key: str, request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep
) -> Response:
    channel = request.query_params.get("channel") or None
    with state.cursor(caught_up=True) as cursor:
        person_id = int(key) if key.isdigit() and len(key) < 19 else None
        found = None
        if person_id is not None:
            found = profiles.profile(
                cursor,
                person_id,
                _zone(state),
                page=_page_number(request),
                channel=channel,
                currency=state.workspace.config.currency,
            )
        if found is None:
            # A user id or other distinct id, or a person merged into another: go to them.
            moved = profiles.person_of_distinct_id(cursor, key)
            if moved is None and person_id is not None:
                moved = profiles.merged_into(cursor, person_id)
            if moved is not None and moved != person_id:
                target = _url(request, f"/customers/{moved}", page=None)
                return RedirectResponse(target, status_code=303)
    if found is None:
        return _not_found(request, viewer, period, key)
    _ = i18n.text(viewer.user.language)
    timeline = found["timeline"]
    traits = [
        {"name": name, "value": profiles.shown_value(value)}
        for name, value in sorted(found["person"]["traits"].items())
        if value is not None
    ]
    return page(
        request,
        "customers_profile.html",
        found,
        viewer=viewer,
        period=period,
        main_table="timeline.events",
        pager=_pager(request, timeline["page"], timeline["pages"]),
        channel_links={
            row["channel"]: _url(request, channel=row["channel"], page=None)
            for row in found["channels"]
        },
        all_channels_link=_url(request, channel=None, page=None),
        back_link=_url(request, "/customers", page=None, channel=None),
        traits=traits,
        chart=channel_chart(
            found["channels"],
            _("customers.events"),
            lambda name: i18n.labeller(viewer.user.language)("channel", name),
        ),
        timezone=state.workspace.config.timezone,
        ignores_range=True,
    )
