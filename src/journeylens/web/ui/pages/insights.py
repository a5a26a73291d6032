"""Saved insights: a builder page's state under a name, opened, pinned to the overview, deleted.

Builder pages include ``templates/save_insight.html``, which posts the page's name and its
query string here; the insight opens as ``/<page>?<query>`` (``store/insights.py``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from journeylens.store import insights
from journeylens.web.deps import StateDep
from journeylens.web.ui.auth import check_csrf
from journeylens.web.ui.render import ViewerDep, page

router = APIRouter(include_in_schema=False)


def clean_query(text: str) -> str:
    """The query string without a leading ``?`` and without ``format`` (a page, not JSON)."""
    items = parse_qsl(text.strip().lstrip("?"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in items if k != "format"])


def _bad(message: str, status: int = 400) -> HTTPException:
    return HTTPException(status, {"code": "invalid_insight", "message": message})


@router.get("/insights")
def insight_list(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    with state.cursor() as cursor:
        rows = insights.list_all(cursor)
    for row in rows:
        row["url"] = f"/{row['analysis']}?{row['query']}"
    saved = request.query_params.get("saved")
    return page(
        request,
        "insights.html",
        {"insights": rows},
        viewer=viewer,
        saved=next((r for r in rows if r["insight_id"] == saved), None),
    )


@router.post("/insights")
def save_insight(
    state: StateDep,
    viewer: ViewerDep,
    name: Annotated[str, Form()] = "",
    analysis: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    pinned: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf_token)
    with state.cursor() as cursor:
        try:
            saved = insights.save(
                cursor,
                name,
                analysis,
                clean_query(query),
                created_by=viewer.user.name,
                pinned=pinned not in ("", "0", "false"),
            )
        except insights.InsightError as error:
            raise _bad(str(error)) from None
    return RedirectResponse(f"/insights?saved={saved['insight_id']}", status_code=303)


@router.post("/insights/{insight_id}/pin")
def pin_insight(
    insight_id: str,
    state: StateDep,
    viewer: ViewerDep,
    pinned: Annotated[str, Form()] = "1",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf_token)
    with state.cursor() as cursor:
        try:
            insights.set_pinned(cursor, insight_id, pinned not in ("", "0", "false"))
        except insights.InsightError as error:
            raise _bad(str(error), 404) from None
    return RedirectResponse("/insights", status_code=303)


@router.post("/insights/{insight_id}/delete")
def delete_insight(
    insight_id: str,
    state: StateDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf_token)
    with state.cursor() as cursor:
        try:
            insights.delete(cursor, insight_id)
        except insights.InsightError as error:
            raise _bad(str(error), 404) from None
    return RedirectResponse("/insights", status_code=303)
