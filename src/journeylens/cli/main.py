"""``journeylens`` — init, serve, status, keys, users.

Every command takes ``--workspace DIR`` (or ``JOURNEYLENS_WORKSPACE``); output meant
for scripts is stable: ``keys create`` prints the new key alone on its last line.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeylens.cli.options import DEFAULT_WS, App, WorkspaceOpt, console, err, fail
from journeylens.config import get_settings
from journeylens.store.keys import KINDS, KeyStore
from journeylens.store.users import UserStore
from journeylens.workspace import (
    SERVER_FILE,
    Workspace,
    WorkspaceInUseError,
    WorkspaceNotFoundError,
    read_server_file,
)

app = App(
    name="journeylens",
    help="Self-hosted customer behavior analytics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
keys_app = App(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

from journeylens.cli import analyses, demo, importing, plans  # noqa: E402 - need the app above
from journeylens.cli.users import users_app  # noqa: E402

app.command("import")(importing.import_command)
app.add_typer(plans.plan_app, name="plan")
app.add_typer(users_app, name="users")
app.command("demo")(demo.demo_command)
analyses.register(app)


@app.command()
def init(workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Create a workspace (idempotent: an existing one is upgraded, never emptied)."""
    try:
        with Workspace.init(workspace) as ws:
            status = ws.status()
    except WorkspaceInUseError as error:
        raise fail(str(error)) from None
    console.print(f"Workspace ready at [bold]{workspace}[/] ({status['tables']['events']} events).")


