"""Static segments: lists of persons saved from an analysis (a funnel step's drop-off).

``POST /segments`` takes a name, a funnel page's query string and a step; the funnel is run
again on the server (``funnels.dropped_person_ids``) and its dropped persons stored with
``store/segments.py``. ``GET /segments`` lists them, ``GET /segments/{id}`` pages through the
members (each linking to their customer profile); each has a ``?format=json`` twin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from journeylens import profiles
from journeylens.store import segments
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui.auth import check_csrf
from journeylens.web.ui.pages.funnels import dropped_person_ids
from journeylens.web.ui.render import ViewerDep, page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
PERSON_COLUMNS = ("name", "email", "country", "last_seen_at")


def _not_found(error: segments.SegmentError) -> HTTPException:
    return HTTPException(404, {"code": "not_found", "message": str(error)})


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _people(state: ServerState, person_ids: list[int]) -> list[dict[str, Any]]:
    """The members' names and contacts, in the order given (a person merged away since the
    segment was saved has none)."""
    if not person_ids:
        return []
    with state.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, {', '.join(PERSON_COLUMNS)}, first_name, last_name FROM persons"
            " WHERE list_contains(?, person_id)",
            [person_ids],
        )
        columns = [d[0] for d in cursor.description]
        found = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    for row in found.values():
        given, family = row.pop("first_name"), row.pop("last_name")
        row["display_name"] = profiles.display_name(row["name"], given, family)
    return [found.get(p, {"person_id": p, **dict.fromkeys(PERSON_COLUMNS)}) for p in person_ids]


@router.get("/segments")
def segment_list(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    with state.cursor() as cursor:
        rows = segments.list_all(cursor)
    return page(request, "segments.html", {"segments": rows}, viewer=viewer)


@router.get("/segments/{segment_id}")
def segment_detail(
    segment_id: str, request: Request, state: StateDep, viewer: ViewerDep
) -> Response:
    number = _page_number(request.query_params.get("page"))
    with state.cursor() as cursor:
        try:
            segment = segments.get(cursor, segment_id)
            ids = segments.members(
                cursor, segment_id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
            )
        except segments.SegmentError as error:
            raise _not_found(error) from None
    pages = max(1, -(-segment["persons"] // PAGE_SIZE))
    data = {
        "segment": segment,
        "members": _people(state, ids),
        "page": number,
        "pages": pages,
        "page_size": PAGE_SIZE,
    }
    return page(request, "segment.html", data, viewer=viewer)


@router.post("/segments")
def save_segment(
    state: StateDep,
    viewer: ViewerDep,
    name: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    step: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A static segment of the persons who dropped at ``step`` of the funnel ``query``."""
    check_csrf(viewer, csrf_token)
    try:
        step_number = int(step)
    except ValueError:
        raise HTTPException(
            400, {"code": "invalid_segment", "message": "Say which funnel step (2, 3...)."}
        ) from None
    person_ids, source = dropped_person_ids(state, query, step_number)
    with state.cursor() as cursor:
        try:
            saved = segments.create_static(
                cursor, name, person_ids, source=source, created_by=viewer.user.name
            )
        except segments.SegmentError as error:
            raise HTTPException(400, {"code": "invalid_segment", "message": str(error)}) from None
    return RedirectResponse(f"/segments/{saved['segment_id']}", status_code=303)


@router.post("/segments/{segment_id}/delete")
def delete_segment(
    segment_id: str,
    state: StateDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf_token)
    with state.cursor() as cursor:
        try:
            segments.delete(cursor, segment_id)
        except segments.SegmentError as error:
            raise _not_found(error) from None
    return RedirectResponse("/segments", status_code=303)
