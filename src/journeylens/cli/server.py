"""Owning a workspace and serving it: shared by ``journeylens serve`` and ``journeylens demo``.

Creates what a first start needs (the workspace, a write key, the ``admin`` user), records the
server's address and local token in ``server.json`` for other processes, prints how to send a
first event, and runs uvicorn until Ctrl+C.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from journeylens.cli.options import console, fail
from journeylens.config import get_settings
from journeylens.store.keys import KeyStore
from journeylens.store.users import UserStore
from journeylens.workspace import SERVER_FILE, Workspace, WorkspaceInUseError, read_server_file


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
                today=get_settings().today,
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
