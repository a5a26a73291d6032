"""The collector's contract for bad input (DESIGN decision 5).

Every bad request gets a 4xx with a stable ``code`` and a ``message`` a person can act
on, never a 5xx. In a batch, each bad event is listed as ``{index, code, message}`` and
kept in ``failed_events`` with its raw payload, while the good events are stored.

Expected codes and statuses come from reading the input against the rules
(ids, names, types, 32 KB per event, 500 KB per body, 64 levels of nesting,
timestamps in 1970–2200), not from running the server and pasting its answers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from journeylens.store.keys import KeyStore
from tests.conftest import Server, create_key

KEY = "$KEY"  # replaced by the module's write key when a body is sent
DROP = object()  # a field to leave out of a message

SEGMENT_ROUTES = [f"/v1/{name}" for name in ("track", "identify", "page", "screen", "group")]
POSTHOG_ROUTES = ["/batch/", "/capture/", "/e/", "/i/v0/e/", "/track/"]
ALL_ROUTES = [*SEGMENT_ROUTES, "/v1/alias", "/v1/batch", *POSTHOG_ROUTES]
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)
GZIP = (("Content-Encoding", "gzip"),)

# Text that must come back exactly as sent: scripts, right-to-left marks and
# overrides, emoji sequences (ZWJ, flags, skin tones) and decomposed accents.
UNICODE_TEXTS = {
    "chinese": "我们的客户喜欢这款手机，价格¥4999",
    "hebrew": "שלום עולם, ההזמנה הושלמה",
    "arabic": "مرحبا بالعالم",
    "rtl_marks": "order \u202eevil.exe\u202c and \u200fRLM\u200e LRM",
    "emoji": "📱✨🇮🇱👩‍👩‍👧👍🏽",
    "decomposed": "Zoe\u0308 cafe\u0301",  # must not be normalised to NFC
    "composed": "Zoë café",
}


# ---- the server ------------------------------------------------------------------------
@dataclass
class Env:
    server: Server
    client: httpx.Client
    write: str
    admin: str
    revoked: str
    read: str

    def post(
        self,
        route: str,
        body: bytes,
        *,
        auth: str = "basic",
        headers: tuple[tuple[str, str], ...] = (),
        chunked: bool = False,
    ) -> httpx.Response:
        body = body.replace(KEY.encode(), self.write.encode())
        sent: dict[str, str] = {"Content-Type": "application/json"}
        sent.update(_auth_header(auth, self))
        sent.update(headers)
        content: Any = body
        if chunked:  # no Content-Length: the limit must hold while streaming
            content = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
        return self.client.post(route, content=content, headers=sent)

    def admin_get(self, path: str) -> dict[str, Any]:
        response = self.client.get(path, headers={"Authorization": f"Bearer {self.admin}"})
        assert response.status_code == 200, response.text
        return response.json()

    def events_by_id(self) -> dict[str, dict[str, Any]]:
        events = self.admin_get("/api/events?limit=1000")["events"]
        return {event["message_id"]: event for event in events}

    def failed_events(self) -> list[dict[str, Any]]:
        return self.admin_get("/api/failed-events?limit=1000")["failed_events"]


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def _auth_header(auth: str, env: Env) -> dict[str, str]:
    return {
        "basic": {"Authorization": _basic(env.write)},
        "none": {},
        "unknown": {"Authorization": _basic("jlw_not-a-key-we-ever-issued")},
        "revoked": {"Authorization": _basic(env.revoked)},
        "garbage": {"Authorization": "Basic !!not-base64!!"},
        "empty-bearer": {"Authorization": "Bearer"},
        "other-scheme": {"Authorization": f"Digest {env.write}"},
    }[auth]


@pytest.fixture(scope="module", name="env")
def env_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    workspace = tmp_path_factory.mktemp("bad-inputs") / "ws"
    write, admin = create_key(workspace, "write"), create_key(workspace, "admin")
    read = create_key(workspace, "read")
    store = KeyStore(workspace)
    revoked_key, revoked = store.create("write", "revoked before the server starts")
    store.revoke(revoked_key.key_id)
    server = Server(workspace).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield Env(server, client, write, admin, revoked, read)
    finally:
        server.stop()


# ---- building bodies ---------------------------------------------------------------------
def js(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def without_dropped(message: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in message.items() if value is not DROP}


def seg(**fields: Any) -> dict[str, Any]:
    """A valid Segment track call, changed by ``fields`` (``DROP`` removes one)."""
    return without_dropped(
        {"userId": "u-corpus", "event": "Corpus Event", "properties": {"k": 1}, **fields}
    )


def ph(**fields: Any) -> dict[str, Any]:
    """A valid PostHog event, changed by ``fields``."""
    return without_dropped(
        {"event": "corpus_event", "distinct_id": "d-corpus", "properties": {"k": 1}, **fields}
    )


def ph_batch(*events: Any, **envelope: Any) -> bytes:
    return js({"api_key": KEY, "batch": list(events), **envelope})


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value
