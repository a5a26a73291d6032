"""The keys page: every API key (never its secret), and for admins create and revoke.

Keys live in ``keys.json`` (``store/keys.py``), the same file ``journeylens keys`` edits.
A new key's secret is shown once: the create form posts, the server keeps the secret in
memory for the session that asked (a few minutes at most), redirects, and the next view of
the page takes it out and shows it. Only admins see the form; it creates write, read and
admin keys (an admin key can do everything a signed-in admin can through the API).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from journeylens.store.keys import ApiKey
from journeylens.web.deps import StateDep
from journeylens.web.ui.auth import check_csrf
from journeylens.web.ui.render import Viewer, ViewerDep, page

router = APIRouter(include_in_schema=False)
CREATABLE = ("write", "read", "admin")
MAX_NAME = 100
SHOW_FOR_SECONDS = 600.0


class OneTime:
    """Secrets waiting to be shown once, by session (in this process's memory only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[float, dict[str, Any]]] = {}

    def put(self, session: str, value: dict[str, Any]) -> None:
        with self._lock:
            now = time.monotonic()
            self._waiting = {
                k: v for k, v in self._waiting.items() if now - v[0] < SHOW_FOR_SECONDS
            }
            self._waiting[session] = (now, value)

    def take(self, session: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._waiting.pop(session, None)
        if found is None or time.monotonic() - found[0] >= SHOW_FOR_SECONDS:
            return None
        return found[1]


new_secrets = OneTime()


def require_admin(viewer: Viewer) -> None:
    if viewer.user.role != "admin":
        raise HTTPException(
            403,
            {
                "code": "forbidden",
                "message": f"Only an admin manages keys; {viewer.user.name} is a member.",
            },
        )


def shown(key: ApiKey) -> dict[str, Any]:
    """What a page may show of a key: everything but its hash."""
    return {k: v for k, v in asdict(key).items() if k != "sha256"}


@router.get("/data/keys")
def keys(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    listed = [{**shown(key), "active": key.active} for key in state.keys.list()]
    listed.sort(key=lambda k: k["created_at"], reverse=True)
    listed.sort(key=lambda k: not k["active"])  # active keys first, newest first
    can_manage = viewer.user.role == "admin"
    data = {
        "keys": listed,
        "can_manage": can_manage,
        "new_key": new_secrets.take(viewer.session.csrf_token) if can_manage else None,
    }
    return page(
        request, "data_keys.html", data, viewer=viewer, base_url=str(request.base_url).rstrip("/")
    )


@router.post("/data/keys")
def create_key(
    state: StateDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "write",
) -> Response:
    require_admin(viewer)
    check_csrf(viewer, csrf_token)
    name = " ".join(name.split())
    if kind not in CREATABLE or len(name) > MAX_NAME:
        raise HTTPException(
            400,
            {
                "code": "invalid_key",
                "message": f"A key is of kind write, read or admin (not {kind!r}), with a name"
                f" of at most {MAX_NAME} characters.",
            },
        )
    key, secret = state.keys.create(kind, name or f"created by {viewer.user.name}")
    new_secrets.put(viewer.session.csrf_token, {**shown(key), "secret": secret})
    return RedirectResponse("/data/keys", status_code=303)


@router.post("/data/keys/{key_id}/revoke")
def revoke_key(
    key_id: str,
    state: StateDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    require_admin(viewer)
    check_csrf(viewer, csrf_token)
    found = next((k for k in state.keys.list() if k.key_id == key_id), None)
    if found is None:
        raise HTTPException(404, {"code": "not_found", "message": f"There is no key {key_id!r}."})
    if found.active:
        state.keys.revoke(key_id)
    return RedirectResponse("/data/keys", status_code=303)
