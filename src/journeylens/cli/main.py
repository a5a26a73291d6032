"""``journeylens``: the app, with init, serve, status and keys; the other commands (import,
plan, users, demo, one per analysis) live in their own modules and are registered here.

Every command takes ``--workspace DIR`` (or ``JOURNEYLENS_WORKSPACE``); output meant
for scripts is stable: ``keys create`` prints the new key alone on its last line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeylens.cli.options import DEFAULT_WS, App, WorkspaceOpt, console, err, fail
from journeylens.cli.server import run_server
from journeylens.store.keys import KINDS, KeyStore
from journeylens.workspace import (
    Workspace,
    WorkspaceInUseError,
    WorkspaceNotFoundError,
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
    """Run the collector, the JSON API and the web UI (creates the workspace if needed)."""
    run_server(workspace, host, port, log_level)


if __name__ == "__main__":
    app()
