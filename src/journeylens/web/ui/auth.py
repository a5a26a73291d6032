"""Sign in, sign out and the language switch.

The sign-in form has its own CSRF token (a random value in a short-lived cookie, repeated in
the form), so another site cannot sign a visitor in to an account of its choosing; every
form after sign-in carries the session's token (``check_csrf``).
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from journeylens.store import web_sessions as sessions
from journeylens.store.users import LANGUAGES, UserError
from journeylens.web.deps import StateDep, signed_in
from journeylens.web.ui.render import Viewer, ViewerDep, page

router = APIRouter(include_in_schema=False)
SIGNIN_COOKIE = "jl_signin"


def safe_next(target: str | None) -> str:
    """Only a path on this server (``/funnel?...``), never another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parsed = urlparse(target)
    return "/" if parsed.scheme or parsed.netloc else target


def check_csrf(viewer: Viewer, sent: str | None) -> None:
    if not viewer.session.csrf_ok(sent):
        raise HTTPException(
            403,
            {"code": "csrf", "message": "This form has expired; reload the page and try again."},
        )


def _cookie_options(request: Request) -> dict:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
        "path": "/",
    }


def _signin_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(16)
    response = page(
        request,
        "signin.html",
        {"signed_in": False},
        viewer=None,
        next_url=next_url,
        error=error,
        signin_token=token,
        status_code=status,
    )
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@router.get("/signin")
def signin_form(request: Request, state: StateDep, next: str = "/") -> Response:
    if signed_in(request, state):
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_page(request, safe_next(next))


@router.post("/signin")
def signin(
    request: Request,
    state: StateDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _signin_page(request, safe_next(next), "signin.expired", 403)
    user = state.users.verify(name.strip(), password)
    if user is None:
        return _signin_page(request, safe_next(next), "signin.wrong", 401)
    with state.cursor() as cursor:
        token, _ = sessions.start(cursor, user.name)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        **_cookie_options(request),
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(
    request: Request, state: StateDep, viewer: ViewerDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(viewer, csrf_token)
    with state.cursor() as cursor:
        sessions.end(cursor, request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.post("/language")
def set_language(
    state: StateDep,
    viewer: ViewerDep,
    language: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(viewer, csrf_token)
    if language not in LANGUAGES:
        raise HTTPException(
            400, {"code": "invalid_language", "message": f"Use one of {LANGUAGES}."}
        )
    try:
        state.users.set_language(viewer.user.name, language)
    except UserError as error:
        raise HTTPException(400, {"code": "invalid_language", "message": str(error)}) from None
    return RedirectResponse(safe_next(next), status_code=303)
