"""Dependencies, named once so a route's signature shows what it touches."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import duckdb
from fastapi import Depends, HTTPException, Request

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


def _require(request: Request, state: StateDep, allowed: tuple[str, ...], hint: str) -> str:
    """The key's kind, if it is one of ``allowed``; else a 401 saying which key is needed."""
    needed = ("an " if allowed[0] == "admin" else "a ") + " or ".join(allowed)
    key = key_from_headers(request)
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
    state.loader.wait_for(timeout=5.0)
    cursor = state.workspace.con.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


CursorDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