@app.command()
def status(
    workspace: WorkspaceOpt = DEFAULT_WS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Table counts, the most common event names and the time range."""
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            data = ws.status()
    except WorkspaceNotFoundError as error:
        raise fail(str(error)) from None
    except WorkspaceInUseError as error:
        data = _status_from_server(workspace, error)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_status(data)


def _status_from_server(workspace: Path, error: WorkspaceInUseError) -> dict:
    """While a server owns the file, ask it (with its local admin token)."""
    import urllib.error
    import urllib.request

    info = error.server
    if not info or not info.get("local_token"):
        raise fail(str(error)) from None
    url = f"http://{info['host']}:{info['port']}"
    request = urllib.request.Request(
        f"{url}/api/status", headers={"Authorization": f"Bearer {info['local_token']}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as http_error:
        raise fail(f"{error} Asking it failed: {http_error}") from None
    return data | {"path": str(workspace), "served_by": url}


def _print_status(data: dict) -> None:
    console.print(f"[bold]Workspace[/] {data.get('path', '')}")
    if data.get("served_by"):
        console.print(f"(read from the running server at {data['served_by']})")
    tables = Table("table", "rows", title="Tables")
    for name, count in data["tables"].items():
        tables.add_row(name, f"{count:,}")
    console.print(tables)
    span = data["time_range"]
    console.print(
        f"Events from [bold]{span['first'] or '—'}[/] to [bold]{span['last'] or '—'}[/] (UTC)"
    )
    names = Table("event", "count", title="Events by name")
    for item in data["events_by_name"]:
        names.add_row(item["event"], f"{item['count']:,}")
    console.print(names)


# ---- keys --------------------------------------------------------------------------------
@keys_app.command("create")
def keys_create(
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="write (send events only), read (reads and analyses) or admin (everything).",
        ),
    ] = "write",
    name: Annotated[str, typer.Option("--name", help="A label to recognise the key by.")] = "",
    workspace: WorkspaceOpt = DEFAULT_WS,
) -> None:
    """Create a key; the key itself is printed alone on the last line, once."""
    if kind not in KINDS:
        raise fail(f"--kind must be one of: {', '.join(KINDS)} (got {kind!r}).")
    workspace.mkdir(parents=True, exist_ok=True)
    key, secret = KeyStore(workspace).create(kind, name)
    err.print(
        f"Created {kind} key {key.key_id}{f' ({name})' if name else ''}. Store it now: it is not shown again."
    )
    print(secret)


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """List keys (ids and kinds; the secrets are not stored)."""
    table = Table("id", "kind", "name", "created", "revoked")
    for key in KeyStore(workspace).list():
        table.add_row(key.key_id, key.kind, key.name, key.created_at, key.revoked_at or "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Revoke a key by id; a running server stops accepting it at once."""
    try:
        KeyStore(workspace).revoke(key_id)
    except KeyError as error:
        raise fail(str(error.args[0])) from None
    console.print(f"Revoked key {key_id}.")


# ---- serve -------------------------------------------------------------------------------
@app.command()
def serve(
    workspace: WorkspaceOpt = DEFAULT_WS,
    host: Annotated[
        str, typer.Option(envvar="JOURNEYLENS_HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="JOURNEYLENS_PORT", help="Port to listen on.")] = 8750,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the collector and JSON API (creates the workspace if needed)."""
    run_server(workspace, host, port, log_level)


def run_server(workspace: Path, host: str, port: int, log_level: str = "warning") -> None:
    """Own the workspace and serve it until Ctrl+C (shared by ``serve`` and ``demo``)."""
    import uvicorn

    from journeylens.web.app import create_app

    running = read_server_file(workspace)
    if running:
        raise fail(
            f"A journeylens server (pid {running['pid']}) already serves {workspace} "
            f"at http://{running['host']}:{running['port']}."
        )
    try:
        Workspace.init(workspace).close()
    except WorkspaceInUseError as error:
        raise fail(str(error)) from None
    store = KeyStore(workspace)
    first_key = None
    if not any(k.kind == "write" and k.active for k in store.list()):
        _, first_key = store.create("write", "created by the first serve")
    first_user = None
    users = UserStore(workspace)
    if not users.list():
        # Like the first write key: someone must be able to sign in to the web UI at once.
        first_user = ("admin", secrets.token_urlsafe(12))
        users.create(*first_user, role="admin")
    local_token = "jla_local_" + secrets.token_urlsafe(24)
    server_file = workspace / SERVER_FILE
    _write_private(
        server_file, {"pid": os.getpid(), "host": host, "port": port, "local_token": local_token}
    )
    _print_welcome(host, port, workspace, first_key, first_user)
    try:
        uvicorn.run(
            create_app(
                workspace,
                local_token=local_token,
                max_journal_lag_mb=get_settings().max_journal_lag_mb,
            ),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            # A stop waits for open requests this long at most (a live page's event stream
            # ends by itself; this is the backstop), then the writer drains as always.
            timeout_graceful_shutdown=10,
        )
    finally:
        server_file.unlink(missing_ok=True)


def _write_private(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.replace(tmp, path)


def _print_welcome(
    host: str,
    port: int,
    workspace: Path,
    first_key: str | None,
    first_user: tuple[str, str] | None = None,
) -> None:
    url = f"http://{host}:{port}"
    key = first_key or "<your write key>"
    console.print(
        f"[bold green]journeylens[/] collecting at [bold]{url}[/] into workspace [bold]{workspace}[/]"
    )
    if first_user:
        console.print(
            f"Web UI: open [bold]{url}[/] and sign in as [bold]{first_user[0]}[/] with the password "
            f"[bold]{first_user[1]}[/] (shown once; `journeylens users password admin` changes it).",
            soft_wrap=True,
        )
    else:
        console.print(f"Web UI: open [bold]{url}[/] and sign in.")
    if first_key:
        console.print(
            f"A write key was created for you (shown once): [bold]{first_key}[/]", soft_wrap=True
        )
    else:
        console.print(
            "Use one of your write keys (`journeylens keys create --kind write` makes a new one)."
        )
    console.print("\nSend a first event with curl:", highlight=False)
    console.print(
        f"  curl -u '{key}:' {url}/v1/track -H 'Content-Type: application/json' \\\n"
        '    -d \'{"userId": "alice", "event": "Order Completed", "properties": {"revenue": 42}}\'',
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print("\n…or point an SDK at it (Segment analytics-python, posthog):", highlight=False)
    console.print(
        f"  segment.analytics.write_key = '{key}'; segment.analytics.host = '{url}'\n"
        f"  posthog.Posthog('{key}', host='{url}')",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"\nThen: journeylens status --workspace {workspace}    (Ctrl+C stops the server)\n",
        highlight=False,
    )
    sys.stdout.flush()


if __name__ == "__main__":
    app()
