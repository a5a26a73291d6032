"""Dependencies, named once so a route's signature shows what it touches."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import duckdb
from fastapi import Depends, HTTPException, Request

from journeylens.store import web_sessions as sessions
from journeylens.store.users import User
from journeylens.store.web_sessions import Session
from journeylens.web.state import ServerState


def get_state(request: Request) -> ServerState:
    return request.app.state.journeylens


StateDep = Annotated[ServerState, Depends(get_state)]


def key_from_headers(request: Request) -> str | None:
    """A key from ``Authorization: Basic base64(key:)`` or ``Authorization: Bearer key``."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer":
        return value or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return user or password or None
    return None


class AuthError(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(
            status_code=401,
            detail={"code": "unauthorized", "message": message},
            headers={"WWW-Authenticate": 'Basic realm="journeylens", charset="UTF-8"'},
        )


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def signed_in(request: Request, state: ServerState) -> tuple[User, Session] | None:
    """The web UI user signed in by the session cookie, if any (looked up once per request)."""
    if not hasattr(request.state, "signed_in"):
        found = None
        token = request.cookies.get(sessions.COOKIE)
        if token:
            with state.cursor() as cursor:
                session = sessions.find(cursor, token)
            user = state.users.get(session.user_name) if session else None
            found = (user, session) if user and session else None
        request.state.signed_in = found
    return request.state.signed_in


def _require(request: Request, state: StateDep, allowed: tuple[str, ...], hint: str) -> str:
    """The key's kind, if it is one of ``allowed``; else a 401 saying which key is needed.

    Without a key, a web UI session cookie stands for its user's rights (admin or read);
    a state-changing request signed in that way must carry the session's CSRF token.
    """
    needed = ("an " if allowed[0] == "admin" else "a ") + " or ".join(allowed)
    key = key_from_headers(request)
    if key is None and (user_session := signed_in(request, state)) is not None:
        user, session = user_session
        if request.method not in SAFE_METHODS and not session.csrf_ok(
            request.headers.get("x-csrf-token")
        ):
            raise HTTPException(
                403, {"code": "csrf", "message": "Missing or wrong X-CSRF-Token header."}
            )
        if user.key_kind not in allowed:
            raise AuthError(f"User {user.name} cannot use this route; it needs {needed} key.")
        return user.key_kind
    if key is None:
        raise AuthError(
            f"This route needs {needed} key: send "
            f"'Authorization: Bearer <key>' (create one with `journeylens keys create --kind {hint}`)."
        )
    kind = state.keys.kind_of(key)
    if kind is None:
        raise AuthError("Unknown or revoked key.")
    if kind not in allowed:
        if kind == "write":
            raise AuthError(f"Write keys can only send events; this route needs {needed} key.")
        raise AuthError(f"A {kind} key cannot use this route; it needs {needed} key.")
    return kind


def require_admin(request: Request, state: StateDep) -> str:
    return _require(request, state, ("admin",), "admin")


def require_reader(request: Request, state: StateDep) -> str:
    """Analyses and reads: a read key or an admin key."""
    return _require(request, state, ("read", "admin"), "read")


AdminKey = Annotated[str, Depends(require_admin)]
ReaderKey = Annotated[str, Depends(require_reader)]


def get_cursor(state: StateDep):  # type: ignore[no-untyped-def]
    """A cursor of its own for each request (DuckDB connections are not shared across threads).

    Reads see every event acknowledged before the request (the loader catches up first).
    """
    with state.cursor(caught_up=True) as cursor:
        yield cursor


CursorDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
