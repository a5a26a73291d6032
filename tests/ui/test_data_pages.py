"""The data pages over HTTP (issue 5 item 5): live events, failed events, plan violations,
imports and keys, against a real server.

Known data comes from small hand-written batches sent through the collector; the fresh
workspace (``fresh``) is one where nothing happened yet, for the empty states, a tracking
plan and an import (imports need the server stopped, which is also where a stream open
during shutdown is tested).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, cli, create_key
from tests.ui.conftest import ADMIN, MEMBER, create_user, form_token, signed_in


def send(url: str, key: str, *messages: dict) -> httpx.Response:
    return httpx.post(url + "/v1/batch", json={"batch": list(messages)}, auth=(key, ""), timeout=30)


def fresh_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def admin(shop) -> Iterator[httpx.Client]:
    # conftest's admin/member fixtures re-enter an already used httpx client (an error).
    client = signed_in(shop, ADMIN)
    yield client
    client.close()


@pytest.fixture
def member(shop) -> Iterator[httpx.Client]:
    client = signed_in(shop, MEMBER)
    yield client
    client.close()


@pytest.fixture(scope="module")
def write_key(shop) -> str:
    return create_key(shop.workspace, "write")


# ---- failed events -------------------------------------------------------------------
def test_a_bad_event_sent_through_the_collector_shows_with_its_reason(shop, admin, write_key):
    good, bad, user = fresh_id("good"), fresh_id("bad"), fresh_id("failing-user")
    answer = send(
        shop.url,
        write_key,
        {"type": "track", "event": "Product Viewed", "userId": user, "messageId": good},
        {"type": "track", "event": "", "userId": user, "messageId": bad},
    )
    # The valid event is stored, the one without a name is refused at index 1
    # (docs/architecture.md decision 5).
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert [(r["index"], r["code"]) for r in answer.json()["rejected"]] == [(1, "missing_event")]

    data = admin.get("/data/failed", params={"format": "json"}).json()
    newest = data["failed_events"][0]  # newest first: ours was the last one refused
    assert newest["message_id"] == bad
    assert (newest["code"], newest["source"], newest["route"], newest["batch_index"]) == (
        "missing_event",
        "segment",
        "/v1/batch",
        1,
    )
    assert "non-empty 'event' name" in newest["message"]
    assert user in newest["raw"] and json.loads(newest["raw"])["messageId"] == bad
    assert data["page"] == 1 and data["total"] >= 1

    html = admin.get("/data/failed")
    assert html.status_code == 200
    assert "A track call needs a non-empty &#39;event&#39; name." in html.text
    row = html.text[html.text.index(f"messageId {bad}") - 2000 :]
    assert 'data-code="missing_event"' in row and "<details>" in row


def test_the_failed_events_page_pages_newest_first_and_refuses_a_bad_page_number(
    shop, admin, write_key
):
    # 51 more refusals than before: the total grows by 51 and there are at least two pages.
    before = admin.get("/data/failed", params={"format": "json"}).json()["total"]
    user = fresh_id("pager")
    answer = send(
        shop.url, write_key, *({"type": "track", "userId": user, "event": ""} for _ in range(51))
    )
    assert answer.status_code == 400  # nothing in the batch was valid
    first = admin.get("/data/failed", params={"format": "json"}).json()
    assert first["total"] == before + 51 and first["pages"] >= 2
    assert len(first["failed_events"]) == 50
    second = admin.get("/data/failed", params={"format": "json", "page": 2}).json()
    assert second["page"] == 2
    # One batch shares one received_at; within it the page keeps the batch order.
    ours = [r["batch_index"] for r in first["failed_events"] + second["failed_events"]]
    assert ours[:51] == list(range(51))
    last = admin.get("/data/failed", params={"format": "json", "page": 10_000}).json()
    assert last["page"] == last["pages"]

    bad = admin.get("/data/failed", params={"page": "two"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text and "“two”" in bad.text
    assert admin.get("/data/failed", params={"page": "0", "format": "json"}).status_code == 400


# ---- live events -----------------------------------------------------------------------
def test_the_live_page_shows_the_newest_events_and_counts_per_minute(shop, admin, write_key):
    before = admin.get("/data/live", params={"format": "json"}).json()
    user = fresh_id("live-user")
    events = [
        {"type": "track", "event": name, "userId": user, "messageId": fresh_id("live")}
        for name in ("Product Viewed", "Product Added", "Order Completed")
    ]
    assert send(shop.url, write_key, *events).status_code == 200
    after = admin.get("/data/live", params={"format": "json"}).json()
    # The three are the newest: one batch, one received_at, ordered by message id descending.
    newest = after["events"][:3]
    assert sorted(e["message_id"] for e in newest) == sorted(e["messageId"] for e in events)
    assert {e["user_id"] for e in newest} == {user} and len(after["events"]) <= 50
    assert after["stream"].startswith("/data/live/stream?since=")
    assert len(after["per_minute"]) == 30
    if before["per_minute"][0]["minute"] == after["per_minute"][0]["minute"]:  # same window
        total = sum(m["events"] for m in after["per_minute"])
        assert total - sum(m["events"] for m in before["per_minute"]) == 3

    html = admin.get("/data/live").text
    assert 'data-live-stream="/data/live/stream?since=' in html
    assert f'data-id="{newest[0]["message_id"]}"' in html
    assert html.count('class="minute"') == 30


def read_events(lines: Iterator[str], wanted: str, seconds: float) -> list[dict]:
    """The stream's messages until one carries ``wanted`` (a message id)."""
    deadline = time.monotonic() + seconds
    found: list[dict] = []
    kind = "message"
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            found.append({"kind": kind, **json.loads(line.removeprefix("data: "))})
            kind = "message"
            if found[-1].get("message_id") == wanted:
                return found
        assert time.monotonic() < deadline, f"{wanted} did not arrive; got {found}"
    raise AssertionError(f"the stream ended before {wanted} arrived")


