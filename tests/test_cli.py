"""The command-line contract that scripts and later checks rely on."""

from __future__ import annotations

import json

import httpx
import pytest

import journeylens
from journeylens.workspace import WorkspaceInUseError
from tests.conftest import Server, cli, create_key


def test_init_is_idempotent_and_status_reports_an_empty_workspace(tmp_path):
    ws = tmp_path / "shop"
    assert cli("init", "--workspace", str(ws)).returncode == 0
    assert (ws / "journeylens.duckdb").exists() and (ws / "config.toml").exists()
    assert cli("init", "--workspace", str(ws)).returncode == 0
    data = json.loads(cli("status", "--workspace", str(ws), "--json").stdout)
    assert {"events", "persons", "identities", "failed_events"} <= set(data["tables"])
    assert set(data["tables"].values()) == {0}
    assert data["time_range"] == {"first": None, "last": None}


def test_workspace_from_the_environment(tmp_path):
    ws = tmp_path / "from-env"
    cli("init", env={"JOURNEYLENS_WORKSPACE": str(ws)})
    assert (ws / "journeylens.duckdb").exists()


def test_keys_create_prints_the_key_alone_on_the_last_line(tmp_path):
    ws = tmp_path / "ws"
    write = cli("keys", "create", "--kind", "write", "--workspace", str(ws))
    admin = cli("keys", "create", "--kind", "admin", "--workspace", str(ws))
    assert write.stdout.splitlines()[-1].startswith("jlw_")
    assert admin.stdout.splitlines()[-1].startswith("jla_")
    read = cli("keys", "create", "--kind", "read", "--workspace", str(ws))
    assert read.stdout.splitlines()[-1].startswith("jlr_")
    stored = (ws / "keys.json").read_text()
    assert write.stdout.strip() not in stored  # only hashes are stored
    bad = cli("keys", "create", "--kind", "root", "--workspace", str(ws), check=False)
    assert bad.returncode != 0 and "write, read, admin" in bad.stderr


def test_status_of_a_missing_workspace_says_how_to_create_it(tmp_path):
    result = cli("status", "--workspace", str(tmp_path / "nope"), check=False)
    assert result.returncode == 1
    assert "journeylens init" in result.stderr


def test_server_owns_the_workspace_then_hands_it_back(server, keys):
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    sent = httpx.post(
        f"{server.url}/v1/track",
        json={"userId": "amy", "event": "Order Completed", "properties": {"revenue": 10}},
        auth=(keys["write"], ""),
    )
    assert sent.status_code == 200 and sent.json()["accepted"] == 1
    # While it runs, opening the file directly names the server instead of a lock error...
    with pytest.raises(WorkspaceInUseError, match=server.url):
        journeylens.open(server.workspace)
    # ...the status command asks the server...
    status = json.loads(cli("status", "--workspace", str(server.workspace), "--json").stdout)
    assert status["tables"]["events"] == 1
    assert status["events_by_name"] == [{"event": "Order Completed", "count": 1}]
    # ...and a second server on the same workspace is refused.
    second = cli("serve", "--workspace", str(server.workspace), "--port", "1", check=False)
    assert second.returncode == 1 and "already serves" in second.stderr
    assert httpx.get(f"{server.url}/api/status", headers=headers).json()["tables"]["events"] == 1
    server.stop()
    with journeylens.open(server.workspace) as ws:
        row = ws.events.select("user_id", "event", "revenue").to_pandas().iloc[0].to_dict()
    assert row == {"user_id": "amy", "event": "Order Completed", "revenue": 10.0}


def test_admin_routes_need_an_admin_key(server, keys):
    url = f"{server.url}/api/status"
    assert httpx.get(url).status_code == 401
    as_writer = httpx.get(url, headers={"Authorization": f"Bearer {keys['write']}"})
    assert as_writer.status_code == 401 and "Write keys can only" in as_writer.json()["message"]
    assert httpx.get(url, auth=(keys["admin"], "")).status_code == 200
    assert httpx.get(f"{server.url}/openapi.json").status_code == 401


def test_revoked_keys_stop_working_on_a_running_server(server, keys):
    extra = create_key(server.workspace, "write")
    body = {"anonymousId": "a1", "event": "Viewed"}
    assert httpx.post(f"{server.url}/v1/track", json=body, auth=(extra, "")).status_code == 200
    key_id = json.loads((server.workspace / "keys.json").read_text())["keys"][-1]["key_id"]
    cli("keys", "revoke", key_id, "--workspace", str(server.workspace))
    refused = httpx.post(f"{server.url}/v1/track", json=body, auth=(extra, ""))
    assert refused.status_code == 401 and refused.json()["message"]


def test_openapi_describes_every_collector_route(server, keys):
    spec = httpx.get(f"{server.url}/openapi.json", auth=(keys["admin"], "")).json()
    paths = set(spec["paths"])
    for route in ("track", "identify", "page", "screen", "group", "alias", "batch"):
        assert f"/v1/{route}" in paths
    for route in ("/batch/", "/capture/", "/e/", "/i/v0/e/", "/api/status"):
        assert route in paths
    track = spec["paths"]["/v1/track"]["post"]
    assert "requestBody" in track and {"200", "400", "401", "413", "503"} <= set(track["responses"])


def test_serve_creates_a_workspace_and_a_first_write_key(tmp_path):
    server = Server(tmp_path / "new").start()
    try:
        log = server.log.read_text()
        key = next(word.strip("'") for word in log.split() if word.strip("'").startswith("jlw_"))
        response = httpx.post(
            f"{server.url}/v1/track", json={"userId": "x1", "event": "Hello"}, auth=(key, "")
        )
        assert response.status_code == 200
        assert "curl" in log
    finally:
        server.stop()