def test_the_stream_delivers_an_event_sent_after_it_opened(shop, admin, write_key):
    user, message_id = fresh_id("streamed-user"), fresh_id("streamed")
    timeout = httpx.Timeout(60, read=120)
    with admin.stream(
        "GET", "/data/live/stream", headers={"Accept": "text/event-stream"}, timeout=timeout
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 3000"  # the stream is open: what follows is news
        answer = send(
            shop.url,
            write_key,
            {"type": "track", "event": "Signed Up", "userId": user, "messageId": message_id},
        )
        assert answer.status_code == 200
        got = read_events(lines, message_id, seconds=120)
    ours = got[-1]
    assert (ours["event"], ours["user_id"], ours["type"]) == ("Signed Up", user, "track")
    # Only what arrived after the stream opened: nothing from the demo before it.
    assert all(m["kind"] == "counts" or m["user_id"] == user for m in got)
    counts = [m for m in got if m["kind"] == "counts"]
    assert counts and len(counts[0]["per_minute"]) == 30


def test_the_stream_resumes_after_the_last_event_id(shop, admin, write_key):
    user = fresh_id("resumed-user")
    first, second = fresh_id("first"), fresh_id("second")
    send(shop.url, write_key, {"type": "track", "event": "A", "userId": user, "messageId": first})
    # A later batch gets a later received_at than the first.
    time.sleep(0.01)
    send(shop.url, write_key, {"type": "track", "event": "B", "userId": user, "messageId": second})
    events = admin.get("/data/live", params={"format": "json"}).json()["events"]
    by_id = {e["message_id"]: e for e in events}
    assert by_id[first]["received_at"] < by_id[second]["received_at"]
    with admin.stream(
        "GET",
        "/data/live/stream",
        headers={"Accept": "text/event-stream", "Last-Event-ID": by_id[first]["received_at"]},
        timeout=httpx.Timeout(60, read=120),
    ) as stream:
        got = read_events(stream.iter_lines(), second, seconds=120)
    assert first not in {m.get("message_id") for m in got}


def test_the_stream_and_the_pages_refuse_anonymous_visitors(shop):
    with httpx.Client(base_url=shop.url, timeout=30) as client:
        assert (
            client.get("/data/live/stream", headers={"Accept": "text/event-stream"}).status_code
            == 401
        )
        for path in (
            "/data/live",
            "/data/failed",
            "/data/violations",
            "/data/imports",
            "/data/keys",
        ):
            answer = client.get(path, headers={"Accept": "text/html"})
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/signin?next=%2Fdata%2F"), path
        assert client.post("/data/keys", data={"name": "x"}).status_code == 401


# ---- keys ------------------------------------------------------------------------------
SECRET = re.compile(r'<pre class="snippet secret" data-key-id="(\w+)">(jl[wra]_[\w-]+)</pre>')


def test_an_admin_creates_a_write_key_sees_it_once_and_revokes_it(shop, admin):
    page = admin.get("/data/keys")
    assert page.status_code == 200 and 'action="/data/keys"' in page.text
    name = fresh_id("Webshop ✓")
    created = admin.post(
        "/data/keys", data={"csrf_token": form_token(page.text), "name": name, "kind": "write"}
    )
    assert created.status_code == 303 and created.headers["location"] == "/data/keys"

    shown = admin.get("/data/keys")
    key_id, secret = SECRET.search(shown.text).groups()
    again = admin.get("/data/keys")
    assert secret not in again.text and "snippet secret" not in again.text  # shown once

    listed = {k["key_id"]: k for k in admin.get("/data/keys?format=json").json()["keys"]}
    assert listed[key_id]["name"] == name and listed[key_id]["kind"] == "write"
    assert listed[key_id]["active"] is True and listed[key_id]["revoked_at"] is None
    assert all("sha256" not in k and "secret" not in k for k in listed.values())

    # The new key works at once, and stops working once revoked.
    event = {"type": "track", "event": "Key Tested", "userId": fresh_id("key-user")}
    assert send(shop.url, secret, event).status_code == 200
    token = form_token(again.text)
    assert admin.post(f"/data/keys/{key_id}/revoke", data={}).status_code == 403  # no token
    revoked = admin.post(f"/data/keys/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert send(shop.url, secret, event).status_code == 401
    listed = {k["key_id"]: k for k in admin.get("/data/keys?format=json").json()["keys"]}
    assert listed[key_id]["active"] is False and listed[key_id]["revoked_at"]
    assert admin.post("/data/keys/nosuchkey/revoke", data={"csrf_token": token}).status_code == 404
    odd = admin.post("/data/keys", data={"csrf_token": token, "name": "x", "kind": "root"})
    assert odd.status_code == 400


def test_an_admin_key_created_on_the_page_opens_what_needs_an_admin(shop, admin):
    page = admin.get("/data/keys")
    name = fresh_id("Deploy bot")
    created = admin.post(
        "/data/keys", data={"csrf_token": form_token(page.text), "name": name, "kind": "admin"}
    )
    assert created.status_code == 303
    key_id, secret = SECRET.search(admin.get("/data/keys").text).groups()
    assert secret.startswith("jla_")
    listed = {k["key_id"]: k for k in admin.get("/data/keys?format=json").json()["keys"]}
    assert (listed[key_id]["name"], listed[key_id]["kind"]) == (name, "admin")
    # The OpenAPI spec needs an admin key: the new one opens it, a read key is refused.
    spec = httpx.get(shop.url + "/openapi.json", headers={"Authorization": f"Bearer {secret}"})
    assert spec.status_code == 200 and "paths" in spec.json()
    read = httpx.get(
        shop.url + "/openapi.json", headers={"Authorization": f"Bearer {shop.read_key}"}
    )
    assert read.status_code == 401 and "needs an admin key" in read.text


def test_a_member_sees_the_keys_without_secrets_and_cannot_change_them(shop, member):
    page = member.get("/data/keys")
    assert page.status_code == 200
    assert "Only an admin creates and revokes keys" in page.text
    assert 'action="/data/keys"' not in page.text and "/revoke" not in page.text
    data = member.get("/data/keys?format=json").json()
    assert data["can_manage"] is False and data["new_key"] is None and data["keys"]
    key_id = next(k["key_id"] for k in data["keys"] if k["active"])
    token = form_token(page.text)  # the sign-out form's: a valid token for this session
    assert member.post("/data/keys", data={"csrf_token": token, "name": "m"}).status_code == 403
    refused = member.post(f"/data/keys/{key_id}/revoke", data={"csrf_token": token})
    assert refused.status_code == 403
    still = {k["key_id"]: k for k in member.get("/data/keys?format=json").json()["keys"]}
    assert still[key_id]["active"] is True
    assert len(still) == len(data["keys"])


# ---- a fresh workspace: empty states, a tracking plan, an import, shutdown ----------------
@dataclass
class Fresh:
    server: Server
    workspace: Path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    workspace = tmp_path_factory.mktemp("fresh") / "ws"
    for (name, password), role in ((ADMIN, "admin"), (MEMBER, "member")):
        done = create_user(workspace, name, password, "--role", role)
        assert done.returncode == 0, done.stderr
    server = Server(workspace).start(timeout=60)
    try:
        yield Fresh(server, workspace)
    finally:
        server.stop()


def test_empty_pages_say_what_to_do(fresh):
    client = signed_in(fresh.server, ADMIN)  # type: ignore[arg-type]
    live = client.get("/data/live")
    assert live.status_code == 200 and "No events yet" in live.text
    assert f"{fresh.server.url}/v1/track</pre>" in live.text and "curl -u WRITE_KEY:" in live.text
    assert client.get("/data/live?format=json").json()["events"] == []
    for path, says in (
        ("/data/failed", "No failed events"),
        ("/data/violations", "journeylens plan apply"),
        ("/data/imports", "journeylens import orders orders.csv"),
    ):
        answer = client.get(path)
        assert answer.status_code == 200 and says in answer.text, path
        assert client.get(path, params={"format": "json"}).json()["total"] == 0
    # The first serve made one write key, so a new server can collect at once.
    keys = client.get("/data/keys?format=json").json()["keys"]
    assert [(k["kind"], k["active"]) for k in keys] == [("write", True)]


def test_events_that_break_the_tracking_plan_are_listed(fresh):
    (fresh.workspace / "plan.yaml").write_text(
        "mode: flag\n"
        "events:\n"
        "  Order Completed:\n"
        "    properties:\n"
        "      type: object\n"
        "      required: [order_id]\n",
        encoding="utf-8",
    )
    key = create_key(fresh.workspace, "write")
    user, broken = fresh_id("planned"), fresh_id("no-order-id")
    answer = send(
        fresh.server.url,
        key,
        {"type": "track", "event": "Order Completed", "userId": user, "messageId": broken},
        {
            "type": "track",
            "event": "Order Completed",
            "userId": user,
            "properties": {"order_id": "o1"},
        },
    )
    assert answer.status_code == 200 and answer.json()["accepted"] == 2  # flag mode keeps both
    client = signed_in(fresh.server, MEMBER)  # type: ignore[arg-type]
    data = client.get("/data/violations?format=json").json()
    assert data["total"] == 1
    (violation,) = data["plan_violations"]
    assert (violation["message_id"], violation["event"], violation["mode"]) == (
        broken,
        "Order Completed",
        "flag",
    )
    assert "order_id" in violation["message"]
    html = client.get("/data/violations").text
    assert broken in html and "Order Completed" in html


def test_stopping_the_server_with_a_stream_open_is_quick_and_imports_are_listed(fresh, tmp_path):
    client = signed_in(fresh.server, ADMIN)  # type: ignore[arg-type]
    with client.stream(
        "GET", "/data/live/stream", headers={"Accept": "text/event-stream"}, timeout=30
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 3000"
        started = time.monotonic()
        fresh.server.stop()  # SIGTERM, as a service manager stops it
        stopped_in = time.monotonic() - started
        rest = list(lines)  # the stream ends cleanly, not with a reset
    assert stopped_in < 5, f"shutdown took {stopped_in:.1f} s with a stream open"
    assert all(not line.startswith("data: ") or "per_minute" in line for line in rest)

    # Imports need the server stopped: 3 rows, one without an event name.
    file = tmp_path / "signups.csv"
    file.write_text(
        "user_id,event,timestamp\n"
        "u1,Signed Up,2026-01-05 10:00:00\n"
        "u2,Signed Up,2026-01-05 11:00:00\n"
        "u3,,2026-01-05 12:00:00\n",
        encoding="utf-8",
    )
    cli("import", "events", str(file), "--workspace", str(fresh.workspace), "--json")
    fresh.server.start(timeout=60)
    client = signed_in(fresh.server, MEMBER)  # type: ignore[arg-type]
    data = client.get("/data/imports?format=json").json()
    assert data["total"] == 1
    (done,) = data["imports"]
    assert (
        done["kind"],
        done["status"],
        done["rows_read"],
        done["imported"],
        done["rejected"],
    ) == (
        "events",
        "done",
        3,
        2,
        1,
    )
    assert done["path"].endswith("signups.csv")
    html = client.get("/data/imports").text
    assert "signups.csv" in html and 'data-import="' in html
